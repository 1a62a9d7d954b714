"""The README's install commands, as written, in a fresh virtualenv on a copy of the clone,
and the GitHub Action's install step (slow set: each install builds the wheel).

Offline: the virtualenv sees the test environment's packages (``--system-site-packages`` and
a ``.pth``; pip never uninstalls what lies outside the virtualenv),
pip is told not to use an index and not to isolate the build (hatchling comes from the test
extra); the commands themselves are run exactly as the README prints them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest
import yaml

from tests.readme_commands import COMMANDS, fresh_clone

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform == "win32", reason="the commands are bash"),
]
pytest.importorskip("hatchling", reason="building offline needs hatchling (in the test extra)")


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    root = tmp_path_factory.mktemp("install")
    clone = fresh_clone(root / "clone")
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(root / "venv")
    vbin = root / "venv" / "bin"
    # and the test environment's packages (when it is itself a virtualenv): the extras' deps
    import sysconfig

    purelib = sysconfig.get_paths()["purelib"]
    site = subprocess.run([str(vbin / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True, timeout=60).stdout.strip()
    Path(site).mkdir(parents=True, exist_ok=True)
    (Path(site) / "test-env.pth").write_text(purelib + "\n")
    environ = dict(os.environ, PATH=f"{vbin}{os.pathsep}{os.environ['PATH']}", VIRTUAL_ENV=str(root / "venv"),
                   PIP_NO_INDEX="1", PIP_NO_BUILD_ISOLATION="0", PIP_DISABLE_PIP_VERSION_CHECK="1")
    environ.pop("PYTHONPATH", None)
    # the venv has no pip of its own: `pip` is the outer one run by the venv's python
    (vbin / "pip").write_text(f'#!/bin/sh\nexec "{vbin}/python" -m pip "$@"\n')
    (vbin / "pip").chmod(0o755)
    return clone, vbin, environ


def sh(cmd: str, cwd: Path, environ) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", cmd], cwd=str(cwd), capture_output=True, text=True, timeout=900,
                          env=environ)


def test_readme_install_commands_as_written(env) -> None:
    clone, vbin, environ = env
    installs = [c for c, (how, _) in COMMANDS.items() if how == "install"]
    assert len(installs) == 6
    for cmd in installs:
        if cmd.endswith("&& python -m pytest"):
            cmd = cmd.split("&&")[0].strip()  # the suite is this run itself
        proc = sh(cmd, clone, environ)
        expected = 1 if "lambda-lint examples/seed-incident" in cmd else 0
        assert proc.returncode == expected, (cmd, proc.stdout[-1500:], proc.stderr[-1500:])
        where = sh("command -v lambda-lint", clone, environ).stdout.strip()
        assert where == str(vbin / "lambda-lint"), where  # the installed copy, not another one
        if expected:
            assert "Found 11 problems" in proc.stdout
    # the extras: the language server starts, the cfn-lint plugin loads
    assert sh("lambda-lint server --help", clone, environ).returncode == 0
    proc = sh("cfn-lint -a lambda_lint.cfnlint_plugin -- examples/seed-incident/template.yaml", clone, environ)
    assert "E9201" in proc.stdout, proc.stdout + proc.stderr


def test_action_install_step(env, tmp_path: Path) -> None:
    clone, vbin, environ = env
    action = yaml.safe_load((clone / "action.yml").read_text())
    install = next(s for s in action["runs"]["steps"] if s.get("name") == "Install lambda-lint")
    script = tmp_path / "install.sh"
    script.write_text(install["run"])
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=str(tmp_path),
                          capture_output=True, text=True, timeout=900,
                          env=dict(environ, GITHUB_ACTION_PATH=str(clone)))
    assert proc.returncode == 0, proc.stderr[-2000:]
    proc = sh("lambda-lint --version", tmp_path, environ)
    assert proc.returncode == 0 and proc.stdout.startswith("lambda-lint ")
