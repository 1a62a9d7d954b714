"""The project layer end to end: context templates, code-side vs template-side findings."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "project"


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, NO_COLOR="1")
    return subprocess.run([sys.executable, "-m", "lambda_lint", "--no-cache", "--format", "json", *args],
                          cwd=cwd, capture_output=True, text=True, env=env, timeout=120)


def _copy(tmp_path: Path, name: str) -> Path:
    dest = tmp_path / name
    shutil.copytree(FIXTURES / name, dest)
    return dest


def _findings(proc: subprocess.CompletedProcess):
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def test_handler_file_alone_reports_cross_findings_at_the_code(tmp_path: Path) -> None:
    proj = _copy(tmp_path, "s3_self_loop")
    found = _findings(_run(proj, "--select", "LL3", "src/app.py"))
    assert [(f["rule"], f["path"], f["line"], f["severity"]) for f in found] == [
        ("LL301", "src/app.py", 20, "error")]
    f = found[0]
    assert f["function"] == "ThumbnailFunction"
    assert "ThumbnailFunction -put_object-> PhotoBucket -s3:ObjectCreated-> ThumbnailFunction" in f["message"]
    # the trigger is a related location in the template
    assert any(r["path"] == "template.yaml" and r["line"] == 21 for r in f["related"])


def test_template_alone_reports_cycles_at_the_template(tmp_path: Path) -> None:
    proj = _copy(tmp_path, "s3_self_loop")
    found = _findings(_run(proj, "--select", "LL3", "template.yaml"))
    assert [(f["rule"], f["path"], f["line"]) for f in found] == [("LL301", "template.yaml", 21)]
    assert found[0]["resource"] == "ThumbnailFunction"
    assert any(r["path"] == "src/app.py" and r["line"] == 20 for r in found[0]["related"])


def test_one_handler_of_a_two_function_cycle(tmp_path: Path) -> None:
    proj = _copy(tmp_path, "sqs_two_function_cycle")
    # enrich.py's write is in a helper module of another file: the finding goes to the template
    found = _findings(_run(proj, "--select", "LL3", "src/enrich.py"))
    assert found == []
    found = _findings(_run(proj, "--select", "LL3", "src/orders.py"))
    assert [(f["rule"], f["path"], f["line"]) for f in found] == [("LL301", "src/orders.py", 13)]
    found = _findings(_run(proj, "--select", "LL3", "template.yaml"))
    assert [(f["rule"], f["path"]) for f in found] == [("LL301", "template.yaml")]
    assert "OrderFunction" in found[0]["message"] and "EnrichFunction" in found[0]["message"]


def test_unrequested_handler_code_findings_are_not_reported(tmp_path: Path) -> None:
    proj = _copy(tmp_path, "partial_batch")
    found = _findings(_run(proj, "template.yaml", "--select", "LL1,LL3"))
    # only template-side cross findings; no code finding from the handler files
    assert {f["path"] for f in found} == {"template.yaml"}
    assert sorted(f["rule"] for f in found) == ["LL302", "LL303"]


def test_policy_only_cycle_is_a_warning(tmp_path: Path) -> None:
    proj = _copy(tmp_path, "policy_only_cycle")
    found = _findings(_run(proj, "--select", "LL301"))
    assert found and all(f["severity"] == "warning" for f in found)


def test_inline_code_needs_no_project_rules(tmp_path: Path) -> None:
    proj = _copy(tmp_path, "inline_code")
    found = _findings(_run(proj, "--select", "LL101", "template.yaml"))
    assert [(f["rule"], f["line"], f["column"]) for f in found] == [("LL101", 18, 13)]


@pytest.mark.parametrize("example,clean", [("seed-incident", False), ("seed-incident-fixed", True)])
def test_seed_examples(example: str, clean: bool) -> None:
    root = Path(__file__).parent.parent
    proc = _run(root, f"examples/{example}")
    assert proc.returncode == (0 if clean else 1), proc.stdout + proc.stderr
