"""The pre-commit hooks run on a change to any file lambda-lint reads: a Terraform change
(`.tf`, `.tfvars`) can create a finding as a template change can, and the hooks' `files:`
pattern once left it out."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

READS = ["src/app.py", "template.yaml", "template.yml", "stack.json", "app.template", "serverless.yml",
         "cdk.out/Stack.template.json", "infra/main.tf", "infra/lambda.tf.json", "infra/terraform.tfvars",
         "infra/prod.auto.tfvars"]
IGNORES = ["README.md", "Dockerfile", "requirements.txt", "infra/.terraform.lock.hcl"]


def _patterns() -> list:
    found = []
    for name in (".pre-commit-hooks.yaml", "README.md", "docs/integrations.md"):
        text = (ROOT / name).read_text(encoding="utf-8")
        found += [(name, m) for m in re.findall(r"^\s*files: (\S+)$", text, re.M)]
    return found


def test_every_copy_of_the_hook_pattern_is_the_same() -> None:
    pats = _patterns()
    assert len(pats) == 3 and len({p for _, p in pats}) == 1, pats


@pytest.mark.parametrize("path", READS)
def test_the_hook_runs_on_every_file_lambda_lint_reads(path: str) -> None:
    for name, pat in _patterns():
        assert re.search(pat, path), f"{name}: {pat} misses {path}"


@pytest.mark.parametrize("path", IGNORES)
def test_the_hook_does_not_run_on_other_files(path: str) -> None:
    for name, pat in _patterns():
        assert not re.search(pat, path), f"{name}: {pat} matches {path}"
