"""``--output-format full``: each finding with its source lines, the span underlined, the help
and the docs link, as ruff's ``full`` output::

    template.yaml:27:9: LL201 [error] ForwarderFunction: Kinesis trigger StreamEvent retries ...
       |
    25 |     Events:
    26 |       StreamEvent:
       |       ^^^^^^^^^^^ LL201
    27 |         Type: Kinesis
       |
       = help: set MaximumRetryAttempts (e.g. 3)
       = docs: https://github.com/lambda-lint/lambda-lint/blob/main/docs/rules.md#ll201-...

Source is read again at render time (findings are plain data and the cache holds no text);
a file that is gone or unreadable just loses its snippet. Lines are shown as a terminal
shows them: tabs expanded, wide characters counted twice, control characters escaped, and a
very long line (minified JSON) cut to a window around the column.
"""

from __future__ import annotations

import unicodedata
from typing import IO, Dict, List, Optional, Tuple

from lambda_lint.report.messages import parts, url_of
from lambda_lint.report.text import (
    _BOLD, _COLOURS, _RESET, escape, header, summary, use_colour, use_hyperlinks,
)

CONTEXT_BEFORE = 2
CONTEXT_AFTER = 2
MAX_WIDTH = 160  # display columns of source shown per line
TAB = 4
_BLUE = "\x1b[34m"


class _Sources:
    """Each file's lines, read once per render."""

    def __init__(self, result) -> None:
        self.paths: Dict[str, str] = {}
        for r in getattr(result, "files", ()) or ():
            self.paths.setdefault(r.display, r.path)
        self._lines: Dict[str, Optional[List[str]]] = {}

    def lines(self, display: str) -> Optional[List[str]]:
        if display not in self._lines:
            self._lines[display] = self._read(self.paths.get(display, display))
        return self._lines[display]

    @staticmethod
    def _read(path: str) -> Optional[List[str]]:
        from lambda_lint.run.engine import read_source
        from lambda_lint.errors import ParseFailure

        try:
            data = read_source(path)  # refuses FIFOs and oversize files, as the run did
        except (ParseFailure, OSError):
            return None
        return data.decode("utf-8-sig", errors="replace").splitlines()


def _cells(text: str) -> Tuple[List[str], List[int]]:
    """Each character as displayed and the display column where it starts (plus one past
    the end), so carets line up under what the terminal shows."""
    shown: List[str] = []
    starts: List[int] = []
    col = 0
    for ch in text:
        starts.append(col)
        if ch == "\t":
            s = " " * (TAB - col % TAB)
        elif not ch.isprintable():
            s = escape(ch)
        else:
            s = ch
        shown.append(s)
        if len(s) == 1 and unicodedata.east_asian_width(s) in ("W", "F"):
            col += 2
        else:
            col += len(s)
    starts.append(col)
    return shown, starts


def _window(display_col: int) -> Tuple[int, int]:
    start = max(0, display_col - MAX_WIDTH // 3)
    return start, start + MAX_WIDTH


def _clip(text: str, lo: int, hi: int) -> str:
    """The display columns [lo, hi) of ``text`` (already expanded), with ellipses."""
    shown, starts = _cells(text)
    out = []
    for s, c in zip(shown, starts):
        if lo <= c < hi:
            out.append(s)
    line = "".join(out)
    if lo > 0:
        line = "…" + line
    if starts[-1] > hi:
        line += "…"
    return line


def snippet(f, lines: List[str], colour: bool) -> Tuple[List[str], int]:
    """The gutter, context and caret lines for one finding (none when the line is gone),
    and the width of the line numbers."""
    if not (1 <= f.line <= len(lines)):
        return [], 0
    idx = f.line - 1
    text = lines[idx]
    shown, starts = _cells(text)
    col = min(max(1, f.column), len(text) + 1) - 1
    if f.end_line is not None and f.end_line == f.line and f.end_column is not None and f.end_column > f.column:
        end = min(f.end_column - 1, len(text))
    elif f.end_line is not None and f.end_line > f.line:
        end = len(text)  # a multi-line span: underline to the end of its first line
    else:
        end = col + 1
    end = max(end, col + 1)
    c0 = starts[min(col, len(text))]
    c1 = starts[min(end, len(text))] if end <= len(text) else starts[-1] + (end - len(text))
    c1 = max(c1, c0 + 1)
    lo, hi = (0, MAX_WIDTH) if starts[-1] <= MAX_WIDTH else _window(c0)
    first = max(0, idx - CONTEXT_BEFORE)
    last = min(len(lines) - 1, idx + CONTEXT_AFTER)
    while first < idx and not lines[first].strip():
        first += 1
    while last > idx and not lines[last].strip():
        last -= 1
    width = len(str(last + 1))
    blue = _BLUE if colour else ""
    reset = _RESET if colour else ""
    bar = f"{blue}{' ' * width} |{reset}"
    out = [bar]
    for i in range(first, last + 1):
        body = _clip(lines[i], lo, hi)
        out.append(f"{blue}{str(i + 1).rjust(width)} |{reset} {body}".rstrip())
        if i == idx:
            pad = c0 - lo + (1 if lo > 0 else 0)
            n = max(1, min(c1, hi) - max(c0, lo))
            marks = "^" * n + f" {f.code}"
            if colour:
                marks = f"{_COLOURS[f.severity.value]}{_BOLD}{marks}{_RESET}"
            out.append(f"{bar} {' ' * max(0, pad)}{marks}")
    out.append(bar)
    return out, width


def render_finding(f, sources: _Sources, colour: bool, links: bool, registry) -> List[str]:
    short, help_text = parts(f)
    url = url_of(f, registry)
    out = [header(f, colour, url if links else None, short)]
    lines = sources.lines(f.path)
    snip, width = snippet(f, lines, colour) if lines is not None else ([], 0)
    out.extend(snip)
    pad = " " * (width + 1) if snip else "  "
    notes: List[Tuple[str, str]] = []
    if help_text:
        notes.append(("help", help_text))
    for loc in f.related:
        where = f"{loc.path}:{loc.line}:{loc.column}"
        notes.append(("note", f"{loc.message} ({where})" if loc.message else where))
    notes.append(("docs", url or f"lambda-lint --explain {f.code}"))
    for label, text in notes:
        label = f"{_BOLD}{label}{_RESET}" if colour else label
        out.append(f"{pad}= {label}: {escape(text)}")
    return out


def render(result, config, out: IO[str]) -> None:
    colour = use_colour(out)
    links = use_hyperlinks(out)
    sources = _Sources(result)
    for f in result.findings:
        out.write("\n".join(render_finding(f, sources, colour, links, result.registry)) + "\n\n")
    if config.quiet:
        return
    out.write(summary(result, colour) + "\n")
