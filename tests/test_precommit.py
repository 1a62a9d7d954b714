"""The real `pre-commit try-repo <this repo>` on a small SAM app in a temporary git repo.

pre-commit builds a virtualenv from this repository (it needs PyPI for the dependencies).
`try-repo` of a repository with uncommitted changes clones it and commits the tracked
changes (and staged files) into a shadow repo, so the working tree of tracked files is what
gets installed; untracked files are not (a new module that is not yet `git add`-ed shows up
as a ModuleNotFoundError in the hook). Set LAMBDA_LINT_TRY_REPO_REF (e.g. HEAD) to try a
committed revision instead of the working tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from sam_samples import kinesis_template, lambda_alarm

REPO = Path(__file__).resolve().parents[1]
PRE_COMMIT = shutil.which("pre-commit")
GIT = shutil.which("git")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(PRE_COMMIT is None, reason="pre-commit is not installed (pip install '.[test]')"),
    pytest.mark.skipif(GIT is None, reason="git is not installed"),
    pytest.mark.skipif(not (REPO / ".git").exists(), reason="not running from a git checkout"),
]

TEMPLATE = kinesis_template({"Timeout": 30})

FIXED_TEMPLATE = kinesis_template(
    {"Timeout": 30, "ReservedConcurrentExecutions": 5},
    {"MaximumRetryAttempts": 3, "MaximumRecordAgeInSeconds": 3600, "BisectBatchOnFunctionError": True,
     "DestinationConfig": {"OnFailure": {"Destination": "!GetAtt Failed.Arn"}}},
    "  Failed:\n    Type: AWS::SQS::Queue\n"
    + lambda_alarm("ErrorsAlarm", "Errors", "Sum", 1)
    + lambda_alarm("IteratorAgeAlarm", "IteratorAge", "Maximum", 60000)
    + lambda_alarm("ThrottlesAlarm", "Throttles", "Sum", 1)
    + "  ForwarderLogs:\n    Type: AWS::Logs::LogGroup\n    Properties:\n"
      "      LogGroupName: !Sub /aws/lambda/${Forwarder}\n      RetentionInDays: 30\n",
)

BAD_APP = """\
import json
import time
import urllib.request


def handler(event, context):
    for record in event["Records"]:
        while True:
            try:
                urllib.request.urlopen("https://partner.example.com/ingest", data=json.dumps(record).encode())
                break
            except Exception:
                time.sleep(1)
"""

FIXED_APP = """\
import json
import urllib.request


def handler(event, context):
    for record in event["Records"]:
        for attempt in range(3):
            try:
                urllib.request.urlopen("https://partner.example.com/ingest", data=json.dumps(record).encode())
                break
            except OSError:
                if attempt == 2:
                    raise
"""


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def _git(*args: str, cwd: Path) -> None:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    subprocess.run([GIT, *args], cwd=cwd, check=True, capture_output=True, env=env)


def make_app(root: Path, template: str, app: str) -> Path:
    (root / "src").mkdir(parents=True)
    (root / "template.yaml").write_text(template, encoding="utf-8")
    (root / "src" / "app.py").write_text(app, encoding="utf-8")
    _git("init", "-q", cwd=root)
    _git("add", ".", cwd=root)
    _git("commit", "-q", "-m", "app", cwd=root)
    return root


def try_repo(app: Path, home: Path, hook: str = "lambda-lint") -> subprocess.CompletedProcess:
    env = dict(os.environ, PRE_COMMIT_HOME=str(home), NO_COLOR="1", PRE_COMMIT_COLOR="never")
    ref = os.environ.get("LAMBDA_LINT_TRY_REPO_REF")
    return subprocess.run(
        [PRE_COMMIT, "try-repo", str(REPO), hook, *(["--ref", ref] if ref else []),
         "--all-files", "--color", "never"],
        cwd=app, capture_output=True, text=True, env=env, timeout=900,
    )


def test_hook_fails_on_the_bad_app(tmp_path: Path, pre_commit_home: Path) -> None:
    app = make_app(tmp_path / "bad", TEMPLATE, BAD_APP)
    proc = try_repo(app, pre_commit_home)
    out = proc.stdout + proc.stderr
    if proc.returncode == 3 or "An unexpected error has occurred" in out:
        pytest.fail(f"pre-commit could not build the hook environment:\n{out[-3000:]}")
    assert "ModuleNotFoundError" not in out, (
        "the hook's environment lacks a module: try-repo installs the tracked files of the working "
        f"tree; `git add` new modules (or set LAMBDA_LINT_TRY_REPO_REF=HEAD)\n{out[-2000:]}")
    assert proc.returncode == 1, out
    assert "Failed" in out
    assert "src/app.py:8:9: LL102" in out or "src/app.py:8:9: LL101" in out, out
    assert "template.yaml:" in out and "LL201" in out, out


def test_hook_passes_on_the_fixed_app(tmp_path: Path, pre_commit_home: Path) -> None:
    app = make_app(tmp_path / "fixed", FIXED_TEMPLATE, FIXED_APP)
    proc = try_repo(app, pre_commit_home)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "Passed" in out


def test_handlers_hook_is_per_file(tmp_path: Path, pre_commit_home: Path) -> None:
    app = make_app(tmp_path / "bad", TEMPLATE, BAD_APP)
    proc = try_repo(app, pre_commit_home, "lambda-lint-handlers")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "LL102" in out or "LL101" in out
    assert "LL201" not in out  # templates are not its business
