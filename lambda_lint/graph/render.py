"""The event graph as Mermaid (pastes into a GitHub README or PR comment), Graphviz dot, or JSON."""

from __future__ import annotations

import json
import re
from typing import Any, Dict, List

CYCLE_COLOUR = "#d62728"


def render(data: Any, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(data.to_dict(), indent=2) + "\n"
    if fmt == "dot":
        return dot(data)
    return mermaid(data)


def _mermaid_text(text: str) -> str:
    """A label inside double quotes: Mermaid's entity codes for what would end or break it."""
    text = text.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
    return re.sub(r"[\r\n]+", " ", text)


def mermaid(data: Any) -> str:
    lines = ["flowchart LR"]
    link = 0
    styles: List[str] = []
    for i, sec in enumerate(data.sections):
        ids: Dict[str, str] = {}
        lines.append(f'  subgraph t{i}["{_mermaid_text(sec.path)}"]')
        for j, n in enumerate(sec.nodes.values()):
            ids[n.id] = f"t{i}n{j}"
            label = _mermaid_text(n.label)
            shape = {"function": f'["λ {label}"]', "resource": f'[("{label}")]'}.get(n.kind, f'(["{label}"])')
            lines.append(f"    {ids[n.id]}{shape}")
        lines.append("  end")
        for e in sec.edges:
            arrow = {"solid": "-->", "dashed": "-.->", "dotted": "-.->"}[e.style]
            label = _mermaid_text(e.label + (f" ({e.cycle})" if e.cycle else ""))
            lines.append(f'  {ids[e.source]} {arrow}|"{label}"| {ids[e.target]}')
            if e.cycle:
                styles.append(f"  linkStyle {link} stroke:{CYCLE_COLOUR},stroke-width:3px")
            link += 1
    return "\n".join(lines + styles) + "\n"


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def dot(data: Any) -> str:
    lines = ["digraph lambda_lint {", "  rankdir=LR;", '  node [fontname="Helvetica"];',
             '  edge [fontname="Helvetica", fontsize=10];']
    for i, sec in enumerate(data.sections):
        lines.append(f"  subgraph cluster_{i} {{")
        lines.append(f'    label="{_dot_text(sec.path)}";')
        for n in sec.nodes.values():
            shape = {"function": "box", "resource": "cylinder"}.get(n.kind, "ellipse")
            style = ', style="rounded,filled", fillcolor="#fff3cd"' if n.kind == "function" else ""
            lines.append(f'    "t{i}:{_dot_text(n.id)}" [label="{_dot_text(n.label)}", shape={shape}{style}];')
        lines.append("  }")
        for e in sec.edges:
            attrs = [f'label="{_dot_text(e.label + (f" ({e.cycle})" if e.cycle else ""))}"']
            if e.style != "solid":
                attrs.append(f"style={e.style}")
            if e.cycle:
                attrs += [f'color="{CYCLE_COLOUR}"', "penwidth=2.5", f'fontcolor="{CYCLE_COLOUR}"']
            lines.append(f'  "t{i}:{_dot_text(e.source)}" -> "t{i}:{_dot_text(e.target)}" [{", ".join(attrs)}];')
    lines.append("}")
    return "\n".join(lines) + "\n"
