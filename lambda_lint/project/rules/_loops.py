"""What LL301 and LL307 say about a cycle of the event graph, and where."""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

_KIND_NAMES = {"dynamodb": "DynamoDB stream", "kinesis": "Kinesis", "events": "EventBridge",
               "stepfunctions": "Step Functions", "firehose": "Firehose"}


def rotate(cycle: Any) -> Tuple[Any, bool]:
    """The cycle starting at its first code write in a requested file (sorted by path and line);
    else at the trigger that comes first in the template. Returns (cycle, in code)."""
    from lambda_lint.project.graph import Cycle

    steps = cycle.steps
    idx = [i for i, h in enumerate(steps)
           if h.write.source == "code" and h.write.module is not None and h.write.module.requested]
    if idx:
        idx.sort(key=lambda i: (steps[i].write.module.display, steps[i].write.call.get("line", 0)))
        start, in_code = idx[0], True
    else:
        start, in_code = 0, False
    rc = Cycle(steps[start:] + steps[:start], cycle.bounded, cycle.bounded_at)
    return rc, in_code


def trigger_pos(project: Any, hop: Any) -> Tuple[int, int]:
    t = hop.trigger
    if t is not None and t.trigger is not None:
        return t.trigger.line, t.trigger.column
    if hop.wires:
        return hop.wires[-1].line, hop.wires[-1].column
    fn = project.model.functions.get(hop.target)
    return (fn.line, fn.column) if fn is not None else (1, 1)


def first_trigger_step(project: Any, cycle: Any) -> int:
    return min(range(len(cycle.steps)), key=lambda i: trigger_pos(project, cycle.steps[i]))


def detection(project: Any, cycle: Any) -> str:
    """Would AWS's runtime recursive-loop detection stop this loop?"""
    from lambda_lint.project.graph import _service_of_node
    from lambda_lint.project.rules._common import literal

    for h in cycle.steps:
        fn = project.model.functions.get(h.write.function)
        if fn is not None and literal(project.model, fn.prop("RecursiveLoop")) == "Allow":
            return (f"RecursiveLoop: Allow on {fn.logical_id} switches off AWS's recursive loop detection, "
                    f"so nothing stops it")
    blind: List[str] = []
    for h in cycle.steps:
        for wire in h.wires:
            if wire.label.startswith("pipe") and "EventBridge Pipes" not in blind:
                blind.append("EventBridge Pipes")
        if h.write.source == "wiring" and h.write.operation.startswith("pipe") and "EventBridge Pipes" not in blind:
            blind.append("EventBridge Pipes")
    for node in cycle.nodes():
        name = _KIND_NAMES.get(_service_of_node(project.ctx, node) or "")
        if name and name not in blind:
            blind.append(name)
    if blind:
        return f"AWS does not detect {blind[0]} loops: this one runs, and bills, until someone breaks it"
    return ("AWS's recursive loop detection stops it after about 16 invocations, and only when the "
            "function's AWS SDK is recent enough to pass the tracing header on")


def what(cycle: Any, verb_policy: bool = False) -> str:
    steps = cycle.steps
    first = steps[0].write
    node = "the default event bus" if first.node.startswith("<") else first.node
    direct = steps[0].trigger is None and not steps[0].wires
    if first.source == "policy":
        verb = f"is allowed to {'invoke' if direct else 'write to'} {node} ({first.policy})"
    elif first.source == "wiring":
        verb = f"sends its output to {node} ({first.operation})"
    elif first.operation in ("invoke", "invoke_async"):
        verb = f"invokes {node} ({first.api})"
    else:
        verb = f"calls {first.api} on {node}"
    if len(steps) == 1:
        via = [w.dst for w in steps[0].wires if not w.to_function]
        if via:
            return f"{first.function} {verb}, which comes back to it through {', '.join(_name(v) for v in via)}"
        return f"{first.function} {verb}, which triggers it again"
    others = []
    for h in steps[:-1]:
        if h.target != node and h.target not in others:
            others.append(h.target)
    return f"{first.function} {verb}, which comes back to it" + (f" through {', '.join(others)}" if others else "")


def related(project: Any, out: Any, cycle: Any) -> List[Any]:
    rel = []
    for h in cycle.steps:
        w = h.write
        if w.source == "code" and w.module is not None and w.call is not None:
            rel.append(out.code_location(w.module, w.call["line"], w.call["column"],
                                         f"{w.function} calls {w.api} on {_name(w.node)}"))
        elif w.source == "policy":
            fn = project.model.functions.get(w.function)
            props = fn.props if fn is not None else None
            line, col = props.kpos.get("Policies", (fn.line, fn.column)) if props is not None else (1, 1)
            rel.append(out.template_location(line, col, f"{w.function} is allowed to write to {_name(w.node)} "
                                                        f"({w.policy})"))
        elif w.source == "wiring" and w.wire is not None:
            rel.append(out.template_location(w.wire.line, w.wire.column, w.wire.what))
        for wire in h.wires:
            rel.append(out.template_location(wire.line, wire.column, wire.what))
        t = h.trigger
        if t is not None and t.trigger is not None:
            rel.append(out.template_location(t.trigger.line, t.trigger.column,
                                             f"{_name(t.node)} triggers {t.function} ({t.trigger.name})"))
        elif t is not None and t.wire is not None:
            rel.append(out.template_location(t.wire.line, t.wire.column, t.wire.what))
    if cycle.bounded_at is not None and cycle.bounded_at[0] is not None:
        mod, line, col = cycle.bounded_at
        rel.append(out.code_location(mod, line, col, "the guard that ends it"))
    return rel


def notes(cycle: Any) -> str:
    seen: List[str] = []
    for h in cycle.steps:
        for n in h.notes:
            if n not in seen:
                seen.append(n)
    return ("; " + "; ".join(seen)) if seen else ""


def resource_of(cycle: Any) -> Optional[str]:
    node = cycle.steps[0].write.node
    return None if node.startswith("<") else node


def _name(node: str) -> str:
    return "the default event bus" if node.startswith("<") else node
