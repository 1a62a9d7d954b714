"""Output formats. Each module renders a finished run; none of them decides what to report."""

from __future__ import annotations

from typing import IO

FORMATS = ("text", "json", "sarif", "github")


def render(fmt: str, result, config, out: IO[str]) -> None:
    if fmt == "json":
        from lambda_lint.report.json_format import render as r
    elif fmt == "sarif":
        from lambda_lint.report.sarif import render as r
    elif fmt == "github":
        from lambda_lint.report.github import render as r
    else:
        from lambda_lint.report.text import render as r
    r(result, config, out)
