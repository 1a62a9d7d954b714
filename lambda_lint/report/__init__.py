"""Output formats. Each module renders a finished run; none of them decides what to report.

``text`` is the historical name of ``concise`` and stays its alias (scripts and configs use
it). With no format given (``auto``), a terminal gets ``full`` and anything else (a pipe, a
file, CI logs, pre-commit) gets ``concise``.
"""

from __future__ import annotations

import re
from typing import IO

FORMATS = ("concise", "full", "text", "json", "sarif", "github")


def resolve_format(fmt, out: IO[str]) -> str:
    """The format a run prints: ``auto`` (or nothing) decided by whether ``out`` is a TTY."""
    if fmt in (None, "", "auto"):
        isatty = getattr(out, "isatty", None)
        try:
            return "full" if isatty and isatty() else "concise"
        except (OSError, ValueError):
            return "concise"
    return "concise" if fmt == "text" else fmt


_SURROGATE = re.compile("[\ud800-\udfff]")
_NON_ASCII = re.compile("[^\x00-\x7f]")


def _json_escape(m: "re.Match[str]") -> str:
    code = ord(m.group())
    if code > 0xFFFF:
        code -= 0x10000
        return "\\u%04x\\u%04x" % (0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF))
    return "\\u%04x" % code


def encodable(text: str, fmt: str, encoding: "str | None") -> str:
    """``text`` made safe for a stream of ``encoding`` (issue 20: a file name that is not
    UTF-8 carries surrogate escapes, which no strict encoder writes, so json, sarif and github
    output exited 2, and otherwise the JSON held invalid UTF-8).

    JSON formats: a lone surrogate becomes the JSON escape ``\\udcXX`` (valid JSON that
    ``json.load`` turns back into the same str); under an encoding that cannot hold the rest,
    every non-ASCII character is escaped too. Text formats: a backslash escape."""
    json_like = fmt in ("json", "sarif")
    if _SURROGATE.search(text):
        text = _SURROGATE.sub(_json_escape, text)
    if encoding:
        try:
            text.encode(encoding)
        except (UnicodeEncodeError, LookupError):
            if json_like:
                text = _NON_ASCII.sub(_json_escape, text)
            else:
                text = text.encode(encoding, "backslashreplace").decode(encoding, "replace")
    return text


def render(fmt: str, result, config, out: IO[str]) -> None:
    """Render into memory, make it encodable for ``out``, then write it in pieces."""
    import io

    fmt = resolve_format(fmt, out)  # auto: decided by the real stream, not the buffer

    class _Buffer(io.StringIO):
        def isatty(self) -> bool:  # colours follow the real stream
            try:
                return bool(out.isatty())
            except (AttributeError, ValueError, OSError):
                return False

    buf = _Buffer()
    _render(fmt, result, config, buf)
    try:
        encoding = getattr(out, "encoding", None)
    except Exception:  # noqa: BLE001 - an odd stream: write as is
        encoding = None
    text = encodable(buf.getvalue(), fmt, encoding if isinstance(encoding, str) else None)
    step = 1 << 16
    for i in range(0, len(text), step):
        out.write(text[i:i + step])


def _render(fmt: str, result, config, out: IO[str]) -> None:
    if getattr(config, "statistics", False):
        from lambda_lint.report.text import statistics

        statistics(result, out, "json" if fmt == "json" else "text")
        return
    if fmt == "json":
        from lambda_lint.report.json_format import render as r
    elif fmt == "sarif":
        from lambda_lint.report.sarif import render as r
    elif fmt == "github":
        from lambda_lint.report.github import render as r
    elif fmt == "full":
        from lambda_lint.report.full import render as r
    else:
        from lambda_lint.report.text import render as r
    r(result, config, out)
