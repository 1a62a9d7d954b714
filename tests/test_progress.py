"""Progress on a terminal, and Ctrl-C, driving the real CLI on a pseudo-terminal (issue #19).

A run of a few seconds (--jobs 1, no cache) shows ``linting N/M files`` on stderr, erases it
before the report, and shows nothing when stderr is no terminal or with --quiet. Ctrl-C
ends the run with 130, and the cache it leaves behind is valid: the next run's report is
the one a run without cache prints."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from lambda_lint.report.progress import Progress
from tests.pty_cli import needs_pty, run_pty

HANDLER = '''\
import json


def handler(event, context):
    for record in event["Records"]:
        try:
            body = json.loads(record["body"])
        except Exception:
            pass
        while True:
            try:
                send(body)
                break
            except Exception:
                continue
    return {"ok": True}


def send(body):
    return body
'''

N = 150


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("big")
    for i in range(N):
        (root / f"m{i:03d}.py").write_text(HANDLER + f"\n\nVALUE_{i} = {i}\n" * 40, encoding="utf-8")
    return root


def test_progress_line_is_drawn_late_and_erased() -> None:
    import io
    import time

    out = io.StringIO()
    p = Progress(out, delay=0.05, interval=0.01).start()
    p.on_progress(3, 10, "linting")
    time.sleep(0.2)
    p.stop()
    text = out.getvalue()
    assert "lambda-lint: linting 3/10 files (30%)" in text
    assert text.endswith("\r" + " " * len("lambda-lint: linting 3/10 files (30%)") + "\r")
    assert "\x1b" not in text  # no escapes: fine on any terminal, and with NO_COLOR
    quick = io.StringIO()
    q = Progress(quick, delay=5).start()
    q.on_progress(1, 1, "linting")
    q.stop()
    assert quick.getvalue() == ""  # a run under the delay never draws


@pytest.mark.slow  # lints 150 files two times, --jobs 1: a run long enough to show progress
@needs_pty
def test_progress_on_a_terminal_cleared_before_the_report(big: Path) -> None:
    rc, tty, piped = run_pty("--no-cache", "--jobs", "1", "--select", "LL1", ".", cwd=big, stdout_tty=False)
    assert rc == 1, tty
    text = tty.decode()
    counts = [int(m) for m in re.findall(rf"linting (\d+)/{N} files", text)]
    assert counts, text[-500:]
    assert counts == sorted(counts)  # it moves forward
    assert re.search(r"\r +\r$", text)  # erased before the report
    assert piped.decode().splitlines()[0].startswith("m000.py:")
    # --quiet: nothing
    rc, tty, _ = run_pty("--no-cache", "--jobs", "1", "--select", "LL1", "--quiet", ".", cwd=big,
                         stdout_tty=False)
    assert rc == 1 and tty == b""


@pytest.mark.slow
def test_no_progress_when_stderr_is_not_a_terminal(big: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "lambda_lint", "--no-cache", "--jobs", "1", "--select", "LL1",
                           "."], cwd=str(big), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and proc.stderr == ""


@pytest.mark.slow
@needs_pty
def test_ctrl_c_exits_130_and_the_cache_stays_valid(big: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    env = {"LAMBDA_LINT_CACHE_DIR": str(cache)}
    rc, tty, piped = run_pty("--jobs", "1", "--select", "LL1", "--output-format", "concise", ".", cwd=big,
                             env=env, stdout_tty=False, interrupt_on=b" files (")
    assert rc == 130, tty[-300:]
    assert b"lambda-lint: interrupted" in tty and b"Traceback" not in tty
    assert piped == b""  # no half report
    entries = [p for p in cache.rglob("*.json") if len(p.parent.name) == 2]
    assert 0 < len(entries) < N  # part of the work was kept...
    assert not list(cache.rglob(".tmp-*"))  # ...and nothing half written
    environ = dict(os.environ, **env)
    warm = subprocess.run([sys.executable, "-m", "lambda_lint", "--jobs", "1", "--select", "LL1", "."],
                          cwd=str(big), capture_output=True, text=True, timeout=300, env=environ)
    cold = subprocess.run([sys.executable, "-m", "lambda_lint", "--no-cache", "--jobs", "1", "--select", "LL1",
                           "."], cwd=str(big), capture_output=True, text=True, timeout=300)
    assert warm.returncode == cold.returncode == 1
    assert warm.stdout == cold.stdout
