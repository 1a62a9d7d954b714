"""Issue 11: the package has no import cycle, and each layer imports only from lower ones.

Two independent checks: our own reading of every import (lazy ones included), and
import-linter's layers contract from pyproject.toml. Both are shown to fail on a deliberately
added cycle or upward import, in a copy of the package."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from import_graph import cycles, module_graph

ROOT = Path(__file__).resolve().parents[1]


def test_the_package_has_no_import_cycle() -> None:
    found = cycles(module_graph(ROOT))
    assert found == [], "import cycles: " + "; ".join(" <-> ".join(c) for c in found)


def test_the_cycle_check_fails_on_an_added_cycle(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "lambda_lint", tmp_path / "lambda_lint",
                    ignore=shutil.ignore_patterns("__pycache__", "_rules"))
    findings = tmp_path / "lambda_lint" / "findings.py"
    # the ground importing the run: the kind of cycle issue 11 removed (engine <-> project)
    findings.write_text(findings.read_text(encoding="utf-8")
                        + "\n\ndef _late():\n    from lambda_lint.run.engine import run\n", encoding="utf-8")
    found = cycles(module_graph(tmp_path))
    assert found and any("lambda_lint.findings" in c and "lambda_lint.run.engine" in c for c in found)


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    exe = shutil.which("lint-imports")
    if exe is None:
        pytest.skip("import-linter is not installed (pip install '.[test]')")
    return subprocess.run([exe, "--config", str(cwd / "pyproject.toml"), "--no-cache"], cwd=cwd,
                          capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})


def test_import_linter_layers_contract_is_kept() -> None:
    proc = _lint_imports(ROOT)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "KEPT" in proc.stdout and "BROKEN" not in proc.stdout


def test_import_linter_breaks_on_an_upward_import(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "lambda_lint", tmp_path / "lambda_lint",
                    ignore=shutil.ignore_patterns("__pycache__", "_rules"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    model = tmp_path / "lambda_lint" / "project" / "model.py"
    model.write_text(model.read_text(encoding="utf-8")
                     + "\n\ndef _up():\n    from lambda_lint.run.engine import read_source\n", encoding="utf-8")
    proc = _lint_imports(tmp_path)
    assert proc.returncode != 0 and "BROKEN" in proc.stdout
    assert "lambda_lint.project.model -> lambda_lint.run.engine" in proc.stdout
