"""End positions: the key or value token in a template, the code of the line in Python."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from installed_cli import EXE, needs_exe
from lambda_lint.spans import code_end, token_end

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("line, column, end", [
    ("  ForwarderFunction:", 3, 20),
    ("        StreamEvent:", 9, 20),
    ('    "MaximumRetryAttempts": -1,', 5, 27),
    ("      MaximumRetryAttempts: -1", 7, 27),
    ("  Fn: {Type: AWS::Lambda::Function}", 3, 5),
    ("  'quoted key': 1", 3, 15),
    ("", 1, 1),
])
def test_token_end(line: str, column: int, end: int) -> None:
    assert token_end(line, column) == end


def test_code_end() -> None:
    assert code_end("        while True:   ", 9) == 20
    assert code_end("x", 5) == 5


@needs_exe
def test_seed_incident_findings_span_their_node() -> None:
    proc = subprocess.run([EXE, "--no-cache", "--format", "json", "examples/seed-incident"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    spans = {(f["rule"], f["line"]): (f["column"], f["end_column"]) for f in json.loads(proc.stdout)}
    assert spans[("LL102", 29)] == (9, 20)  # while True:
    assert spans[("LL106", 26)] == (9, 26)  # except Exception:
    assert spans[("LL201", 27)] == (9, 20)  # StreamEvent
    assert spans[("LL208", 15)] == (3, 20)  # ForwarderFunction
