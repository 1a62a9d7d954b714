"""`--format github`: workflow commands, escaped as the Actions runner expects."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from lambda_lint.findings import Finding, Severity
from lambda_lint.report.github import command, escape_data, escape_property

from installed_cli import EXE, needs_exe
from sam_samples import kinesis_template

TEMPLATE = kinesis_template()

# ::command key=value,key=value::data ; values may not hold raw , : % CR LF; data no raw % CR LF
_LINE = re.compile(r"^::(error|warning|notice) ((?:[A-Za-z]+=[^,:\r\n]*)(?:,[A-Za-z]+=[^,:\r\n]*)*)::([^\r\n]*)$")


_CODES = {"%25": "%", "%0D": "\r", "%0A": "\n", "%3A": ":", "%2C": ","}


def _unescape(text: str) -> str:
    return re.sub(r"%(25|0D|0A|3A|2C)", lambda m: _CODES[m.group(0)], text)


def parse(line: str):
    m = _LINE.match(line)
    assert m, f"not a well-formed workflow command: {line!r}"
    props = dict(kv.split("=", 1) for kv in m.group(2).split(","))
    assert all("%" not in v or re.search(r"%(?!25|0D|0A|3A|2C)", v) is None for v in props.values())
    return m.group(1), {k: _unescape(v) for k, v in props.items()}, _unescape(m.group(3))


def test_escaping_functions() -> None:
    assert escape_data("100%\r\nok: a,b") == "100%25%0D%0Aok: a,b"
    assert escape_property("a:b,c%d\ne") == "a%3Ab%2Cc%25d%0Ae"
    # % is escaped first, so an existing escape sequence is not mistaken for one
    assert escape_data("%0A") == "%250A"


@pytest.mark.parametrize("path,message", [
    ("weird,dir/a:b%c.py", "boom\r\n::error file=x::injected"),
    ("dir with space/percent%25.py", "50% of retries, then: nothing"),
    ("ünï/cödé.py", "multi\nline\nmessage %0A"),
])
def test_hostile_paths_and_messages_round_trip(path: str, message: str) -> None:
    f = Finding(path, 3, 5, "LL105", "swallowed-exception", Severity.WARNING, message,
                end_line=4, end_column=9)
    line = command(f)
    assert "\n" not in line and "\r" not in line
    kind, props, data = parse(line)
    assert kind == "warning"
    assert props == {"file": path, "line": "3", "endLine": "4", "col": "5", "endColumn": "9",
                     "title": "LL105 swallowed-exception"}
    assert data == message
    # the injected command is inert: it stays inside the one line of our own command
    assert line.splitlines() == [line] and line.startswith("::warning file=")


def test_severity_to_command() -> None:
    for sev, cmd in ((Severity.ERROR, "error"), (Severity.WARNING, "warning"), (Severity.INFO, "notice")):
        line = command(Finding("a.py", 1, 1, "LL201", "stream-retries-unbounded", sev, "m"))
        assert line.startswith(f"::{cmd} file=a.py,line=1,col=1,title=LL201 stream-retries-unbounded::")


@needs_exe
def test_cli_github_format(tmp_path: Path) -> None:
    hostile = "odd,na:me%" if sys.platform != "win32" else "odd,name%"
    (tmp_path / f"{hostile}.py").write_text("def broken(:\n    pass\n", encoding="utf-8")
    (tmp_path / "template.yaml").write_text(TEMPLATE, encoding="utf-8")
    env = dict(os.environ, NO_COLOR="1")
    proc = subprocess.run([EXE, "--format", "github", "--no-cache", "--code-scope", "all", "."], cwd=tmp_path,
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines, "expected annotations"
    parsed = [parse(line) for line in lines]  # every stdout line is a command: no summary
    files = {p[1]["file"] for p in parsed}
    assert f"{hostile}.py" in files
    kinds = {p[1]["title"].split()[0]: p[0] for p in parsed}
    assert kinds["LL001"] == "error"
    if "LL201" in kinds:
        assert kinds["LL201"] == "error"
        assert "template.yaml" in files
    if "LL204" in kinds:
        assert kinds["LL204"] == "notice"
    if "LL208" in kinds:
        assert kinds["LL208"] == "warning"
