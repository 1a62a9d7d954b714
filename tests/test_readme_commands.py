"""Every command in the README works as written from a clone (issue #19).

The default set runs the commands that need no install and no network, in a copy of the
repository; tests/test_install.py (slow set) runs the install commands in a fresh virtualenv;
the rest are listed with the reason they are not run. A README command missing from the list
fails here, so the README cannot grow an untested command.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.readme_commands import COMMANDS, ROOT, fresh_clone, readme_commands, strip_comment

BIN = Path(sys.executable).parent


def test_first_block_is_the_two_setup_commands() -> None:
    cmds = readme_commands()
    assert cmds[:2] == ["pip install . && lambda-lint examples/seed-incident",
                        "pip install '.[test]' && python -m pytest"]


def test_every_readme_command_is_classified() -> None:
    cmds = readme_commands()
    unknown = sorted(set(cmds) - set(COMMANDS))
    assert not unknown, f"README commands with no test and no reason: {unknown} (add them to tests/readme_commands.py)"
    stale = sorted(set(COMMANDS) - set(cmds))
    assert not stale, f"listed but no longer in the README: {stale}"
    for cmd, (how, detail) in COMMANDS.items():
        assert how in ("fast", "install", "skip")
        assert how != "skip" or detail, cmd


def test_published_package_lines_are_marked() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    # no command installs from PyPI or pins a release tag that does not exist yet
    for cmd in readme_commands():
        assert not cmd.startswith("pip install lambda-lint") and "pip install 'lambda-lint[" not in cmd, cmd
    assert "rev: v0.1.0" not in text
    assert "not on PyPI yet" in text


@pytest.mark.parametrize("line, cmd", [
    ("pip install .   # from a clone", "pip install ."),
    ("pip install 'a#b'  # x", "pip install 'a#b'"),
    ("# only a comment", ""),
])
def test_strip_comment(line: str, cmd: str) -> None:
    assert strip_comment(line) == cmd


def _run(cmd: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    env.pop("LAMBDA_LINT_CACHE_DIR", None)
    return subprocess.run(["bash", "-c", cmd], cwd=str(cwd), capture_output=True, text=True, timeout=600, env=env)


def test_baseline_commands_as_written(tmp_path: Path) -> None:
    clone = fresh_clone(tmp_path / "clone")
    app = clone / "examples" / "seed-incident"
    subprocess.run(["git", "init", "-q"], cwd=str(app), check=True)
    cmds = [c for c, (how, where) in COMMANDS.items() if how == "fast" and where == "examples/seed-incident"
            and "baseline" in c]
    assert len(cmds) == 3
    for cmd in cmds:
        proc = _run(cmd, app)
        assert proc.returncode == 0, (cmd, proc.stdout, proc.stderr)
    assert "11 hidden by baseline" in proc.stdout


@pytest.mark.skipif(shutil.which("cfn-lint", path=str(BIN)) is None and shutil.which("cfn-lint") is None,
                    reason="cfn-lint is not installed (pip install '.[cfn-lint]'; the test extra has it)")
def test_cfn_lint_command_as_written(tmp_path: Path) -> None:
    clone = fresh_clone(tmp_path / "clone")
    proc = _run("cfn-lint -a lambda_lint.cfnlint_plugin -- template.yaml", clone / "examples" / "seed-incident")
    assert proc.returncode != 0, proc  # cfn-lint exits non-zero when it reports
    assert "E9201" in proc.stdout and "[LL201]" in proc.stdout, proc.stdout


def test_one_rules_fixtures_command_as_written() -> None:
    # in the repository itself: the fixtures may need ../shared beside it
    proc = _run("python -m pytest tests/test_fixtures.py -k LL102", ROOT)
    assert proc.returncode == 0, proc.stdout[-2000:]
