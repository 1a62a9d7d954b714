"""The wheel carries every declarative rule, and an installed copy finds them.

A user's `pip install lambda-lint` has no repository around it: the top-level `rules/`
folder must travel inside the package (as `lambda_lint/_rules`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytest.importorskip("hatchling", reason="building the wheel offline needs hatchling (in the test extra)")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    wheels = list(out.glob("lambda_lint-*.whl"))
    assert len(wheels) == 1
    return wheels[0]


def test_wheel_contains_every_rule_file_and_the_entry_point(wheel: Path) -> None:
    shipped = sorted(p.name for p in (ROOT / "rules").glob("*.yaml"))
    assert shipped, "no rule files in rules/"
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        packaged = sorted(Path(n).name for n in names if n.startswith("lambda_lint/_rules/") and n.endswith(".yaml"))
        entry_points = next(zf.read(n).decode() for n in names if n.endswith("entry_points.txt"))
    assert packaged == shipped
    assert "lambda-lint = lambda_lint.cli:main" in entry_points


def test_installed_copy_registers_every_rule(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    env = dict(os.environ, PYTHONPATH=str(target))
    proc = subprocess.run(
        [sys.executable, "-m", "lambda_lint", "--list-rules", "--format", "json"],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    codes = {r["code"] for r in json.loads(proc.stdout)}
    probe = subprocess.run(
        [sys.executable, "-c", "import lambda_lint.run.registry as r; print(r.builtin_rules_dir())"],
        capture_output=True, text=True, cwd=tmp_path, env=env,
    )
    assert Path(probe.stdout.strip()).is_relative_to(target)
    import yaml

    for path in (ROOT / "rules").glob("*.yaml"):
        code = yaml.safe_load(path.read_text(encoding="utf-8"))["code"]
        assert code in codes, f"{path.name} ({code}) not registered by the installed copy"
