"""Edges: ``lambda-lint graph``, a picture of the event graph the cross rules reason about.

    collect(paths, config) -> GraphData      # nodes and edges of every template of the run
    render(data, fmt) -> str                 # mermaid | dot | json (:mod:`.render`)

What is drawn, per template: functions; their triggers (an edge from the source to the
function, labelled with the kind and its retry settings); the resources each function's code
writes to (solid) or only its permissions allow it to write to (dashed); failure
destinations and dead-letter queues (dotted). Edges on a cycle are highlighted and labelled
with the rule that reports it: LL301 when every write on it is proven by code, LL307 when a
permission is all there is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence


@dataclass
class Node:
    id: str
    label: str
    kind: str  # function | resource | external


@dataclass
class Edge:
    source: str
    target: str
    kind: str   # trigger | write | wiring | failure
    label: str
    style: str  # solid | dashed | dotted
    cycle: Optional[str] = None  # LL301 | LL307 when the edge is on a cycle


@dataclass
class Section:
    path: str
    nodes: Dict[str, Node] = field(default_factory=dict)
    edges: List[Edge] = field(default_factory=list)


@dataclass
class GraphData:
    sections: List[Section] = field(default_factory=list)

    def to_dict(self) -> Dict[str, Any]:
        return {"templates": [
            {"path": s.path,
             "nodes": [{"id": n.id, "label": n.label, "kind": n.kind} for n in s.nodes.values()],
             "edges": [{"from": e.source, "to": e.target, "kind": e.kind, "label": e.label,
                        "style": e.style, "cycle": e.cycle} for e in s.edges]}
            for s in self.sections]}


def collect(paths: Sequence[str], config: Any) -> GraphData:
    """Lint ``paths`` (the cross rules need the code facts), then draw every template."""
    from lambda_lint.project import Joiner
    from lambda_lint.run.engine import Session, run

    session = Session(config)
    result = run(paths, config, session)
    code_results = [r for r in result.files if r.kind == "python"]
    joiner = Joiner(code_results, session)
    data = GraphData()
    seen = set()
    for r in sorted((r for r in result.files if r.kind == "template" and r.parsed and r.requested),
                    key=lambda r: r.display):
        display = _unit_display(r.display)
        if display in seen:
            continue  # another file of the same Terraform module: the same graph
        seen.add(display)
        graph = joiner.graph(r)
        if graph is not None:
            data.sections.append(_section(display, graph))
    return data


def _unit_display(display: str) -> str:
    """What a section is named by: the template, or for Terraform (every ``.tf`` file of a
    folder is one module, and each of them loads all of it) the module's folder."""
    import os

    if not display.endswith((".tf", ".tf.json")):
        return display
    return (os.path.dirname(display) or ".") + "/"


def _retry_label(model: Any, trig: Any) -> str:
    from lambda_lint.project.model import resolve_literal

    display = trig.attr("Kind") if hasattr(trig, "attr") else trig.kind
    props = trig.props if isinstance(trig.props, dict) else {}

    def val(key: str) -> Any:
        return resolve_literal(model, props.get(key)) if key in props else None

    if trig.trigger_class == "stream":
        retries = val("MaximumRetryAttempts")
        age = val("MaximumRecordAgeInSeconds")
        r = "unbounded" if retries in (None, -1) else str(retries)
        a = "unbounded" if age in (None, -1) else f"{age} s"
        return f"{display}: retries {r}, record age {a}"
    if trig.kind == "sqs":
        batch = val("BatchSize")
        return f"{display}: batch {batch if batch is not None else 10}"
    if trig.trigger_class == "async":
        cfg = trig.function.invoke_config if trig.function is not None else None
        retries = resolve_literal(model, cfg.props.get("MaximumRetryAttempts")) \
            if cfg is not None and isinstance(cfg.props, dict) and "MaximumRetryAttempts" in cfg.props else None
        return f"{display} (async): retries {retries if retries is not None else '2 (default)'}"
    return str(display)


