"""Inline code (SAM ``InlineCode``, CloudFormation ``Code.ZipFile``): its text and where it sits.

Findings of inline code land at the template's own lines and columns: a YAML block scalar
(``|``) has a uniform indent, so one line/column offset maps the code onto the template.
Quoted and plain scalars (and JSON strings, whose ``\\n`` escapes keep the code on one line)
are pinned to the value's own line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Optional, Tuple

from lambda_lint.findings import Reporter

_TAG_RE = re.compile(r"!\S+[ \t]+")


@dataclass
class InlineSource:
    text: str
    line_offset: int
    column_offset: int
    pinned: Optional[Tuple[int, int]] = None  # (line, column) every finding is moved to

    def reporter(self, path: str, metas: Any) -> Reporter:
        if self.pinned is not None:
            return _PinnedReporter(path, metas, self.pinned)
        return Reporter(path, metas, line_offset=self.line_offset, column_offset=self.column_offset)

    def to_template(self, line: int, column: int) -> Tuple[int, int]:
        if self.pinned is not None:
            return self.pinned
        return line + self.line_offset, column + self.column_offset


class _PinnedReporter(Reporter):
    def __init__(self, path: str, metas: Any, pos: Tuple[int, int]) -> None:
        super().__init__(path, metas)
        self._pos = pos

    def report(self, code, line, column, message, **kw):  # type: ignore[override]
        kw["end_line"] = None
        kw["end_column"] = None
        return super().report(code, self._pos[0], self._pos[1], message, **kw)


def inline_text(value: Any) -> Optional[str]:
    """The code text of an InlineCode/ZipFile value: a string, or the template of a ``Fn::Sub``."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1 and "Fn::Sub" in value:
        arg = value["Fn::Sub"]
        if isinstance(arg, list) and arg and isinstance(arg[0], str):
            return _neutral_placeholders(arg[0])
        if isinstance(arg, str):
            return _neutral_placeholders(arg)
    return None


_SUB_VAR_RE = re.compile(r"\$\{(?!!)[^}\n]*\}")


def _neutral_placeholders(text: str) -> str:
    """``${Var}`` is not Python until CloudFormation substitutes it (``range(${Count})``):
    each becomes an identifier of the same length, so the code parses and columns stay put.
    ``${!Literal}`` is CloudFormation's escape for a literal ``${Literal}``: left alone."""
    return _SUB_VAR_RE.sub(lambda m: "_" * len(m.group(0)), text)


def locate_inline(value: Any, pos: Tuple[int, int], template_text: str) -> Optional[InlineSource]:
    """Where the inline code's first character is in the template (``pos``: the value's start)."""
    text = inline_text(value)
    if text is None:
        return None
    lines = template_text.splitlines()
    line, col = pos
    if not (1 <= line <= len(lines)):
        return InlineSource(text, 0, 0, pinned=pos)
    rest = lines[line - 1][col - 1:]
    m = _TAG_RE.match(rest)
    if m:
        rest = rest[m.end():]
    head = rest[:1]
    if head in ("|", ">"):
        # block scalar: content from the next line, with the indent of its first non-blank line
        indent = None
        for i in range(line, len(lines)):
            content = lines[i]
            if content.strip():
                indent = len(content) - len(content.lstrip(" "))
                break
        if indent is None:
            return InlineSource(text, line, 0, pinned=pos)
        if "\n" not in text.rstrip("\n") or head == "|":
            return InlineSource(text, line, indent)
        return InlineSource(text, line, indent, pinned=pos) if head == ">" else InlineSource(text, line, indent)
    if "\n" in text.rstrip("\n"):
        return InlineSource(text, 0, 0, pinned=pos)
    shift = 1 if head in ("'", '"') else 0
    return InlineSource(text, line - 1, col - 1 + shift)
