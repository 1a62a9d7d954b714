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
    """The JSON findings, each ``message`` with its ``help`` put back (JSON splits them at the
    first "; ", and these tests read the whole sentence)."""
    return [dict(f, message=f["message"] + ("; " + f["help"] if f.get("help") else "")) for f in _raw(proc)]


def _raw(proc: subprocess.CompletedProcess):
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def test_handler_file_alone_reports_cross_findings_at_the_code(tmp_path: Path) -> None:
    proj = _copy(tmp_path, "s3_self_loop")
    found = _findings(_run(proj, "--select", "LL3", "src/app.py"))
    assert [(f["rule"], f["path"], f["line"], f["severity"]) for f in found] == [
        ("LL301", "src/app.py", 20, "error")]
    f = found[0]
    assert f["function"] == "ThumbnailFunction"
    assert "ThumbnailFunction -PutObject-> PhotoBucket -s3:ObjectCreated-> ThumbnailFunction" in f["message"]
    assert f["resource"] == "PhotoBucket"
    # the trigger is a related location in the template
    assert any(r["path"] == "template.yaml" and r["line"] == 21 for r in f["related"])


def test_template_alone_reports_cycles_at_the_template(tmp_path: Path) -> None:
    proj = _copy(tmp_path, "s3_self_loop")
    found = _findings(_run(proj, "--select", "LL3", "template.yaml"))
    assert [(f["rule"], f["path"], f["line"]) for f in found] == [("LL301", "template.yaml", 21)]
    assert found[0]["resource"] == "PhotoBucket" and found[0]["function"] == "ThumbnailFunction"
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


def test_policy_only_cycle_is_ll307_and_off_by_default(tmp_path: Path) -> None:
    proj = _copy(tmp_path, "policy_only_cycle")
    assert _findings(_run(proj, "--select", "LL3")) == []  # a prefix does not switch LL307 on
    assert not [f for f in _findings(_run(proj)) if f["rule"] in ("LL301", "LL307")]
    found = _findings(_run(proj, "--select", "LL301,LL307"))
    assert found and {(f["rule"], f["severity"]) for f in found} == {("LL307", "info")}
    by_resource = {f["resource"]: f["message"] for f in found}
    assert set(by_resource) == {"ReportsBucket", "ResultsTopic", "JobsQueue"}
    assert "the code of RenderFunction was not checked (not available: not a Python runtime)" in by_resource["ReportsBucket"]
    assert "the target of its sqs write could not be resolved" in by_resource["JobsQueue"]


def test_stream_loop_messages_and_guards(tmp_path: Path) -> None:
    proj = _copy(tmp_path, "stream_filters_and_guards")
    found = _findings(_run(proj, "--select", "LL301"))
    by_line = {f["line"]: f for f in found}
    totals = by_line[30]
    # a write only for product# records, of a row that is not one: one extra round, info
    assert totals["severity"] == "info" and "one extra round" in totals["message"]
    assert "UpdateItem" in totals["message"] and totals["resource"] == "InventoryTable"
    loop = by_line[21]
    assert loop["severity"] == "error"
    assert "AWS does not detect DynamoDB stream loops" in loop["message"]
    # related locations: the write call and the trigger
    rel = {(r["path"], r["line"]) for r in loop["related"]}
    trigger_line = next(i for i, line in enumerate((proj / "template.yaml").read_text().splitlines(), 1)
                        if line.strip() == "Orders:")
    assert ("src/streams.py", 21) in rel and ("template.yaml", trigger_line) in rel
    assert "AWS's recursive loop detection stops it" in by_line[43]["message"]


def test_a_guarded_s3_write_is_one_extra_round(tmp_path: Path) -> None:
    proj = _copy(tmp_path, "s3_key_values")
    found = [f for f in _findings(_run(proj, "--select", "LL301")) if f["function"] == "GuardedFunction"]
    assert [(f["severity"], f["line"]) for f in found] == [("info", 70)]
    assert "one extra round: it writes only for records starting with 'uploads/'" in found[0]["message"]
    assert "an S3 key prefix/suffix filter on the trigger saves that invocation" in found[0]["message"]
    assert _findings(_run(proj, "--select", "LL301", "--min-severity", "warning")) and not [
        f for f in _findings(_run(proj, "--select", "LL301", "--min-severity", "warning"))
        if f["function"] == "GuardedFunction"]


def test_unresolved_values_are_named_in_the_message(tmp_path: Path) -> None:
    proj = tmp_path / "p"
    (proj / "src").mkdir(parents=True)
    (proj / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Bucket:\n    Type: AWS::S3::Bucket\n"
        "  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      CodeUri: src/\n      Handler: app.handler\n      Runtime: python3.12\n"
        "      Environment: {Variables: {BUCKET: !Ref Bucket}}\n"
        "      Events:\n        Up:\n          Type: S3\n          Properties:\n"
        "            Bucket: !Ref Bucket\n            Events: s3:ObjectCreated:*\n"
        "            Filter: {S3Key: {Rules: [{Name: prefix, Value: in/}]}}\n")
    (proj / "src" / "app.py").write_text(
        "import os\nimport boto3\ns3 = boto3.client('s3')\n\n"
        "def handler(event, context):\n"
        "    s3.put_object(Bucket=os.environ['BUCKET'], Key=make_key(event), Body=b'')\n")
    found = _findings(_run(proj, "--select", "LL301"))
    assert [f["line"] for f in found] == [6]
    assert "the written key could not be resolved against the trigger's prefix `in/` filter" in found[0]["message"]


def test_inline_code_needs_no_project_rules(tmp_path: Path) -> None:
    proj = _copy(tmp_path, "inline_code")
    found = _findings(_run(proj, "--select", "LL101", "template.yaml"))
    assert [(f["rule"], f["line"], f["column"]) for f in found] == [("LL101", 18, 13)]


@pytest.mark.parametrize("example,clean", [("seed-incident", False), ("seed-incident-fixed", True)])
def test_seed_examples(example: str, clean: bool) -> None:
    root = Path(__file__).parent.parent
    proc = _run(root, f"examples/{example}")
    assert proc.returncode == (0 if clean else 1), proc.stdout + proc.stderr