def _section(path: str, graph: Any) -> Section:
    model = graph.ctx.model
    sec = Section(path)

    def node(lid: str, kind: Optional[str] = None) -> str:
        if lid not in sec.nodes:
            if lid in model.functions:
                sec.nodes[lid] = Node(lid, lid, "function")
            elif lid in model.resources:
                rtype = model.resources[lid].type or "resource"
                sec.nodes[lid] = Node(lid, f"{lid} ({'::'.join(rtype.split('::')[1:]) if '::' in rtype else rtype})", "resource")
            else:
                sec.nodes[lid] = Node(lid, lid.strip("<>"), kind or "external")
        return lid

    for lid in model.functions:
        node(lid)
    for trig in model.triggers:
        fn = trig.function
        if fn is None:
            continue
        src = trig.source
        if src is not None and src.is_resource and src.value in model.resources:
            source = node(src.value)
        else:
            source = node(f"<{trig.attr('Kind')}>", "external")
        sec.edges.append(Edge(source, fn.logical_id, "trigger", _retry_label(model, trig), "solid"))
        dest = _failure_destination(model, trig.props)
        if dest is not None:
            sec.edges.append(Edge(fn.logical_id, node(dest), "failure", f"on failure ({trig.name})", "dotted"))
    for lid, fn in model.functions.items():
        for key in ("DeadLetterQueue", "DeadLetterConfig"):
            dl = fn.prop(key)
            target = _resource_of(model, dl.get("TargetArn") if isinstance(dl, dict) else None)
            if target:
                sec.edges.append(Edge(lid, node(target), "failure", "DLQ", "dotted"))
        cfg = fn.invoke_config
        dest = _failure_destination(model, cfg.props if cfg is not None else None)
        if dest is not None:
            sec.edges.append(Edge(lid, node(dest), "failure", "on failure (async)", "dotted"))
    for fn_id, edges in sorted(graph.writes.items()):
        for w in edges:
            # code and template wiring prove a write; a permission only allows one
            style = "dashed" if w.source == "policy" else "solid"
            label = f"may {w.label}" if w.source == "policy" else w.label
            sec.edges.append(Edge(fn_id, node(w.node, "resource"), "write", label, style))
    for src, wires in sorted(getattr(graph, "wires", {}).items()):
        for wire in wires:
            sec.edges.append(Edge(node(src), node(wire.dst, "resource"), "wiring", wire.label, "solid"))
    _mark_cycles(sec, graph)
    return sec


def _resource_of(model: Any, value: Any) -> Optional[str]:
    if value is None:
        return None
    r = model.resolver.resolve(value)
    return r.value if r.is_resource and r.value in model.resources else None


def _failure_destination(model: Any, props: Any) -> Optional[str]:
    if not isinstance(props, dict):
        return None
    dc = props.get("DestinationConfig")
    of = dc.get("OnFailure") if isinstance(dc, dict) else None
    return _resource_of(model, of.get("Destination") if isinstance(of, dict) else None)


def _mark_cycles(sec: Section, graph: Any) -> None:
    """The edges of every cycle the join finds (filters and guards already applied), labelled
    with the rule that reports it: LL307 when a permission is the only evidence of a write."""
    try:
        cycles = graph.cycles()
    except Exception:  # noqa: BLE001 - a picture without its highlights rather than none
        return
    for cyc in cycles:
        code = "LL307" if cyc.policy_only else "LL301"
        pairs = set()
        for hop in cyc.steps:
            w = hop.write
            pairs.add(("write", w.function, w.node))
            prev = w.node
            for wire in hop.wires:
                pairs.add(("wiring", prev, wire.dst))
                prev = wire.dst
            if hop.trigger is not None:
                pairs.add(("trigger", hop.trigger.node, hop.target))
        for e in sec.edges:
            if (e.kind, e.source, e.target) in pairs and e.cycle != "LL301":
                e.cycle = code
