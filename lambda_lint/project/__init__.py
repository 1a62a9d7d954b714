"""Layer 3: code and templates together (issue 5). Entry point: :func:`lint_projects`.

    lint_projects(results: list[FileResult], session: Session) -> list[Finding]

For every template of the run (requested, or added by the engine as the context of a
requested handler file) the project layer reloads the template model, resolves each
function's handler (:mod:`.model`), lints inline Python (``InlineCode``/``Code.ZipFile``)
with the code rules at the template's own positions, builds the event graph (:mod:`.graph`)
and runs the LL3xx rules (:mod:`.rules`). A cross finding goes to the code-side node when
that file was requested, else to the template-side object when the template was requested;
the engine drops findings of files that were not requested.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Dict, List, Optional, Sequence, Tuple

from lambda_lint.findings import Finding, Location, Reporter, Severity


class Out:
    """Where a rule's findings go: the code side when that file was requested, else the template."""

    def __init__(self, project: "Project", session: Any) -> None:
        self.project = project
        self.ctx = project.ctx
        self.metas = session.metas
        self.findings: List[Finding] = []

    def code(self, code: str, mod: Any, line: int, column: int, message: str, *, function: str,
             severity: Optional[Severity] = None, related: Sequence[Location] = (), anchor: str = "",
             end_line: Optional[int] = None, end_column: Optional[int] = None,
             resource: Optional[str] = None) -> bool:
        if mod is None or not mod.requested:
            return False
        rep = mod.reporter(self.metas)
        f = rep.report(code, line, column, message, function=function, related=tuple(related),
                       anchor=anchor, end_line=end_line, end_column=end_column, resource=resource)
        self._add(f, severity)
        return True

    def template(self, code: str, line: int, column: int, message: str, *, function: str,
                 resource: Optional[str] = None, severity: Optional[Severity] = None,
                 related: Sequence[Location] = (), anchor: str = "") -> bool:
        if not self.ctx.requested:
            return False
        rep = Reporter(self.ctx.display, self.metas)
        f = rep.report(code, line, column, message, function=function, resource=resource or function,
                       related=tuple(related), anchor=anchor)
        self._add(f, severity)
        return True

    def _add(self, f: Finding, severity: Optional[Severity]) -> None:
        if severity is not None and severity != f.severity:
            f = replace(f, severity=severity)
        self.findings.append(f)

    def code_location(self, mod: Any, line: int, column: int, message: str) -> Location:
        line, column = mod.to_display(line, column)
        return Location(mod.display, line, column, message=message)

    def template_location(self, line: int, column: int, message: str) -> Location:
        return Location(self.ctx.display, line, column, message=message)


class Project:
    """What the LL3xx rules see of one template: its context, the graph, code positions."""

    def __init__(self, ctx: Any, locator: Any) -> None:
        self.ctx = ctx
        self.model = ctx.model
        self.locator = locator
        self._graph: Any = None

    @property
    def graph(self) -> Any:
        """The event graph (:class:`lambda_lint.project.graph.Graph`), built once per template."""
        if self._graph is None:
            from lambda_lint.project.graph import build_graph

            self._graph = build_graph(self.ctx, self.locator)
        return self._graph


def lint_projects(results: List[Any], session: Any) -> List[Finding]:
    from lambda_lint.project import cache as _cache

    templates = [r for r in results if getattr(r, "kind", None) == "template" and r.parsed]
    if not templates:
        return []
    cache = getattr(session, "cache", None)
    by_path = _code_results_by_path(results)
    out: List[Finding] = []
    todo: List[Tuple[Any, Optional[str]]] = []
    for r in templates:
        key = _cache.template_key(cache, r, session.enabled) if cache is not None else None
        if key is not None:
            hit = _cache.lookup(cache, key, by_path)
            if hit is not None:
                out.extend(hit)
                continue
        todo.append((r, key))
    code_results = [r for r in results if getattr(r, "kind", None) == "python"]
    for (r, key), (found, deps) in zip(todo, _run_templates([r for r, _ in todo], code_results, session)):
        out.extend(found)
        if key is not None:
            _cache.store(cache, key, deps, found, by_path)
    return out


def _code_results_by_path(results: List[Any]) -> Dict[str, Any]:
    from lambda_lint.project.model import norm

    return {norm(r.path): r for r in results if getattr(r, "kind", None) == "python"}


