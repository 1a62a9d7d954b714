"""Layer 4, the run: plan, per-file jobs, the join, then filtering and sorting.

    run(paths, config) -> RunResult

The per-file phase (:mod:`.files`) and the join phase (:mod:`.join`) both go through the
one worker pool (:mod:`.pool`); everything that needs every file's result (suppressions
of cross findings, per-file ignores, severity overrides, LL003) happens here afterwards,
in the main process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

from lambda_lint import suppressions as supp
from lambda_lint.config import Config
from lambda_lint.findings import Finding, Reporter
from lambda_lint.fileio import MAX_FILE_BYTES, OVERLAYS, new_run, read_source  # noqa: F401 - the run's public names
from lambda_lint.run.files import FileJob, FileResult, execute_files, process_file, skipped_notes  # noqa: F401
from lambda_lint.run.plan import plan
from lambda_lint.run.session import Session, _selector_ran

# the run's public names, in one place for callers (cli, the cfn-lint plugin, tests)
__all__ = ["FileJob", "FileResult", "MAX_FILE_BYTES", "OVERLAYS", "RunResult", "Session", "process_file", "read_source", "run"]


@dataclass
class RunResult:
    findings: List[Finding]
    files: List[FileResult]
    registry: Any
    unused_suppressions: int = 0
    hidden_by_baseline: int = 0  # #19: the summary says how many findings a baseline hid
    vendored_args: List[str] = field(default_factory=list)  # folder arguments that are installed code
    notes: List[str] = field(default_factory=list)  # issue 16: discovery's stderr lines
    cdk_missing: bool = False

    @property
    def files_checked(self) -> int:
        return sum(1 for f in self.files if f.requested)


def run(paths: Sequence[str], config: Config, session: Optional[Session] = None) -> RunResult:
    """Lint ``paths``; returns the findings that are to be reported, filtered and sorted."""
    session = session or Session(config)
    new_run()  # issue 17: per-run memos (a Terraform unit is lowered once per process)
    # #19 progress hook: ``session.on_progress(done, total, phase)`` when the CLI set one.
    on_progress = getattr(session, "on_progress", None) or (lambda done, total, phase: None)
    on_progress(0, 0, "finding files")
    jobs, found = plan(paths, config, session)
    on_progress(0, len(jobs), "linting")
    from lambda_lint.run.scope import execute_scoped

    # issue 12: templates first, then only the code their handlers (or unmistakable handlers)
    # reach; the scope keeps the LL1xx findings of reachable code (lambda_lint/run/scope.py)
    results, scope = execute_scoped(jobs, paths, config, session,
                                    lambda todo, _config, sess: execute_files(todo, sess))
    for missing in found.missing:
        results.append(_missing_result(missing, session))
    for folder, reason in found.unreadable:
        results.append(_missing_result(folder, session, f"cannot read folder: {reason}; its files were not linted"))

    findings: List[Finding] = []
    for r in results:
        findings.extend(scope.filter(r))
    on_progress(len(jobs), len(jobs), "joining code and templates")
    findings.extend(_project_phase(results, session))
    if session.cache is not None:
        session.cache.save_index()
    result = _finish(findings, results, config, session)
    result.notes, result.cdk_missing = list(found.notes), found.cdk_missing  # issue 16
    result.vendored_args = list(found.vendored)  # issue 12
    return result


def _missing_result(arg: str, session: Session, message: str = "no such file or folder") -> FileResult:
    reporter = Reporter(arg, session.metas)
    reporter.report("LL001", 1, 1, message, anchor="LL001:missing")
    return FileResult(display=arg, path=arg, kind="missing", requested=True, findings=reporter.findings)


def _project_phase(results: List[FileResult], session: Session) -> List[Finding]:
    # the project layer also lints inline code (InlineCode / Code.ZipFile) with the code rules
    # (and for LL212, which the project layer withdraws where the code bounds the recursion)
    if not (session.layer_enabled("project") or session.layer_enabled("code") or "LL212" in session.enabled):
        return []
    from lambda_lint.run.join import lint_projects

    return list(lint_projects(results, session))


def _finish(findings: List[Finding], results: List[FileResult], config: Config, session: Session) -> RunResult:
    # issue 13: the project layer withdraws template findings the code disproves (LL212 on
    # recursion bounded by a hop counter) with marker findings; drop both here
    from lambda_lint.project.bounds import apply_withdrawals

    findings = apply_withdrawals(findings)
    requested = {r.display: r for r in results if r.requested}
    by_file: Dict[str, supp.FileSuppressions] = {}
    for disp, r in requested.items():
        by_file[disp] = supp.FileSuppressions(supp.from_json(r.suppressions), r.resource_lines, r.resource_ignores)

    findings = _cdk_constructs(findings, results, config, session)  # issue 16
    # issue 15: a local file a requested template read (a state machine's DefinitionUri) takes
    # the findings reported in it, silenced by that template's resource suppressions
    external: Dict[str, supp.FileSuppressions] = {}
    for disp, r in requested.items():
        for ext in getattr(r, "external", None) or ():
            if ext not in requested:
                external.setdefault(ext, by_file[disp])

    pfi = session.per_file_ignores
    overrides = session.severity_overrides
    kept: List[Finding] = []
    seen = set()
    for f in findings:
        if f.path not in requested and f.path not in external:
            continue
        if f.code not in session.enabled:
            continue
        if pfi.ignored(f.path, f.code):
            continue
        if f.path in external:
            if external[f.path].suppressed(f.code, f.name, 0, f.resource):  # resource-level only
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




def _cdk_constructs(findings: List[Finding], results: List[FileResult], config: Config,
                    session: Session) -> List[Finding]:
    """Issue 16: findings in CDK templates named by construct path; construct-ignores applied.
    Only templates inside a cloud assembly are looked at, so other runs pay one stat each."""
    cdk_paths = {r.display: r.path for r in results if r.kind == "template"}
    if not cdk_paths:
        return findings
    from lambda_lint.iac.cdk import construct_paths, is_assembly_template
    from lambda_lint.iac.cdk.constructs import decorate

    cdk_paths = {d: p for d, p in cdk_paths.items() if is_assembly_template(p)}
    if not cdk_paths:
        return findings
    ignores = [(pattern, frozenset(c for sel in codes for c in session.registry.resolve(
        sel, origin=f"construct-ignores.{pattern}"))) for pattern, codes in config.construct_ignores]
    # a cross finding in handler code names its function by logical ID too: any of the run's stacks
    every: Dict[str, str] = {}
    for p in cdk_paths.values():
        every.update(construct_paths(p))
    return decorate(findings, lambda display: construct_paths(cdk_paths[display]) if display in cdk_paths else every,
                    ignores)
