"""Start-up imports only what the run needs (structural, not timed): no cfn-lint ever on the
default path, no libcst for a template-only run, no PyYAML for a code-only run once the
compiled rules are cached, neither for ``--version``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = r"""
import json, sys
from lambda_lint.cli import main
rc = main(sys.argv[2:])
with open(sys.argv[1], "w") as fh:
    json.dump({"rc": rc, "modules": sorted(sys.modules)}, fh)
"""

HEAVY = ("libcst", "yaml", "cfnlint", "cfn_lint_serverless", "lambda_lint.cfnlint_plugin")


def _modules(tmp_path: Path, *args: str, cwd: Path) -> set:
    out = tmp_path / f"modules-{len(list(tmp_path.glob('modules-*')))}.json"
    proc = subprocess.run([sys.executable, "-c", PROBE, str(out), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)
    assert out.is_file(), proc.stderr
    data = json.loads(out.read_text())
    assert data["rc"] in (0, 1), proc.stdout + proc.stderr
    return {m.split(".")[0] if not m.startswith("lambda_lint") else m for m in data["modules"]}


def _loaded(mods: set, name: str) -> bool:
    return any(m == name or m.startswith(name + ".") for m in mods)


TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Queue:
    Type: AWS::SQS::Queue
"""


def test_version_imports_no_parser(tmp_path: Path) -> None:
    mods = _modules(tmp_path, "--version", cwd=tmp_path)
    for heavy in HEAVY:
        assert not _loaded(mods, heavy), heavy


def test_template_only_run_imports_no_libcst(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE, encoding="utf-8")
    for extra in (["--no-cache"], []):
        mods = _modules(tmp_path, *extra, "template.yaml", cwd=tmp_path)
        assert _loaded(mods, "yaml")
        for heavy in ("libcst", "cfnlint", "cfn_lint_serverless"):
            assert not _loaded(mods, heavy), (heavy, extra)


def test_code_only_run_imports_no_yaml_once_rules_are_cached(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return 1\n", encoding="utf-8")
    mods = _modules(tmp_path, "app.py", cwd=tmp_path)  # compiles the rule files, caches them
    assert _loaded(mods, "libcst")
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return 2\n", encoding="utf-8")
    mods = _modules(tmp_path, "app.py", cwd=tmp_path)
    assert _loaded(mods, "libcst")
    for heavy in ("yaml", "lambda_lint.iac.cloudformation.loader", "cfnlint"):
        assert not _loaded(mods, heavy), heavy


def test_warm_cache_run_imports_no_parser(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return 1\n", encoding="utf-8")
    (tmp_path / "template.yaml").write_text(TEMPLATE, encoding="utf-8")
    _modules(tmp_path, ".", cwd=tmp_path)
    mods = _modules(tmp_path, ".", cwd=tmp_path)
    for heavy in HEAVY:
        assert not _loaded(mods, heavy), heavy


def test_rule_modules_import_no_parser() -> None:
    code = ("import sys; import lambda_lint.code.rules, lambda_lint.project.rules, lambda_lint.run.registry; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('libcst', 'yaml', 'cfnlint')))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]", proc.stdout