class _Joiner:
    """Everything one process needs to join templates with code: facts, locator, rules."""

    def __init__(self, code_results: List[Any], session: Any) -> None:
        from lambda_lint.project.locate import Locator
        from lambda_lint.project.model import FactsStore
        from lambda_lint.project.rules import RULE_CLASSES

        self.session = session
        self.store = FactsStore(code_results)
        self.locator = Locator(self.store)
        self.rules = [cls for cls in RULE_CLASSES if cls.code in session.enabled]
        self.code_enabled = frozenset(c for c in session.enabled if session.metas[c].layer in ("code", "meta"))

    def lint(self, r: Any) -> Tuple[List[Finding], List[str]]:
        """Findings of one template, and every path the join looked at (for the cache)."""
        from lambda_lint.project.model import TRACK

        TRACK.append(set())
        try:
            found = _lint_template(r, self.store, self.locator, self.session, self.rules, self.code_enabled)
        finally:
            deps = TRACK.pop()
        return self._with_ends(found, r), sorted(deps)

    def _with_ends(self, found: List[Finding], r: Any) -> List[Finding]:
        """End positions for cross findings, from the text of the file each one is in."""
        if not any(f.end_column is None for f in found):
            return found
        from lambda_lint.engine import read_source, with_ends

        files = {res.display: (res.path, "python") for res in self.store.by_path.values()}
        files[r.display] = (r.path, "template")
        out: List[Finding] = []
        for f in found:
            where = files.get(f.path)
            if f.end_column is None and where is not None:
                try:
                    f = with_ends([f], read_source(where[0]), where[1])[0]
                except Exception:  # noqa: BLE001 - a vanished file: keep the finding as it is
                    pass
            out.append(f)
        return out


# The join is per template once the code facts are known, so a large run spreads templates
# over the same number of processes as the per-file phase did (parse and join of a template
# are most of a template-only run). Small runs stay in this process.
POOL_MIN_TEMPLATES = 20
_WORKER_JOINER: Optional[_Joiner] = None


def _run_templates(templates: List[Any], code_results: List[Any], session: Any) -> List[Tuple[List[Finding], List[str]]]:
    workers = min(session.config.effective_jobs, len(templates))
    if workers > 1 and len(templates) >= POOL_MIN_TEMPLATES:
        done = _run_pool(templates, code_results, session, workers)
        if done is not None:
            return done
    joiner = _Joiner(code_results, session)
    return [joiner.lint(r) for r in templates]


def _init_worker(config: Any, code_results: List[Any]) -> None:
    from lambda_lint.parallel import _init_worker as init_session
    import lambda_lint.parallel as parallel

    global _WORKER_JOINER
    init_session(config)
    _WORKER_JOINER = _Joiner(code_results, parallel._WORKER_SESSION)


def _work(chunk: List[Any]) -> List[Tuple[List[Finding], List[str]]]:
    assert _WORKER_JOINER is not None
    return [_WORKER_JOINER.lint(r) for r in chunk]


def _run_pool(templates: List[Any], code_results: List[Any], session: Any,
              workers: int) -> Optional[List[Tuple[List[Finding], List[str]]]]:
    """The joins in a process pool, in order; None when a pool can't be had or broke (the
    caller then joins in this process, where a rule's exception is still only LL002)."""
    from concurrent.futures import ProcessPoolExecutor

    light = [replace(r, findings=[]) for r in code_results]  # facts are all a worker needs
    chunk = max(1, min(16, len(templates) // (workers * 8)))
    try:
        pool = ProcessPoolExecutor(max_workers=workers, initializer=_init_worker,
                                   initargs=(session.config, light))
    except (OSError, ImportError, NotImplementedError, ValueError):
        return None
    try:
        futures = [pool.submit(_work, templates[k:k + chunk]) for k in range(0, len(templates), chunk)]
        out: List[Tuple[List[Finding], List[str]]] = []
        for fut in futures:
            out.extend(fut.result())
        return out
    except KeyboardInterrupt:
        raise
    except BaseException:  # noqa: BLE001 - BrokenProcessPool, a result that failed to cross
        return None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _lint_template(r: Any, store: Any, locator: Any, session: Any, rules: list,
                   code_enabled: frozenset) -> List[Finding]:
    from lambda_lint.project.model import build_template_ctx
    from lambda_lint.rulebase import run_guarded

    out: List[Finding] = []
    reporter = Reporter(r.display, session.metas)
    ctx = run_guarded(reporter, "project layer", build_template_ctx, r, store, session, code_enabled)
    out.extend(reporter.findings if r.requested else ())
    if ctx is None:
        return out
    out.extend(ctx.inline_findings)
    from lambda_lint.project.bounds import withdraws_ll212

    withdraw = r.requested and withdraws_ll212(ctx, session)
    if (not rules and not withdraw) or not ctx.model.functions:
        return out
    project = Project(ctx, locator)
    for cls in rules:
        sink = Out(project, session)
        rep = Reporter(r.display, session.metas)
        run_guarded(rep, cls.code, cls().check, project, sink)
        out.extend(sink.findings)
        if r.requested:
            out.extend(rep.findings)
    if withdraw:
        # issue 13: LL212 (a template rule) is withdrawn where the code bounds the recursion
        from lambda_lint.project.bounds import withdrawal_markers

        rep = Reporter(r.display, session.metas)
        out.extend(run_guarded(rep, "LL212", withdrawal_markers, project, r.display, session.metas) or ())
        out.extend(rep.findings)
    return out
