"""--statistics, --exit-zero, --quiet, --min-severity through the installed CLI."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from installed_cli import EXE, needs_exe
from sam_samples import kinesis_template

pytestmark = needs_exe

TEMPLATE = kinesis_template()


def lint(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, NO_COLOR="1")
    env.pop("FORCE_COLOR", None)
    return subprocess.run([EXE, "--no-cache", "--code-scope", "all", *args], cwd=cwd, capture_output=True, text=True, env=env,
                          timeout=120)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text("def broken(:\n    pass\n", encoding="utf-8")
    (tmp_path / "src" / "b.py").write_text("def broken(:\n    pass\n", encoding="utf-8")
    (tmp_path / "template.yaml").write_text(TEMPLATE, encoding="utf-8")
    return tmp_path


def as_json(project: Path, *args: str) -> list:
    proc = lint("--format", "json", *args, cwd=project)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def test_statistics_counts_per_rule(project: Path) -> None:
    expected = Counter((f["rule"], f["name"]) for f in as_json(project))
    assert expected[("LL001", "parse-error")] == 2
    proc = lint("--statistics", cwd=project)
    assert proc.returncode == 1
    stats = {}
    for line in proc.stdout.splitlines():
        m = re.match(r"^\s*(\d+)\s+(LL\d{3})\s+(\S+)\s*$", line)
        if m:
            stats[(m.group(2), m.group(3))] = int(m.group(1))
    assert stats == dict(expected)
    # most frequent first
    counts = [int(re.match(r"^\s*(\d+)", l).group(1)) for l in proc.stdout.splitlines()
              if re.match(r"^\s*\d+\s+LL\d{3}\s", l)]
    assert counts == sorted(counts, reverse=True)
    # only the table, as ruff prints it: no findings, no summary line
    assert len(proc.stdout.splitlines()) == len(expected)


def test_exit_zero(project: Path) -> None:
    plain = lint(cwd=project)
    assert plain.returncode == 1
    proc = lint("--exit-zero", cwd=project)
    assert proc.returncode == 0
    assert proc.stdout == plain.stdout  # the same report, only the exit code differs
    # usage errors still exit 2 with --exit-zero
    assert lint("--exit-zero", "--select", "LL999", cwd=project).returncode == 2


def test_quiet_prints_findings_only(project: Path) -> None:
    loud = lint(cwd=project)
    quiet = lint("--quiet", cwd=project)
    assert quiet.returncode == 1
    loud_lines = loud.stdout.splitlines()
    assert loud_lines[-1].startswith("Found ")
    assert quiet.stdout.splitlines() == loud_lines[:-1]
    assert all(re.match(r"^.+:\d+:\d+: LL\d{3} \[(error|warning|info)\] ", l) for l in quiet.stdout.splitlines())
    assert lint("-q", cwd=project).stdout == quiet.stdout
    # clean and quiet: nothing at all
    clean = project / "clean"
    clean.mkdir()
    (clean / "ok.py").write_text("X = 1\n", encoding="utf-8")
    proc = lint("--quiet", "clean", cwd=project)
    assert proc.returncode == 0 and proc.stdout == ""


def test_quiet_with_write_baseline_is_silent(project: Path) -> None:
    proc = lint("--quiet", "--write-baseline", "b.json", cwd=project)
    assert proc.returncode == 0 and proc.stdout == "" and proc.stderr == ""


@pytest.mark.parametrize("minimum,allowed", [
    ("info", {"info", "warning", "error"}),
    ("warning", {"warning", "error"}),
    ("error", {"error"}),
])
def test_min_severity(project: Path, minimum: str, allowed: set) -> None:
    everything = as_json(project)
    got = as_json(project, "--min-severity", minimum)
    assert {f["severity"] for f in got} <= allowed
    assert got == [f for f in everything if f["severity"] in allowed]


def test_min_severity_drops_everything_exits_zero(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE, encoding="utf-8")
    everything = as_json(tmp_path)
    if not any(f["severity"] == "info" for f in everything):
        pytest.skip("no info-level template rule registered yet (LL204/LL211)")
    only_info = as_json(tmp_path, "--select", "LL204,LL211")
    assert only_info and all(f["severity"] == "info" for f in only_info)
    proc = lint("--select", "LL204,LL211", "--min-severity", "warning", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout.startswith("No problems found")


def test_bad_min_severity_is_a_usage_error(project: Path) -> None:
    proc = lint("--min-severity", "fatal", cwd=project)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1
