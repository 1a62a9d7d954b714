"""The run: parse each file once, run the selected rules, join code and templates, filter.

Per-file work (:func:`process_file`) is a pure function of a :class:`FileJob` whose result
is plain data, so it can run in a process pool and be cached by content hash. Everything
that needs more than one file (the project layer, suppressions of cross findings,
baselines) happens afterwards in the main process.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from lambda_lint import suppressions as supp
from lambda_lint.config import Config
from lambda_lint.discovery import Discovery, SourceFile, discover, find_context_template, relative_display
from lambda_lint.errors import ParseFailure
from lambda_lint.findings import Finding, Reporter, RuleMeta

MAX_FILE_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class FileJob:
    display: str
    path: str
    kind: str
    requested: bool
    enabled: frozenset
    handler_names: Optional[frozenset] = None


@dataclass
class FileResult:
    display: str
    path: str
    kind: str
    requested: bool
    findings: List[Finding] = field(default_factory=list)
    facts: Optional[dict] = None
    suppressions: List[list] = field(default_factory=list)
    resource_lines: Dict[str, int] = field(default_factory=dict)
    resource_ignores: Dict[str, List[str]] = field(default_factory=dict)
    parsed: bool = False
    digest: str = ""


@dataclass
class RunResult:
    findings: List[Finding]
    files: List[FileResult]
    registry: Any
    unused_suppressions: int = 0
    vendored_args: List[str] = field(default_factory=list)  # folder arguments that are installed code

    @property
    def files_checked(self) -> int:
        return sum(1 for f in self.files if f.requested)


class Session:
    """State shared by the files of one run: the registry, the rules, the options.

    With the cache on, the compiled declarative rules come from the cache folder (keyed by
    the rule files' bytes), so a run that lints no template never imports PyYAML.
    """

    def __init__(self, config: Config, loaded=None) -> None:
        self.config = config
        self.cache = None
        if config.cache:
            from lambda_lint.cache import ResultCache

            self.cache = ResultCache.for_config(config)
        self.loaded = loaded or _load_rules(config, self.cache)
        self.registry = self.loaded.registry
        self.enabled = self.registry.select(config.select, config.ignore, config.extend_select)
        self.metas: Dict[str, RuleMeta] = dict(self.registry.by_code)
        self.options = _normalize_options(config.options, self.registry)
        # Codes, prefixes or names, as in the selectors; an unknown one is a usage error.
        self.severity_overrides: Dict[str, Any] = {}
        for key, sev in config.severity_overrides:
            for code in self.registry.resolve(key, origin=f"severity.{key}"):
                self.severity_overrides[code] = sev
        # Validated now, so a bad code in per-file-ignores is a usage error before any work.
        self.per_file_ignores = _PerFileIgnores(config, self)

    def layer_enabled(self, layer: str) -> bool:
        return any(self.metas[c].layer == layer for c in self.enabled)


def _load_rules(config: Config, cache) -> Any:
    """The registry; the compiled template rules from the cache when their files are unchanged."""
    from lambda_lint.registry import META_RULES, LoadedRules, Registry, load_registry, python_rule_metas

    if cache is not None:
        data = cache.get_rules()
        if data is not None:
            from lambda_lint.cache import rules_from_data

            try:
                template_rules = rules_from_data(data)
            except (KeyError, TypeError, ValueError):
                template_rules = None
            if template_rules is not None:
                metas = list(META_RULES) + python_rule_metas() + [r.meta for r in template_rules]
                return LoadedRules(Registry(metas), template_rules)
    loaded = load_registry(config.rule_dirs)
    if cache is not None:
        from lambda_lint.cache import rules_to_data

        data = rules_to_data(loaded.template_rules)
        if data is not None:
            cache.put_rules(data)
    return loaded


def _normalize_options(options: Mapping[str, Mapping[str, Any]], registry) -> Dict[str, Dict[str, Any]]:
    """Options keyed by code, whether the user wrote a code or a rule name; every name and
    value checked against what the rule declares (a typo must not silently do nothing)."""
    from lambda_lint.errors import ConfigError

    out: Dict[str, Dict[str, Any]] = {}
    for key, value in options.items():
        if key in registry.by_name:
            code = registry.by_name[key]
        elif key.upper() in registry.by_code:
            code = key.upper()
        else:
            raise ConfigError(f"options: unknown rule {key!r}")
        declared = dict(registry[code].options)
        for name, given in dict(value).items():
            if name not in declared:
                known = ", ".join(sorted(declared)) or "none"
                raise ConfigError(f"options.{key}: unknown option {name!r} (options of {code}: {known})")
            default = declared[name]
            if not _same_kind(default, given):
                raise ConfigError(f"options.{key}.{name}: expected {_kind(default)}, got {given!r}")
        out[code] = dict(value)
    return out


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list of strings"
    return "a string"


def _same_kind(default: Any, given: Any) -> bool:
    if isinstance(default, bool) or isinstance(given, bool):
        return isinstance(default, bool) and isinstance(given, bool)
    if isinstance(default, (int, float)):
        return isinstance(given, (int, float))
    if isinstance(default, list):
        return isinstance(given, list) and all(isinstance(v, str) for v in given)
    return isinstance(given, str)


def read_source(path: str) -> bytes:
    """Read a file with a size limit; OSError and oversize become ParseFailure (LL001)."""
    try:
        st = os.stat(path)
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(path)
        if not stat.S_ISREG(st.st_mode):
            # a FIFO would block the run forever, a device never end: refuse before opening
            raise ParseFailure("not a regular file (a FIFO, socket or device); not linted")
        size = st.st_size
        if size > MAX_FILE_BYTES:
            raise ParseFailure(
                f"file is {size / 1e6:.1f} MB, over the {MAX_FILE_BYTES // (1024 * 1024)} MiB limit; not linted"
            )
        with open(path, "rb") as fh:
            return fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ParseFailure("file vanished before it could be read") from None
    except IsADirectoryError:
        raise ParseFailure("is a directory, not a file") from None
    except PermissionError:
        raise ParseFailure("cannot read file: permission denied") from None
    except OSError as exc:
        raise ParseFailure(f"cannot read file: {exc.strerror or exc}") from None


def process_file(job: FileJob, session: Session) -> FileResult:
    """Read, parse once, run every enabled rule of the file's layer. Never raises."""
    result = FileResult(display=job.display, path=job.path, kind=job.kind, requested=job.requested)
    reporter = Reporter(job.display, session.metas)
    try:
        source = read_source(job.path)
        result.digest = hashlib.sha256(source).hexdigest()
        _scan_suppressions(source, result)
        if job.kind == "python":
            from lambda_lint.code import lint_python

            result.facts = lint_python(
                source, job.display, enabled=job.enabled, reporter=reporter,
                options=session.options, handler_names=job.handler_names,
            )
        else:
            from lambda_lint.template import lint_template

            model = lint_template(
                source, job.display, enabled=job.enabled, reporter=reporter,
                options=session.options, rules=session.loaded.template_rules,
            )
            if model is not None:
                # issue 12: the functions' code folders and Handlers, for the code scope (cached)
                from lambda_lint.project.handlers import template_entrypoints

                result.facts = {"entrypoints": template_entrypoints(model)}
                result.resource_lines = dict(getattr(model, "resource_lines", {}) or {})
                result.resource_ignores = {
                    k: sorted(v) for k, v in (getattr(model, "resource_ignores", {}) or {}).items()
                }
        result.parsed = True
    except ParseFailure as exc:
        reporter.report("LL001", exc.line, exc.column, exc.message, anchor="LL001")
    except RecursionError:
        reporter.report("LL001", 1, 1, "file is nested too deeply to analyse safely", anchor="LL001")
    except MemoryError:
        reporter.report("LL001", 1, 1, "file is too large to analyse in memory", anchor="LL001")
    except Exception as exc:  # noqa: BLE001 - a bug in a layer must not end the run
        reporter.report(
            "LL002", 1, 1, f"lambda-lint failed on this file: {type(exc).__name__}: {exc}",
            anchor=f"LL002:{type(exc).__name__}",
        )
    result.findings = reporter.findings
    if result.parsed:
        result.findings = with_ends(result.findings, source, job.kind)
    return result


def with_ends(findings: List[Finding], source: bytes, kind: str) -> List[Finding]:
    """Findings with their end positions derived from the text (never fails the file)."""
    from lambda_lint.spans import fill_ends

    try:
        return fill_ends(findings, source.decode("utf-8-sig", errors="replace"), kind)
    except Exception:  # noqa: BLE001 - an end position is a nicety, the finding is what counts
        return findings


def _scan_suppressions(source: bytes, result: FileResult) -> None:
    if b"lambda-lint" in source or b"noqa" in source or b"NOQA" in source:
        text = source.decode("utf-8", errors="replace")
        result.suppressions = supp.to_json(supp.scan(text))


def plan(paths: Sequence[str], config: Config, session: Session) -> Tuple[List[FileJob], Discovery]:
    """Discover the files, add the context templates of handler files, and make jobs."""
    base = config.project_root or Path.cwd()
    kwargs = {}
    if session.cache is not None:
        from lambda_lint.discovery import sniff_file

        cache = session.cache
        kwargs["sniff"] = lambda p: cache.sniff(str(p), sniff_file)
    # issue 12: installed third-party code is left out of folder walks, whatever the scope
    from lambda_lint.project.vendored import VendoredIndex

    found = discover(
        paths, exclude=tuple(config.exclude) + tuple(config.extend_exclude),
        respect_gitignore=config.respect_gitignore, base=base, vendored=VendoredIndex(), **kwargs,
    )
    files = list(found.files)
    have = {os.path.normcase(str(f.path)) for f in files}
    # issue 12: the code scope needs the template that names a handler file's entry points,
    # even when only the code rules run (pre-commit's per-file hook)
    needs_context = session.layer_enabled("project") or session.layer_enabled("code")
    if needs_context:
        # The context template depends only on the folder: look each folder up once, not once
        # per file (a folder of 1,000 handlers was scanned 1,000 times: 50,000 files took minutes).
        by_folder: Dict[str, Optional[Path]] = {}
        memo: Dict = {}  # shared by the folders of one run: each folder scanned once (issue 12)
        for f in list(files):
            if f.kind != "python":
                continue
            folder = os.path.dirname(os.path.abspath(f.path))
            if folder not in by_folder:
                by_folder[folder] = find_context_template(f.path, memo=memo)
            tpl = by_folder[folder]
            if tpl is not None and os.path.normcase(str(Path(os.path.abspath(tpl)))) not in have:
                have.add(os.path.normcase(str(Path(os.path.abspath(tpl)))))
                files.append(SourceFile(relative_display(tpl), Path(os.path.abspath(tpl)), "template", requested=False))
    jobs = []
    for f in files:
        enabled = _enabled_for(f, config, session)
        jobs.append(FileJob(f.display, str(f.path), f.kind, f.requested, enabled))
    return jobs, found


def _enabled_for(f: SourceFile, config: Config, session: Session) -> frozenset:
    layer = "code" if f.kind == "python" else "template"
    enabled = {c for c in session.enabled if session.metas[c].layer in (layer, "meta")}
    return frozenset(enabled)


def run(paths: Sequence[str], config: Config, session: Optional[Session] = None) -> RunResult:
    """Lint ``paths``; returns the findings that are to be reported, filtered and sorted."""
    session = session or Session(config)
    jobs, found = plan(paths, config, session)
    from lambda_lint.parallel import execute
    from lambda_lint.project.scope import execute_scoped

    # issue 12: templates first, then only the code their handlers (or unmistakable handlers)
    # reach; the scope keeps the LL1xx findings of reachable code (lambda_lint/project/scope.py)
    results, scope = execute_scoped(jobs, paths, config, session, execute)
    for missing in found.missing:
        results.append(_missing_result(missing, session))

    findings: List[Finding] = []
    for r in results:
        findings.extend(scope.filter(r))
    findings.extend(_project_phase(results, session))
    if session.cache is not None:
        session.cache.save_index()
    run_result = _finish(findings, results, config, session)
    run_result.vendored_args = list(found.vendored)
    return run_result


def _missing_result(arg: str, session: Session) -> FileResult:
    reporter = Reporter(arg, session.metas)
    reporter.report("LL001", 1, 1, "no such file or folder", anchor="LL001:missing")
    return FileResult(display=arg, path=arg, kind="missing", requested=True, findings=reporter.findings)


def _project_phase(results: List[FileResult], session: Session) -> List[Finding]:
    # the project layer also lints inline code (InlineCode / Code.ZipFile) with the code rules
    if not (session.layer_enabled("project") or session.layer_enabled("code")):
        return []
    try:
        from lambda_lint.project import lint_projects
    except ImportError:
        return []
    return list(lint_projects(results, session))


def _finish(findings: List[Finding], results: List[FileResult], config: Config, session: Session) -> RunResult:
    requested = {r.display: r for r in results if r.requested}
    by_file: Dict[str, supp.FileSuppressions] = {}
    for disp, r in requested.items():
        by_file[disp] = supp.FileSuppressions(supp.from_json(r.suppressions), r.resource_lines, r.resource_ignores)

    pfi = session.per_file_ignores
    overrides = session.severity_overrides
    kept: List[Finding] = []
    seen = set()
    for f in findings:
        if f.path not in requested:
            continue
        if f.code not in session.enabled:
            continue
        if pfi.ignored(f.path, f.code):
            continue
        fs = by_file.get(f.path)
        if fs is not None and f.code not in ("LL003",) and fs.suppressed(f.code, f.name, f.line, f.resource):
            continue
        if f.code in overrides:
            f = f.with_severity(overrides[f.code])
        if f.severity.rank < config.min_severity.rank:
            continue
        key = (f.path, f.line, f.column, f.code, f.message)
        if key in seen:
            continue
        seen.add(key)
        kept.append(f)

    unused = 0
    if "LL003" in session.enabled:
        for disp, fs in by_file.items():
            for line, col, message in fs.unused(lambda sel: _selector_ran(sel, session)):
                unused += 1
                meta = session.metas["LL003"]
                sev = overrides.get("LL003", meta.severity)
                if sev.rank < config.min_severity.rank:
                    continue
                kept.append(Finding(disp, line, col, "LL003", meta.name, sev, message, anchor=f"LL003:{message}"))
    kept.sort(key=lambda f: f.sort_key)
    return RunResult(kept, results, session.registry, unused)


def _selector_ran(selector: str, session: Session) -> bool:
    """Did this run select any rule that a suppression's selector names?"""
    from lambda_lint.errors import UsageError

    try:
        return any(code in session.enabled for code in session.registry.resolve(selector, origin="suppression"))
    except UsageError:
        return True  # an unknown code in a suppression: it can never match, so it is unused


class _PerFileIgnores:
    def __init__(self, config: Config, session: Session) -> None:
        self.entries = []
        if not config.per_file_ignores:
            return
        import pathspec

        for pattern, selectors in config.per_file_ignores:
            codes = set()
            for sel in selectors:
                codes.update(session.registry.resolve(sel, origin=f"per-file-ignores.{pattern}"))
            self.entries.append((pathspec.GitIgnoreSpec.from_lines([pattern]), frozenset(codes)))
        self.base = config.project_root or Path.cwd()

    def ignored(self, display: str, code: str) -> bool:
        if not self.entries:
            return False
        abspath = Path(os.path.abspath(display))
        try:
            rel = abspath.relative_to(self.base).as_posix()
        except ValueError:
            rel = display
        for spec, codes in self.entries:
            if code in codes and (spec.match_file(rel) or spec.match_file(display)):
                return True
        return False
