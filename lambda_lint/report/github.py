"""``--format github``: GitHub Actions workflow commands, one finding a line.

``::error file=src/app.py,line=3,endLine=3,col=5,endColumn=9,title=LL102 unbounded-retry::message``
(warning -> ``::warning``, info -> ``::notice``); the message is the short one, then
``help:`` and ``docs:`` lines (the rule's URL). Escaped as the Actions runner expects
(``toolkit/packages/core/src/command.ts``): the data after ``::`` escapes ``%``, CR and
LF; property values additionally escape ``:`` and ``,``. Nothing else is printed.
"""

from __future__ import annotations

from typing import IO

_COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    return str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(finding, url=None) -> str:
    """The short message first (annotations show their first lines), then the help and the
    docs link on lines of their own (``%0A``)."""
    from lambda_lint.report.messages import parts

    f = finding
    short, help_text = parts(f)
    text = short
    if help_text:
        text += f"\nhelp: {help_text}"
    if url:
        text += f"\ndocs: {url}"
    props = [("file", f.path.replace("\\", "/")), ("line", str(f.line))]
    if f.end_line is not None:
        props.append(("endLine", str(f.end_line)))
    props.append(("col", str(f.column)))
    if f.end_column is not None:
        props.append(("endColumn", str(f.end_column)))
    props.append(("title", f"{f.code} {f.name}"))
    body = ",".join(f"{k}={escape_property(v)}" for k, v in props)
    return f"::{_COMMANDS.get(f.severity.value, 'warning')} {body}::{escape_data(text)}"


def render(result, config, out: IO[str]) -> None:
    from lambda_lint.report.messages import url_of

    registry = getattr(result, "registry", None)
    for f in result.findings:
        out.write(command(f, url_of(f, registry)) + "\n")
