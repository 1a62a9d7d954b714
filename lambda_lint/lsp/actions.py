"""Code actions offered on lambda-lint's diagnostics (plain LSP dicts, no pygls).

Today: "Ignore LL105 on this line" (the suppression comment, in Python and YAML).
The seam for ``--fix``: when the fixer exists, :func:`fix_actions` turns a finding's fix
(text edits) into a ``quickfix`` action; the server already asks it for every diagnostic.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List

_IGNORE_RE = re.compile(r"#\s*lambda-lint:\s*ignore\[([^\]]*)\]")


def fix_actions(uri: str, text: str, diagnostic: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Quick fixes for one diagnostic: none until ``--fix`` lands (then: its edits here)."""
    return []


def suppress_action(uri: str, text: str, diagnostic: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Append (or extend) ``# lambda-lint: ignore[CODE]`` on the diagnostic's line."""
    if uri.lower().endswith(".json"):
        return []  # JSON has no comments: Metadata ignores are the way (README, Suppressions)
    code = diagnostic.get("code")
    line_no = diagnostic.get("range", {}).get("start", {}).get("line", 0)
    lines = text.splitlines()
    if not code or line_no >= len(lines):
        return []
    line = lines[line_no]
    m = _IGNORE_RE.search(line)
    if m:
        codes = [c.strip() for c in m.group(1).split(",") if c.strip()]
        if code in codes:
            return []
        new_line = line[: m.start(1)] + ", ".join(codes + [code]) + line[m.end(1):]
    else:
        new_line = line.rstrip() + f"  # lambda-lint: ignore[{code}]"
    width = len(line.encode("utf-16-le")) // 2
    edit = {"range": {"start": {"line": line_no, "character": 0}, "end": {"line": line_no, "character": width}},
            "newText": new_line}
    return [{
        "title": f"Ignore {code} on this line",
        "kind": "quickfix",
        "diagnostics": [diagnostic],
        "edit": {"changes": {uri: [edit]}},
    }]


def code_actions(uri: str, text: str, diagnostics: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    out: List[Dict[str, Any]] = []
    for d in diagnostics:
        if d.get("source") != "lambda-lint":
            continue
        out.extend(fix_actions(uri, text, d))
        out.extend(suppress_action(uri, text, d))
    return out
