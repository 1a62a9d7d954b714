"""`cfn-lint -a lambda_lint.cfnlint_plugin`: the real cfn-lint, in a subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from installed_cli import EXE, needs_exe
from sam_samples import kinesis_template

REPO = Path(__file__).resolve().parents[1]
CFN_LINT = shutil.which("cfn-lint")
RULE_FILES = sorted((REPO / "rules").glob("LL2*.yaml")) if (REPO / "rules").is_dir() else []

pytestmark = [
    pytest.mark.skipif(CFN_LINT is None, reason="cfn-lint is not installed (pip install '.[test]')"),
    needs_exe,
    pytest.mark.skipif(not RULE_FILES, reason="the template rules (rules/LL2*.yaml) are not present yet"),
]

SAM = kinesis_template(event_props={"MaximumRetryAttempts": -1}, extra_resources="""\
  Quiet:
    Type: AWS::Serverless::Function
    Metadata:
      cfn-lint:
        config:
          ignore_checks: [W9208]
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Events:  # a retrying trigger: in the default posture scope
        Nightly: {Type: Schedule, Properties: {Schedule: rate(1 day)}}
""")

CFN = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Stream:
    Type: AWS::Kinesis::Stream
    Properties:
      ShardCount: 1
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt Role.Arn
      RecursiveLoop: Allow
      Code:
        ZipFile: |
          def handler(event, context):
              return None
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: !Ref Fn
      EventSourceArn: !GetAtt Stream.Arn
      StartingPosition: LATEST
"""


def cfn_lint(*args: str, cwd: Path):
    env = dict(os.environ)
    env.setdefault("PYTHONPATH", "")
    proc = subprocess.run([CFN_LINT, "-a", "lambda_lint.cfnlint_plugin", "--format", "json", *args],
                          cwd=cwd, capture_output=True, text=True, env=env, timeout=300)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.stdout.strip(), proc.stderr
    matches = json.loads(proc.stdout)
    return [(m["Rule"]["Id"], m["Location"]["Start"]["LineNumber"], m["Location"]["Start"]["ColumnNumber"],
             m["Message"]) for m in matches if m["Rule"]["Id"][1:2] == "9"]


def lambda_lint(*args: str, cwd: Path):
    proc = subprocess.run([EXE, "--format", "json", "--no-cache", "--select", "LL2", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120, env=dict(os.environ, NO_COLOR="1"))
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def expected_id(f: dict) -> str:
    return {"error": "E", "warning": "W", "info": "I"}[f["severity"]] + "9" + f["rule"][2:]


@pytest.mark.parametrize("name,text", [("sam.yaml", SAM), ("cfn.yaml", CFN)])
def test_same_findings_and_lines_as_lambda_lint(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    ours = lambda_lint(name, cwd=tmp_path)
    assert ours, "expected template findings"
    theirs = cfn_lint("--include-checks", "I", "--", name, cwd=tmp_path)
    want = sorted((expected_id(f), f["line"], f["column"]) for f in ours
                  if not (f.get("resource") == "Quiet" and f["rule"] == "LL208"))
    got = sorted((rid, line, col) for rid, line, col, _ in theirs)
    assert got == want
    for rid, _, _, message in theirs:
        assert message.endswith(f"[LL{rid[2:]}]")


def test_cfn_lint_metadata_suppression(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(SAM, encoding="utf-8")
    ours = lambda_lint("t.yaml", cwd=tmp_path)
    assert any(f["rule"] == "LL208" and f["resource"] == "Quiet" for f in ours)  # lambda-lint reports it
    theirs = cfn_lint("--", "t.yaml", cwd=tmp_path)
    quiet_line = SAM.splitlines().index("  Quiet:") + 1
    fwd_line = SAM.splitlines().index("  Forwarder:") + 1
    assert ("W9208", fwd_line) in {(r, ln) for r, ln, _, _ in theirs}
    assert ("W9208", quiet_line) not in {(r, ln) for r, ln, _, _ in theirs}
    # other rules on the suppressed resource still report
    assert ("W9209", quiet_line) in {(r, ln) for r, ln, _, _ in theirs}


@pytest.mark.slow  # several real cfn-lint runs (1.2 s start-up each)
def test_ignore_checks_and_info_opt_in(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(SAM, encoding="utf-8")
    ids = {r for r, _, _, _ in cfn_lint("--", "t.yaml", cwd=tmp_path)}
    assert "E9201" in ids and "W9208" in ids
    assert not any(r.startswith("I") for r in ids)  # cfn-lint shows I rules only on request
    ids = {r for r, _, _, _ in cfn_lint("--ignore-checks", "W9208", "E9201", "--", "t.yaml", cwd=tmp_path)}
    assert "W9208" not in ids and "E9201" not in ids and "W9209" in ids
    ids = {r for r, _, _, _ in cfn_lint("--ignore-checks", "W92", "--", "t.yaml", cwd=tmp_path)}
    assert ids == {"E9201"}


def test_clean_template_has_no_plugin_matches(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(
        'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Topic:\n    Type: AWS::SNS::Topic\n',
        encoding="utf-8")
    proc = subprocess.run([CFN_LINT, "-a", "lambda_lint.cfnlint_plugin", "--format", "json", "--", "t.yaml"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_rule_ids_follow_the_documented_mapping() -> None:
    code = ("import json, lambda_lint.cfnlint_plugin as p; from lambda_lint.run.registry import load_registry;"
            "r = load_registry(()).registry;"
            "print(json.dumps({c: [i, r[c].severity.value] for c, i in p.RULE_IDS.items()}))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    ids = json.loads(proc.stdout)
    assert set(ids) == {p.stem for p in RULE_FILES}
    doc = (REPO / "docs" / "cfn-lint.md").read_text(encoding="utf-8")
    for ll, (cid, sev) in ids.items():
        assert cid == {"error": "E", "warning": "W", "info": "I"}[sev] + "9" + ll[2:]
        assert f"| {ll} " in doc and f"`{cid}`" in doc, f"docs/cfn-lint.md lacks {ll} -> {cid}"


def test_lambda_lint_does_not_import_cfn_lint(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(SAM, encoding="utf-8")
    code = ("import sys; from lambda_lint.cli import main; rc = main(['--no-cache', '--format', 'json', 't.yaml']);"
            "sys.stderr.write(str(sorted(m for m in sys.modules if m.split('.')[0] in ('cfnlint', 'samtranslator'))))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.stderr.strip().endswith("[]"), proc.stderr


def test_finding_in_a_local_definition_is_shown_at_its_reference(tmp_path: Path) -> None:
    """cfn-lint lints the template only: an LL214 finding in the DefinitionUri file goes to
    the DefinitionUri line, naming the file and line in the message."""
    src = REPO / "tests" / "fixtures" / "project" / "sfn_local_definition"
    shutil.copytree(src, tmp_path / "app")
    theirs = cfn_lint("--", "template.yaml", cwd=tmp_path / "app")
    lines = (src / "template.yaml").read_text(encoding="utf-8").splitlines()
    got = {(rid, lines[line - 1].strip(), message.split(": ", 1)[0]) for rid, line, _, message in theirs
           if rid == "W9214"}
    assert got == {("W9214", "DefinitionUri: statemachine/payments.asl.json", "statemachine/payments.asl.json:22:11"),
                   ("W9214", "DefinitionUri: statemachine/refunds.asl.yaml", "statemachine/refunds.asl.yaml:14:9")}
