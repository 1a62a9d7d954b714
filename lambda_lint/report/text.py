"""``--format text``: ``path:line:col: CODE [severity] message`` and a summary line.

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


def render(result, config, out: IO[str]) -> None:
    colour = use_colour(out)
    for f in result.findings:
        loc = f"{escape(f.path)}:{f.line}:{f.column}:"
        sev = f"[{f.severity.value}]"
        if colour:
            loc = f"{_BOLD}{loc}{_RESET}"
            code = f"{_COLOURS[f.severity.value]}{_BOLD}{f.code}{_RESET}"
            sev = f"{_COLOURS[f.severity.value]}{sev}{_RESET}"
        else:
            code = f.code
        out.write(f"{loc} {code} {sev} {escape(f.message)}{impact_clause(f)}\n")
    if config.statistics:
        counts = Counter((f.code, f.name) for f in result.findings)
        if counts:
            out.write("\n")
        for (code, name), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            out.write(f"{n:6d}  {code}  {name}\n")
    if config.quiet:
        return
    out.write(summary(result, colour) + "\n")


def summary(result, colour: bool = False) -> str:
    n = len(result.findings)
    files = result.files_checked
    sev = Counter(f.severity.value for f in result.findings)
    if n == 0:
        text = f"No problems found in {files} file{'s' if files != 1 else ''}."
        return f"{_BOLD}{text}{_RESET}" if colour else text
    parts = [f"{sev[s]} {s}{'s' if sev[s] != 1 else ''}" for s in ("error", "warning", "info") if sev[s]]
    text = (f"Found {n} problem{'s' if n != 1 else ''} ({', '.join(parts)}) "
            f"in {files} file{'s' if files != 1 else ''} checked.")
    return f"{_BOLD}{text}{_RESET}" if colour else text
