"""Code actions offered on lambda-lint's diagnostics (plain LSP dicts, no pygls).

* "Ignore LL105 on this line" (the suppression comment, in Python and YAML).
* The ``--fix`` fixes: a diagnostic of a fixable rule (``lambda_lint.fix``) offers "Fix
  LL201: ..." (that finding's fix alone) and "Fix all lambda-lint fixable problems in this
  file" (what ``lambda-lint --fix FILE`` writes). The fixes are planned by ``--fix``'s own
  planner on the open buffer; each becomes the one minimal text edit that turns the buffer
  into ``--fix``'s result (common prefix and suffix cut off), so an editor that applies it
  gets exactly ``--fix``'s bytes. A fix whose text is not the buffer's (a stale plan) is
  never offered.
"""

from __future__ import annotations

import os
import re
from typing import Any, Callable, Dict, List, Optional, Tuple

_IGNORE_RE = re.compile(r"#\s*lambda-lint:\s*ignore\[([^\]]*)\]")
_BREAK_RE = re.compile(r"\r\n|\r|\n")  # LSP's line breaks (not str.splitlines' larger set)

#: (path, (code, 1-based line) or None for all) -> [FileFix]; the server passes Linter.fixes
Planner = Callable[[str, Optional[Tuple[str, int]]], List[Any]]


def _position(text: str, offset: int) -> Dict[str, int]:
    """LSP position (0-based line, UTF-16 character) of a character offset into ``text``."""
    line, start = 0, 0
    for m in _BREAK_RE.finditer(text, 0, offset):
        if m.end() > offset:
            break
        line, start = line + 1, m.end()
    return {"line": line, "character": len(text[start:offset].encode("utf-16-le")) // 2}


def minimal_edit(before: str, after: str) -> Optional[Dict[str, Any]]:
    """The one TextEdit turning ``before`` into ``after``: what differs between their common
    prefix and common suffix. ``None`` when they are equal."""
    if before == after:
        return None
    limit = min(len(before), len(after))
    head = 0
    while head < limit and before[head] == after[head]:
        head += 1
    tail = 0
    while tail < limit - head and before[-1 - tail] == after[-1 - tail]:
        tail += 1
    if head and before[head - 1] == "\r" and before[head:head + 1] == "\n":
        head -= 1  # never split a CRLF between the edit's edges
    end = len(before) - tail
    if tail and end - 1 >= head and before[end - 1] == "\r" and before[end] == "\n":
        tail -= 1
        end += 1
    return {"range": {"start": _position(before, head), "end": _position(before, end)},
            "newText": after[head:len(after) - tail]}


def _workspace_edit(fixes: List[Any], uri: str, text: str) -> Optional[Dict[str, Any]]:
    from lambda_lint.lsp.diagnostics import path_to_uri, uri_to_path

    path = uri_to_path(uri)
    changes: Dict[str, List[Dict[str, Any]]] = {}
    for fx in fixes:
        fx_uri = uri if path is not None and os.path.normcase(os.path.abspath(fx.abspath)) == os.path.normcase(path) \
            else path_to_uri(fx.abspath)
        if fx_uri == uri and fx.before != text:
            return None  # planned on other text than the editor's: never apply it
        edit = minimal_edit(fx.before, fx.after)
        if edit is not None:
            changes[fx_uri] = [edit]
    return {"changes": changes} if changes else None


def fix_actions(uri: str, text: str, diagnostic: Dict[str, Any],
                planner: Optional[Planner] = None) -> List[Dict[str, Any]]:
    """The ``--fix`` quick fixes for one diagnostic of a fixable rule (none without a planner)."""
    from lambda_lint.fix import fixable_codes
    from lambda_lint.lsp.diagnostics import uri_to_path

    code = diagnostic.get("code")
    path = uri_to_path(uri)
    if planner is None or path is None or code not in fixable_codes():
        return []
    line = diagnostic.get("range", {}).get("start", {}).get("line", 0) + 1
    out: List[Dict[str, Any]] = []
    one = _workspace_edit(planner(path, (code, line)), uri, text)
    if one is not None:
        out.append({"title": f"Fix {code}: {_subject(diagnostic)}", "kind": "quickfix",
                    "diagnostics": [diagnostic], "isPreferred": True, "edit": one})
    every = _workspace_edit(planner(path, None), uri, text)
    if every is not None and every != one:
        out.append({"title": "Fix all lambda-lint fixable problems in this file", "kind": "quickfix",
                    "diagnostics": [diagnostic], "edit": every})
    return out


def _subject(diagnostic: Dict[str, Any]) -> str:
    name = (diagnostic.get("data") or {}).get("name")
    return name or diagnostic.get("message", "").split("\n", 1)[0][:60]


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


def code_actions(uri: str, text: str, diagnostics: List[Dict[str, Any]],
                 planner: Optional[Planner] = None) -> List[Dict[str, Any]]:
    out: List[Dict[str, Any]] = []
    for d in diagnostics:
        if d.get("source") != "lambda-lint":
            continue
        out.extend(fix_actions(uri, text, d, planner))
        out.extend(suppress_action(uri, text, d))
    return out
