"""Per-file work: read a file once, parse it once, run its layer's rules.

:func:`process_file` is a pure function of a :class:`FileJob` whose result is plain data,
so it can run in the worker pool (:class:`FilePhase`) and be cached by content hash
(:func:`execute_files`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from lambda_lint import suppressions as supp
from lambda_lint.errors import ParseFailure, SkippedModule
from lambda_lint.fileio import MAX_FILE_BYTES, digest_bytes, read_source
from lambda_lint.findings import Finding, Reporter
from lambda_lint.run.pool import Phase, execute
from lambda_lint.run.session import Session
from lambda_lint.spans import with_ends


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
    # issue 15: local files the template read ({display: sha256}: a state machine's
    # DefinitionUri); findings may be reported in them, and the cache entry depends on them
    external: Dict[str, str] = field(default_factory=dict)


def process_file(job: FileJob, session: Session) -> FileResult:
    """Read, parse once, run every enabled rule of the file's layer. Never raises."""
    result = FileResult(display=job.display, path=job.path, kind=job.kind, requested=job.requested)
    reporter = Reporter(job.display, session.metas)
    try:
        source = read_source(job.path)
        result.digest = digest_bytes(source)
        if job.kind == "template" and len(unit_of(job.path)) > 1:
            result.digest = unit_digest(job.path, _file_digest) or result.digest
        _scan_suppressions(source, result, template=job.kind != "python")
        if job.kind == "python":
            from lambda_lint.code import lint_python

            result.facts = lint_python(
                source, job.display, enabled=job.enabled, reporter=reporter,
                options=session.options, handler_names=job.handler_names,
            )
        else:
            from lambda_lint.iac import lint_template

            model = lint_template(
                source, job.display, enabled=job.enabled, reporter=reporter,
                options=session.options, rules=session.loaded.template_rules,
                settings=session.config.template_settings,  # issue 14: posture scope, external alarms
            )
            from lambda_lint.iac.frontends import dependencies

            if dependencies(source, job.path):
                result.digest = ""  # issue 16: reads other files (${file(...)}): not cached by its bytes
            if model is not None:
                # issue 12: the functions' code folders and Handlers, for the code scope (cached)
                from lambda_lint.project.handlers import template_entrypoints

                result.facts = {"entrypoints": template_entrypoints(model)}
                result.external = _external_files(model)  # issue 15
                result.resource_lines = dict(getattr(model, "resource_lines", {}) or {})
                pm = getattr(model, "position_map", None)
                if pm is not None:  # a unit of several files: the resources of this file, at their lines
                    result.resource_lines = {lid: pm(ln)[1] for lid, ln in result.resource_lines.items()
                                             if pm(ln)[0] == job.display}
                result.resource_ignores = {
                    k: sorted(v) for k, v in (getattr(model, "resource_ignores", {}) or {}).items()
                }
        result.parsed = True
    except SkippedModule as exc:
        # Not handler code (issue 20): no finding; the CLI prints the note (see skipped_notes).
        result.facts = {"skipped": exc.message}
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
        own = [f for f in result.findings if f.path == job.display]
        others = [f for f in result.findings if f.path != job.display]  # in a sibling of a unit
        result.findings = with_ends(own, source, job.kind) + _sibling_ends(others, job)
    return result


def _scan_suppressions(source: bytes, result: FileResult, template: bool = False) -> None:
    if b"lambda-lint" in source or b"noqa" in source or b"NOQA" in source:
        text = source.decode("utf-8", errors="replace")
        result.suppressions = supp.to_json(supp.scan(text, template=template))


def skipped_notes(results: List[FileResult]) -> List[str]:
    """One line per requested file that was skipped as not handler code (a data module)."""
    out = []
    for r in results:
        if r.requested and isinstance(r.facts, dict) and isinstance(r.facts.get("skipped"), str):
            out.append(f"{r.display}: {r.facts['skipped']}")
    return out




# -- results as plain data ------------------------------------------------------------------

