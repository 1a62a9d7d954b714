"""Guard rails for common first-run mistakes (issue #19): a misspelt config table, a YAML or
JSON file that is no template, and where the cache goes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "seed-incident"


def cli(*args: str, cwd: Path, env=None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "LAMBDA_LINT_CACHE_DIR"}
    environ.update(env or {})
    return subprocess.run([sys.executable, "-m", "lambda_lint", *args], cwd=str(cwd), capture_output=True,
                          text=True, timeout=120, env=environ)


@pytest.mark.parametrize("table", ["lambda_lint", "lambdalint"])
def test_misspelt_table_is_named_with_the_right_one(tmp_path: Path, table: str) -> None:
    shutil.copytree(SEED, tmp_path / "app")
    (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "x"\n\n[tool.{table}]\nignore = ["LL211"]\n')
    proc = cli("--format", "json", "app", cwd=tmp_path)
    assert proc.returncode == 1
    assert f"[tool.{table}] is not read by lambda-lint; its table is [tool.lambda-lint]" in proc.stderr
    assert "LL211" in {f["rule"] for f in json.loads(proc.stdout)}  # indeed not read
    assert "warning" not in cli("--quiet", "app", cwd=tmp_path).stderr
    # beside the right table, too (the wrong one is still ignored)
    (tmp_path / "pyproject.toml").write_text(f'[tool.lambda-lint]\n\n[tool.{table}]\nignore = ["LL211"]\n')
    assert f"[tool.{table}] is not read" in cli("app", cwd=tmp_path).stderr
    # the right table alone: nothing to say
    (tmp_path / "pyproject.toml").write_text('[tool.lambda-lint]\nignore = ["LL211"]\n')
    assert cli("app", cwd=tmp_path).stderr == ""


def test_a_named_file_that_is_no_template_says_so(tmp_path: Path) -> None:
    (tmp_path / "ci.yml").write_text("on: [push]\njobs:\n  test: {runs-on: ubuntu-latest}\n")
    (tmp_path / "package.json").write_text('{"name": "x", "version": "1.0.0"}\n')
    shutil.copy(SEED / "template.yaml", tmp_path / "template.yaml")
    proc = cli("ci.yml", "package.json", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout == ""
    assert proc.stderr.splitlines() == [
        "lambda-lint: warning: ci.yml: not a CloudFormation/SAM template: skipped",
        "lambda-lint: warning: package.json: not a CloudFormation/SAM template: skipped",
    ]
    # with a real template beside it: that one is linted, the other still named
    proc = cli("--format", "json", "ci.yml", "template.yaml", cwd=tmp_path)
    assert proc.returncode == 1 and "ci.yml: not a CloudFormation/SAM template: skipped" in proc.stderr
    assert {f["path"] for f in json.loads(proc.stdout)} == {"template.yaml"}
    # a broken file can't be told apart from a broken template: it is linted (LL001), not skipped
    (tmp_path / "broken.yaml").write_text("a: [\n")
    proc = cli("--format", "json", "broken.yaml", cwd=tmp_path)
    assert [f["rule"] for f in json.loads(proc.stdout)] == ["LL001"] and proc.stderr == ""


def _caches(root: Path) -> list:
    return sorted(p.parent.relative_to(root).as_posix() for p in root.rglob("CACHEDIR.TAG"))


def test_cache_lives_in_the_project_root(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(SEED, repo / "services" / "ingest")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(SEED, elsewhere)
    # no config: the git root, even when run from a subfolder or on a template elsewhere
    cli("services/ingest", cwd=repo)
    cli(".", cwd=repo / "services" / "ingest")
    cli(str(elsewhere / "template.yaml"), cwd=repo / "services")
    assert _caches(tmp_path) == ["repo/.lambda-lint-cache"]
    # a config file: its folder
    (repo / "services" / "pyproject.toml").write_text("[tool.lambda-lint]\n")
    cli(".", cwd=repo / "services")
    assert _caches(tmp_path) == ["repo/.lambda-lint-cache", "repo/services/.lambda-lint-cache"]
    # cache-dir in the config, relative to the config file
    (repo / "services" / "pyproject.toml").write_text('[tool.lambda-lint]\ncache-dir = "../.cache/ll"\n')
    cli(".", cwd=repo / "services")
    assert "repo/.cache/ll" in _caches(tmp_path)
    # LAMBDA_LINT_CACHE_DIR overrides everything
    cli(".", cwd=repo / "services", env={"LAMBDA_LINT_CACHE_DIR": str(tmp_path / "env-cache")})
    assert "env-cache" in _caches(tmp_path)
    # outside any repository and without config: the working folder, never beside the template
    outside = tmp_path / "outside"
    outside.mkdir()
    if not any((p / ".git").exists() for p in (tmp_path, *tmp_path.parents)):
        cli(str(elsewhere), cwd=outside)
        assert "outside/.lambda-lint-cache" in _caches(tmp_path)
    assert not (elsewhere / ".lambda-lint-cache").exists()
