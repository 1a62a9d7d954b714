"""``--output-format concise`` (alias ``text``): ``path:line:col: CODE [severity] message``
a line, and a summary line; shared pieces of ``full`` (header, summary, colours, links).

Colour only on a TTY and never with ``NO_COLOR`` (https://no-color.org). Control
characters in paths and messages are escaped so a hostile file name cannot rewrite the
terminal; JSON and SARIF carry them exactly.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import IO

_COLOURS = {"error": "\x1b[31m", "warning": "\x1b[33m", "info": "\x1b[36m"}
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


def escape(text: str) -> str:
    """Make control characters visible (``\\x1b`` not ESC)."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


def impact_clause(f) -> str:
    """The worst case of a runaway-class finding, as a short clause (lambda_lint.cost)."""
    imp = f.impact
    if not imp:
        return ""
    hours = imp.get("duration_hours")
    span = f" for up to {hours:g} h" if hours is not None else " with nothing to stop it"
    return f" [worst case: {imp['concurrency']} concurrent{span}, ~${imp['cost_per_day_usd']:,.2f}/day]"


def use_colour(out: IO[str]) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(out, "isatty", None)
    return bool(isatty and isatty())


def use_hyperlinks(out: IO[str]) -> bool:
    """OSC 8 links only on a real terminal, never with ``NO_COLOR`` (FORCE_COLOR does not
    count: a CI log that keeps colours shows the escape bytes of a link as garbage)."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(out, "isatty", None)
    return bool(isatty and isatty())


def hyperlink(text: str, url) -> str:
    """``text`` as an OSC 8 hyperlink to ``url`` (terminals without support show ``text``)."""
    if not url or any(ord(c) < 0x20 or c == "\x7f" for c in url):
        return text
    return f"\x1b]8;;{url}\x1b\\{text}\x1b]8;;\x1b\\"


def header(f, colour: bool, url=None, message=None) -> str:
    """``path:line:col: CODE [severity] message``, the line both text formats start with."""
    from lambda_lint.report.messages import one_line

    loc = f"{escape(f.path)}:{f.line}:{f.column}:"
    sev = f"[{f.severity.value}]"
    code = f.code
    if colour:
        loc = f"{_BOLD}{loc}{_RESET}"
        code = f"{_COLOURS[f.severity.value]}{_BOLD}{code}{_RESET}"
        sev = f"{_COLOURS[f.severity.value]}{sev}{_RESET}"
    if url:
        code = hyperlink(code, url)
    text = one_line(f) if message is None else message
    return f"{loc} {code} {sev} {escape(text)}{impact_clause(f)}"


def render(result, config, out: IO[str]) -> None:
    """``concise``: one line a finding, then the summary."""
    from lambda_lint.report.messages import url_of

    colour = use_colour(out)
    links = use_hyperlinks(out)
    for f in result.findings:
        out.write(header(f, colour, url_of(f, result.registry) if links else None) + "\n")
    if config.quiet:
        return
    out.write(summary(result, colour) + "\n")


def statistics(result, out: IO[str], fmt: str = "text") -> None:
    """``--statistics``: only the per-rule table (as ruff), most frequent first."""
    counts = Counter((f.code, f.name) for f in result.findings)
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    if fmt == "json":
        from lambda_lint.report.json_format import dumps

        out.write(dumps([{"code": code, "name": name, "count": n} for (code, name), n in rows]) + "\n")
        return
    for (code, name), n in rows:
        out.write(f"{n:6d}  {code}  {name}\n")


def summary(result, colour: bool = False) -> str:
    n = len(result.findings)
    files = result.files_checked
    sev = Counter(f.severity.value for f in result.findings)
    hidden = getattr(result, "hidden_by_baseline", 0)
    tail = f"; {hidden} hidden by baseline" if hidden else ""
    if n == 0:
        text = f"No problems found in {files} file{'s' if files != 1 else ''}{tail}."
        return f"{_BOLD}{text}{_RESET}" if colour else text
    parts = [f"{sev[s]} {s}{'s' if sev[s] != 1 else ''}" for s in ("error", "warning", "info") if sev[s]]
    text = (f"Found {n} problem{'s' if n != 1 else ''} ({', '.join(parts)}) "
            f"in {files} file{'s' if files != 1 else ''} checked{tail}.")
    return f"{_BOLD}{text}{_RESET}" if colour else text