def _json_default(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def result_to_json(result: FileResult) -> str:
    data = {
        "findings": [f.to_cache() for f in result.findings],
        "facts": result.facts,
        "suppressions": result.suppressions,
        "resource_lines": result.resource_lines,
        "resource_ignores": result.resource_ignores,
        "parsed": result.parsed,
        "digest": result.digest,
        "external": result.external,
    }
    return json.dumps(data, default=_json_default, sort_keys=False, separators=(",", ":"))


def result_from_data(job: FileJob, data: Dict[str, Any]) -> FileResult:
    return FileResult(
        display=job.display, path=job.path, kind=job.kind, requested=job.requested,
        findings=[Finding.from_cache(d) for d in data.get("findings", ())],
        facts=data.get("facts"),
        suppressions=list(data.get("suppressions") or ()),
        resource_lines=dict(data.get("resource_lines") or {}),
        resource_ignores=dict(data.get("resource_ignores") or {}),
        parsed=bool(data.get("parsed")),
        digest=data.get("digest") or "",
        external=dict(data.get("external") or {}),
    )


def _cacheable(data: Dict[str, Any]) -> bool:
    return bool(data.get("digest")) and not any(f.get("rule") == "LL002" for f in data.get("findings", ()))


def _external_files(model: Any) -> Dict[str, str]:
    """The local files a template model read (issue 15), only when a rule made it read them."""
    if "state_machines" not in getattr(model, "derived", {}):
        return {}
    from lambda_lint.iac.statemachine import external_files

    return external_files(model)


def _sibling_ends(findings: List[Finding], job: FileJob) -> List[Finding]:
    """End positions for findings a unit's file reports in its siblings, from their text, so
    a finding is the same whichever file of the unit was linted."""
    import os

    out: List[Finding] = []
    by_path: Dict[str, List[Finding]] = {}
    for f in findings:
        by_path.setdefault(f.path, []).append(f)
    base = os.path.dirname(os.path.abspath(job.display))
    for disp, group in by_path.items():
        try:
            text = read_source(os.path.join(base, os.path.relpath(os.path.abspath(disp), base)))
            out.extend(with_ends(group, text, job.kind))
        except ParseFailure:
            out.extend(group)
    return out


def unit_of(path: str) -> List[str]:
    """The files a result of ``path`` depends on: itself, or its whole unit for a front-end
    whose files are read together (a Terraform module)."""
    from lambda_lint.iac.frontends import UNIT_SUFFIXES, front_end_for

    if not path.lower().endswith(UNIT_SUFFIXES):
        return [path]
    fe = front_end_for(path, "")
    return fe.unit_files(path) if fe is not None and fe.unit else [path]


def unit_digest(path: str, one: Any) -> Optional[str]:
    """The content key of ``path``'s result: its own digest, or a digest of its unit's."""
    files = unit_of(path)
    if len(files) == 1:
        return one(path)
    parts = []
    for p in files:
        d = one(p)
        parts.append(f"{p}\0{d or '-'}")
    return digest_bytes("\n".join(parts).encode("utf-8", "surrogateescape"))


def _file_digest(path: str) -> Optional[str]:
    try:
        data = read_source(path)  # refuses FIFOs and devices (an open() would block forever)
    except ParseFailure:
        return None
    if len(data) > MAX_FILE_BYTES:
        return None
    return digest_bytes(data)


# -- the per-file phase ---------------------------------------------------------------------

class FilePhase(Phase):
    """Workers build their Session from the config; an item is a FileJob."""

    name = "file"

    def __init__(self, metas: Dict[str, Any]) -> None:
        self.metas = metas

    def init(self, payload: Any) -> Session:
        return Session(payload)

    def work(self, state: Session, item: FileJob) -> str:
        return result_to_json(process_file(item, state))

    def lost(self, item: FileJob, why: str) -> str:
        reporter = Reporter(item.display, self.metas)
        reporter.report("LL001", 1, 1, f"this file {why}; the other files were linted", anchor="LL001:lost")
        return result_to_json(FileResult(display=item.display, path=item.path, kind=item.kind,
                                         requested=item.requested, findings=reporter.findings))


def execute_files(jobs: Sequence[FileJob], session: Session) -> List[FileResult]:
    """Results of ``jobs``, in the order of ``jobs``: from the cache, else from the pool."""
    cache = session.cache
    results: List[Optional[FileResult]] = [None] * len(jobs)
    pending: List[Tuple[int, FileJob]] = []
    for i, job in enumerate(jobs):
        if cache is not None:
            digest = unit_digest(job.path, lambda p: cache.file_digest(p, _file_digest))
            if digest is not None:
                data = cache.get(cache.key(job.kind, job.display, job.enabled, job.handler_names, digest))
                if data is not None:
                    try:
                        hit = result_from_data(job, data)
                        # issue 15: an entry is stale when a local file the template read changed
                        if all(_file_digest(p) == d for p, d in hit.external.items()):
                            results[i] = hit
                            continue
                    except (KeyError, TypeError, ValueError, AttributeError):
                        pass  # a damaged entry: lint the file again
        pending.append((i, job))

    # #19 progress: files done / total through ``session.on_progress`` (set by the CLI on a TTY);
    # each result is cached as it arrives, so an interrupted run keeps its finished work
    on_progress = getattr(session, "on_progress", None)
    count = [len(jobs) - len(pending)]

    def arrived(i: int, text: str) -> None:
        job = jobs[i]
        data = json.loads(text)
        results[i] = result_from_data(job, data)
        if cache is not None and _cacheable(data):
            cache.put(cache.key(job.kind, job.display, job.enabled, job.handler_names, data["digest"]), text)
        count[0] += 1
        if on_progress is not None:
            on_progress(count[0], len(jobs), "linting")

    if on_progress is not None:
        on_progress(count[0], len(jobs), "linting")
    done = execute(FilePhase(session.metas), pending, session.config, session.config.effective_jobs,
                   lambda: session, arrived)
    for i, text in sorted(done.items()):
        if results[i] is None:  # isolated after a crash: not seen by ``arrived``
            arrived(i, text)
    return [r for r in results if r is not None]
