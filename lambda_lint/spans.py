"""Where a finding ends, for SARIF regions and GitHub annotations.

Rules report where a finding starts (RULES.md's line contract). The end is derived here,
once, from the file's text: in a template, the end of the key or value token that starts
there (``MaximumRetryAttempts``, ``"StreamEvent"``); in Python, the end of the code on that
line (the ``while ...:`` header, the call's first line). Columns are 1-based and the end is
exclusive, as in SARIF.
"""

from __future__ import annotations

from dataclasses import replace
from typing import List, Optional, Sequence


def token_end(line: str, column: int) -> int:
    """The exclusive end column of the YAML/JSON token starting at ``column`` (1-based)."""
    i = column - 1
    if i < 0 or i >= len(line):
        return column
    quote = line[i]
    if quote in "\"'":
        j = line.find(quote, i + 1)
        return (j + 2) if j != -1 else len(line.rstrip()) + 1
    j = i
    while j < len(line):
        ch = line[j]
        if ch in " \t,{}[]" or (ch == ":" and (j + 1 == len(line) or line[j + 1] in " \t")):
            break
        j += 1
    return max(j + 1, column)


def code_end(line: str, column: int) -> int:
    """The exclusive end column of the code on the line (trailing blanks dropped)."""
    return max(len(line.rstrip()) + 1, column)


def fill_ends(findings: Sequence, text: Optional[str], kind: str) -> List:
    """``findings`` with ``end_line``/``end_column`` set where a rule left them out."""
    if not text or not any(f.end_column is None for f in findings):
        return list(findings)
    lines = text.splitlines()
    measure = code_end if kind == "python" else token_end
    out = []
    for f in findings:
        if f.end_column is None and 1 <= f.line <= len(lines) and f.code not in ("LL001", "LL002"):
            end = measure(lines[f.line - 1], f.column)
            f = replace(f, end_line=f.end_line or f.line, end_column=end)
        out.append(f)
    return out


def with_ends(findings: List["Finding"], source: bytes, kind: str) -> List["Finding"]:
    """Findings with their end positions derived from the text (never fails the file)."""
    try:
        return fill_ends(findings, source.decode("utf-8-sig", errors="replace"), kind)
    except Exception:  # noqa: BLE001 - an end position is a nicety, the finding is what counts
        return findings
