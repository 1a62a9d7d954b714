"""``action.yml``: a composite GitHub Action that installs lambda-lint, runs it with SARIF
output and uploads the log. Checked structurally here, and its lint step is run with bash as
the runner runs it; the install step runs in a fresh virtualenv in tests/test_install.py."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
STEPS = ACTION["runs"]["steps"]
BIN = Path(sys.executable).parent


def step(name: str) -> dict:
    return next(s for s in STEPS if s.get("name") == name)


def test_structure() -> None:
    assert ACTION["name"] and ACTION["description"]
    assert ACTION["runs"]["using"] == "composite"
    inputs = ACTION["inputs"]
    assert {"paths", "args", "sarif-file"} <= set(inputs)
    for name, spec in inputs.items():
        assert spec.get("description"), name
        assert "default" in spec and isinstance(spec["default"], str), name
    ids = {s["id"] for s in STEPS if "id" in s}
    text = (ROOT / "action.yml").read_text(encoding="utf-8")
    for ref in re.findall(r"inputs\.([\w-]+)", text):
        assert ref in inputs, f"inputs.{ref} is not declared"
    for ref in re.findall(r"steps\.([\w-]+)\.outputs", text):
        assert ref in ids, f"steps.{ref} does not exist"
    for s in STEPS:
        assert ("run" in s) != ("uses" in s), s
        if "run" in s:
            assert s.get("shell") == "bash", s  # composite run steps must name their shell
            assert "${{" not in s["run"], "expressions go through env:, never into the script"
        else:
            assert re.match(r"^[\w.-]+/[\w./-]+@v\d+$", s["uses"]), s["uses"]
    upload = next(s for s in STEPS if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert upload["with"]["sarif_file"] == "${{ inputs.sarif-file }}"
    lint = step("Run lambda-lint")
    assert "--output-format sarif" in lint["run"]


def _lint_step(tmp_path: Path, paths: str, args: str = "") -> tuple:
    lint = step("Run lambda-lint")
    out = tmp_path / "github_output"
    out.write_text("")
    sarif = tmp_path / "out.sarif"
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}", GITHUB_OUTPUT=str(out),
               LL_PATHS=paths, LL_ARGS=args, LL_SARIF=str(sarif))
    assert set(lint["env"]) == {"LL_PATHS", "LL_ARGS", "LL_SARIF"}
    # the runner runs `bash --noprofile --norc -eo pipefail {0}` for shell: bash
    script = tmp_path / "step.sh"
    script.write_text(lint["run"])
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=str(ROOT),
                          capture_output=True, text=True, timeout=300, env=env)
    outputs = dict(line.split("=", 1) for line in out.read_text().splitlines() if "=" in line)
    return proc, outputs, sarif


def test_lint_step_writes_sarif_and_reports_the_exit_code(tmp_path: Path) -> None:
    proc, outputs, sarif = _lint_step(tmp_path, "examples/seed-incident examples/seed-incident-fixed",
                                      "--min-severity warning --no-cache")
    assert proc.returncode == 0, proc.stderr  # findings do not fail this step (the upload runs next)
    assert outputs["exit-code"] == "1"
    log = json.loads(sarif.read_text())
    results = log["runs"][0]["results"]
    assert results and all(r["level"] in ("error", "warning") for r in results)
    assert all(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("examples/seed-incident/")
               for r in results)


def test_lint_step_fails_on_a_usage_error_and_never_globs(tmp_path: Path) -> None:
    proc, outputs, _ = _lint_step(tmp_path, "examples/seed-incident", "--select LL999")
    assert proc.returncode == 2 and outputs["exit-code"] == "2"
    assert "::error title=lambda-lint::" in proc.stdout
    proc, outputs, sarif = _lint_step(tmp_path, "examples/*-fixed", "--no-cache")
    # a glob is passed as written (a missing path: LL001), never expanded by the shell
    assert outputs["exit-code"] == "1"
    assert json.loads(sarif.read_text())["runs"][0]["results"][0]["ruleId"] == "LL001"


@pytest.mark.parametrize("name", ["Install lambda-lint", "Fail on findings"])
def test_other_shell_steps_parse(name: str) -> None:
    assert subprocess.run(["bash", "-n", "-c", step(name)["run"]], timeout=30).returncode == 0
