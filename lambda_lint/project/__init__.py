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
             end_line: Optional[int] = None, end_column: Optional[int] = None) -> bool:
        if mod is None or not mod.requested:
            return False
        rep = mod.reporter(self.metas)
        f = rep.report(code, line, column, message, function=function, related=tuple(related),
                       anchor=anchor, end_line=end_line, end_column=end_column)
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
        self._graph: Optional[Tuple[Dict, Dict]] = None

    @property
    def graph(self) -> Tuple[Dict, Dict]:
        if self._graph is None:
            from lambda_lint.project.graph import build_graph

            self._graph = build_graph(self.ctx, self.locator)
        return self._graph


def lint_projects(results: List[Any], session: Any) -> List[Finding]:
    from lambda_lint.project import cache as _cache
    from lambda_lint.project.locate import Locator
    from lambda_lint.project.model import TRACK, FactsStore
    from lambda_lint.project.rules import RULE_CLASSES

    enabled = session.enabled
    rules = [cls for cls in RULE_CLASSES if cls.code in enabled]
    code_enabled = frozenset(c for c in enabled if session.metas[c].layer in ("code", "meta"))
    templates = [r for r in results if getattr(r, "kind", None) == "template" and r.parsed]
    if not templates:
        return []
    store = FactsStore(results)
    locator = Locator(store)
    cache = getattr(session, "cache", None)
    out: List[Finding] = []
    for r in templates:
        key = _cache.template_key(cache, r, enabled) if cache is not None else None
        if key is not None:
            hit = _cache.lookup(cache, key, store.by_path)
            if hit is not None:
                out.extend(hit)
                continue
        TRACK.append(set())
        try:
            found = _lint_template(r, store, locator, session, rules, code_enabled)
        finally:
            deps = TRACK.pop()
        out.extend(found)
        if key is not None:
            _cache.store(cache, key, deps, found, store.by_path)
    return out


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
    if not rules or not ctx.model.functions:
        return out
    project = Project(ctx, locator)
    for cls in rules:
        sink = Out(project, session)
        rep = Reporter(r.display, session.metas)
        run_guarded(rep, cls.code, cls().check, project, sink)
        out.extend(sink.findings)
        if r.requested:
            out.extend(rep.findings)
    return out
