"""Layer 3, the join: code and templates together. Entry point: :class:`Joiner`.

    joiner = Joiner(code_results, settings)   # once per process: facts, locator, rules
    findings, deps = joiner.lint(template_result)

For one template (requested, or added by the run as the context of a requested handler
file) the join reloads the template model, resolves each function's handler (:mod:`.model`),
lints inline Python (``InlineCode``/``Code.ZipFile``) with the code rules at the template's
own positions, builds the event graph (:mod:`.graph`) and runs the LL3xx rules
(:mod:`.rules`). A cross finding goes to the code-side node when that file was requested,
else to the template-side object when the template was requested; the run drops findings
of files that were not requested.

The join knows nothing of processes or caches: the run layer (:mod:`lambda_lint.run.join`)
schedules one :meth:`Joiner.lint` per template on its worker pool and caches the results
with the ``deps`` each call reports. ``settings`` is duck-typed (``metas``, ``enabled``,
``options``), so this layer never imports the run.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, List, Optional, Sequence, Tuple

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
        rep.position_map = getattr(self.ctx.model, "position_map", None)
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
        path, pm = self.ctx.display, getattr(self.ctx.model, "position_map", None)
        if pm is not None:  # a unit of several files (Terraform): the file this line is in
            mapped, line = pm(line)
            path = mapped or path
        return Location(path, line, column, message=message)


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


class Joiner:
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

    def graph(self, r: Any) -> Optional[Any]:
        """The event graph (:class:`lambda_lint.project.graph.Graph`, with its ``ctx``) of one
        template, for ``lambda-lint graph``; None when the template can't be loaded."""
        from lambda_lint.project.graph import build_graph
        from lambda_lint.project.model import build_template_ctx

        try:
            ctx = build_template_ctx(r, self.store, self.session, self.code_enabled)
        except Exception:  # noqa: BLE001 - a picture is not worth a crash
            return None
        if ctx is None:
            return None
        return build_graph(ctx, self.locator)

    def _with_ends(self, found: List[Finding], r: Any) -> List[Finding]:
        """End positions for cross findings, from the text of the file each one is in."""
        if not any(f.end_column is None for f in found):
            return found
        from lambda_lint.fileio import read_source
        from lambda_lint.spans import with_ends

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
