"""Intentional recursion that the code bounds: LL212's exception.

``RecursiveLoop: Allow`` (LL212) switches off AWS's loop breaker. When the function's code
shows the loop is bounded (every cycle of the event graph through it checks a hop counter
carried in the message before writing, ``if event["depth"] >= MAX_DEPTH: return``), the
setting is the documented way to run intentional recursion, and LL212 stays silent for it.

The template layer can't see code, so the project layer *withdraws* those LL212 findings:
:func:`withdrawal_markers` returns marker findings (anchor ``withdrawn:``) that the engine's
last step uses to drop the matching template findings (see ``engine._finish``). Markers are
plain findings, so they travel through the results cache and the process pool unchanged.
"""

from __future__ import annotations

from typing import Any, List

WITHDRAWN = "withdrawn:"


def withdraws_ll212(ctx: Any, session: Any) -> bool:
    """Is there an LL212 to reconsider: selected, and a function with ``RecursiveLoop: Allow``?"""
    if "LL212" not in session.enabled:
        return False
    from lambda_lint.project.rules._common import literal

    return any(literal(ctx.model, fn.prop("RecursiveLoop")) == "Allow" for fn in ctx.model.functions.values())


def bounded_functions(project: Any) -> List[str]:
    """Functions with ``RecursiveLoop: Allow`` whose every code cycle is bounded by a hop counter."""
    from lambda_lint.project.rules._common import literal

    out: List[str] = []
    cycles = [c for c in project.graph.cycles() if not c.policy_only]
    for fid, fn in project.model.functions.items():
        if literal(project.model, fn.prop("RecursiveLoop")) != "Allow":
            continue
        mine = [c for c in cycles if any(h.write.function == fid for h in c.steps)]
        if mine and all(c.bounded and not c.bounded.startswith("one extra round") for c in mine):
            out.append(fid)
    return out


def withdrawal_markers(project: Any, display: str, metas: Any) -> List[Any]:
    from lambda_lint.findings import Finding

    meta = metas.get("LL212") if hasattr(metas, "get") else None
    if meta is None:
        return []
    out = []
    for fid in bounded_functions(project):
        fn = project.model.functions[fid]
        out.append(Finding(display, fn.line, fn.column, "LL212", meta.name, meta.severity,
                           f"{fid}: its recursion is bounded by a hop counter in the code",
                           resource=fid, function=fid, anchor=f"{WITHDRAWN}LL212:{fid}"))
    return out


def apply_withdrawals(findings: List[Any]) -> List[Any]:
    """Drop the markers, and the findings they withdraw (same file, rule and resource)."""
    marks = {(f.path, f.code, f.resource) for f in findings if f.anchor.startswith(WITHDRAWN)}
    if not marks:
        return findings
    return [f for f in findings if not f.anchor.startswith(WITHDRAWN) and (f.path, f.code, f.resource) not in marks]
