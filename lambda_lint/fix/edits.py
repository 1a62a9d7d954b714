"""Text edits at the positions the template loader keeps: the layout the user wrote survives.

Why text edits and not a re-serialised document: a dump loses comments, key order, quoting,
anchors, line endings and indentation, and a reviewer of ``--diff`` wants to see one added
line, not a reformatted file. Every edit is checked against the text it expects to find
there (:func:`locate`); when the text does not match (a position we do not understand),
the fix is skipped, never guessed.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, List, Optional, Sequence, Tuple


@dataclass(frozen=True)
class Edit:
    start: int  # character offsets into the text; start == end inserts
    end: int
    text: str
    rule: str = ""
    #: edits of the same span with a ``join`` are one edit, their texts joined by it (two keys
    #: put into the same empty ``{}``: ``{A: 1, B: 2}``, not ``{A: 1B: 2}``)
    join: str = ""


class Text:
    """A file's text with line offsets; positions are 1-based (line, column) in characters."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.splitlines(keepends=True)
        self.starts: List[int] = []
        pos = 0
        for line in self.lines:
            self.starts.append(pos)
            pos += len(line)
        self.newline = "\r\n" if self.lines and self.lines[0].endswith("\r\n") else "\n"

    def offset(self, line: int, column: int) -> Optional[int]:
        if not (1 <= line <= len(self.lines)) or column < 1 or column - 1 > len(self.lines[line - 1]):
            return None
        return self.starts[line - 1] + column - 1

    def line_prefix(self, line: int, column: int) -> str:
        return self.lines[line - 1][: column - 1] if 1 <= line <= len(self.lines) else ""

    def char_at(self, line: int, column: int) -> str:
        off = self.offset(line, column)
        return self.text[off] if off is not None and off < len(self.text) else ""


def apply(text: str, edits: Sequence[Edit]) -> str:
    """Apply non-overlapping edits (later ones first, so offsets stay valid); an edit that
    overlaps one already applied is dropped."""
    merged: List[Edit] = []
    for e in edits:
        twin = next((i for i, m in enumerate(merged) if e.join and m.join == e.join
                     and (m.start, m.end) == (e.start, e.end)), None)
        if twin is None:
            merged.append(e)
        else:
            m = merged[twin]
            merged[twin] = Edit(m.start, m.end, m.text + e.join + e.text, m.rule, m.join)
    out = text
    last_start = len(text) + 1
    for e in sorted(merged, key=lambda e: (e.start, e.end), reverse=True):
        if e.end > last_start:
            continue
        out = out[: e.start] + e.text + out[e.end:]
        last_start = e.start
    return out


def unified_diff(path: str, before: str, after: str) -> str:
    # a last line without its newline gets the marker patch and git apply expect; without
    # it the diff runs into the next line and is not a patch any tool accepts
    lines = []
    for line in difflib.unified_diff(
            before.splitlines(keepends=True), after.splitlines(keepends=True),
            fromfile=f"a/{path}", tofile=f"b/{path}"):
        lines.append(line)
        if not line.endswith(("\n", "\r")):
            lines.append("\n\\ No newline at end of file\n")
    return "".join(lines)


def is_intrinsic(value: Any) -> bool:
    """A value we can't see through: ``!If``, ``!Sub``, ``!Ref`` ... (a one-key Fn:: mapping)."""
    return isinstance(value, dict) and len(value) == 1 and (
        next(iter(value)) in ("Ref", "Condition") or str(next(iter(value))).startswith("Fn::"))


def scalar_span(text: Text, line: int, column: int) -> Optional[Tuple[int, int]]:
    """The span of the plain or quoted scalar that starts at (line, column)."""
    from lambda_lint.spans import token_end

    if not (1 <= line <= len(text.lines)):
        return None
    raw = text.lines[line - 1].rstrip("\r\n")
    end_col = token_end(raw, column)
    start = text.offset(line, column)
    end = text.offset(line, end_col)
    if start is None or end is None or end <= start:
        return None
    return start, end
