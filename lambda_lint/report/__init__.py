"""Output formats. Each module renders a finished run; none of them decides what to report.

``text`` is the historical name of ``concise`` and stays its alias (scripts and configs use
it). With no format given (``auto``), a terminal gets ``full`` and anything else (a pipe, a
file, CI logs, pre-commit) gets ``concise``.
"""

from __future__ import annotations

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


def render(fmt: str, result, config, out: IO[str]) -> None:
    fmt = resolve_format(fmt, out)
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
