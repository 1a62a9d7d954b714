"""`--write-baseline` / `--baseline`, through the CLI."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from installed_cli import EXE, needs_exe
from sam_samples import kinesis_template

pytestmark = needs_exe

BAD = "def broken(:\n    pass\n"

TEMPLATE = kinesis_template({"ReservedConcurrentExecutions": 5}, {"MaximumRetryAttempts": -1})


def lint(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, NO_COLOR="1")
    return subprocess.run([EXE, "--no-cache", "--code-scope", "all", *args], cwd=cwd, capture_output=True, text=True, env=env,
                          timeout=120)


def findings(*args: str, cwd: Path) -> list:
    proc = lint("--format", "json", *args, cwd=cwd)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "old.py").write_text(BAD, encoding="utf-8")
    (tmp_path / "template.yaml").write_text(TEMPLATE, encoding="utf-8")
    return tmp_path


def test_write_then_apply_reports_nothing(project: Path) -> None:
    before = findings(".", cwd=project)
    assert before
    proc = lint("--write-baseline", "baseline.json", ".", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert f"wrote {len(before)} finding" in proc.stderr
    data = json.loads((project / "baseline.json").read_text(encoding="utf-8"))
    assert data["version"] == 1
    assert sum(e["count"] for e in data["findings"]) == len(before)
    for e in data["findings"]:
        assert set(e) >= {"rule", "path", "fingerprint", "count"}
        assert "line" not in e
        assert not e["path"].startswith("/") and "\\" not in e["path"]
    proc = lint("--baseline", "baseline.json", ".", cwd=project)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert findings("--baseline", "baseline.json", ".", cwd=project) == []


def test_moved_finding_stays_suppressed_new_one_is_reported(project: Path) -> None:
    assert lint("--write-baseline", "baseline.json", cwd=project).returncode == 0
    # move everything down: the same findings on other lines
    for rel in ("src/old.py", "template.yaml"):
        p = project / rel
        p.write_text("# header\n# more header\n" + p.read_text(encoding="utf-8"), encoding="utf-8")
    assert findings("--baseline", "baseline.json", cwd=project) == []
    # a new broken file is new
    (project / "src" / "new.py").write_text(BAD, encoding="utf-8")
    new = findings("--baseline", "baseline.json", cwd=project)
    assert [(f["rule"], f["path"]) for f in new] == [("LL001", "src/new.py")]
    proc = lint("--baseline", "baseline.json", cwd=project)
    assert proc.returncode == 1


SWALLOW_TWICE = """\
def f(g):
    try:
        g()
    except Exception:
        pass
    try:
        g()
    except Exception:
        pass
"""


def test_counts_two_identical_findings_need_two_entries(tmp_path: Path) -> None:
    one = SWALLOW_TWICE.split("    try:")[0] + "    try:" + SWALLOW_TWICE.split("    try:")[1]
    (tmp_path / "a.py").write_text(one, encoding="utf-8")
    first = findings("a.py", cwd=tmp_path)
    if not first:
        pytest.skip("LL105 (swallowed-exception) is not registered yet")
    assert lint("--write-baseline", "b.json", "a.py", cwd=tmp_path).returncode == 0
    (tmp_path / "a.py").write_text(SWALLOW_TWICE, encoding="utf-8")
    both = findings("a.py", cwd=tmp_path)
    assert len(both) == len(first) * 2
    left = findings("--baseline", "b.json", "a.py", cwd=tmp_path)
    assert len(left) == len(first), left
    assert lint("--write-baseline", "b.json", "a.py", cwd=tmp_path).returncode == 0
    data = json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))
    assert sorted(e["count"] for e in data["findings"]) == [2] * len(data["findings"])
    assert findings("--baseline", "b.json", "a.py", cwd=tmp_path) == []


def test_identical_findings_are_counted(tmp_path: Path) -> None:
    """The library functions the CLI calls: counts per (rule, path, anchor)."""
    from lambda_lint.report.baseline import apply_baseline, write_baseline
    from lambda_lint.run.engine import RunResult
    from lambda_lint.findings import Finding, Severity

    def f(line):
        return Finding("a.py", line, 1, "LL105", "swallowed-exception", Severity.WARNING, "m",
                       anchor="except Exception: pass")

    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        one = RunResult([f(3)], [], None)
        two = RunResult([f(3), f(9)], [], None)
        assert write_baseline(tmp_path / "b.json", one) == 1
        left = apply_baseline(tmp_path / "b.json", two)
        assert len(left.findings) == 1
        assert write_baseline(tmp_path / "b.json", two) == 2
        data = json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))
        assert [e["count"] for e in data["findings"]] == [2]
        assert apply_baseline(tmp_path / "b.json", two).findings == []
    finally:
        os.chdir(cwd)


def test_fixed_findings_drop_out_when_rewritten(project: Path) -> None:
    assert lint("--write-baseline", "baseline.json", cwd=project).returncode == 0
    first = json.loads((project / "baseline.json").read_text(encoding="utf-8"))
    assert any(e["path"] == "src/old.py" for e in first["findings"])
    (project / "src" / "old.py").write_text("def fixed():\n    return 1\n", encoding="utf-8")
    assert lint("--write-baseline", "baseline.json", cwd=project).returncode == 0
    second = json.loads((project / "baseline.json").read_text(encoding="utf-8"))
    assert not any(e["path"] == "src/old.py" for e in second["findings"])
    assert sum(e["count"] for e in second["findings"]) == sum(e["count"] for e in first["findings"]) - 1


def test_baseline_paths_are_relative_to_the_baseline_file(project: Path) -> None:
    (project / "ci").mkdir()
    assert lint("--write-baseline", "ci/baseline.json", ".", cwd=project).returncode == 0
    data = json.loads((project / "ci" / "baseline.json").read_text(encoding="utf-8"))
    assert {e["path"] for e in data["findings"]} >= {"../src/old.py"}
    # used from another working folder, with other spellings of the paths
    assert findings("--baseline", "../ci/baseline.json", "old.py", cwd=project / "src") == []
    assert findings("--baseline", str(project / "ci" / "baseline.json"), str(project), cwd=project / "ci") == []


@pytest.mark.parametrize("content,needle", [
    ("{not json", "not valid JSON"),
    ("[]", "expected a JSON object"),
    ('{"version": 99, "findings": []}', "unsupported version"),
    ('{"version": 1}', "'findings' must be a list"),
    ('{"version": 1, "findings": [{"rule": "LL001", "path": "a.py"}]}', "fingerprint"),
    ('{"version": 1, "findings": [{"rule": "LL001", "path": "a.py", "fingerprint": "x", "count": 0}]}', "count"),
    (b"\xff\xfe\x00", "not valid JSON"),
])
def test_malformed_baseline_is_a_usage_error(project: Path, content, needle: str) -> None:
    p = project / "baseline.json"
    if isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(content, encoding="utf-8")
    proc = lint("--baseline", "baseline.json", cwd=project)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "baseline.json" in lines[0], proc.stderr


def test_missing_baseline_is_a_usage_error(project: Path) -> None:
    proc = lint("--baseline", "nope.json", cwd=project)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "no such file" in proc.stderr
