"""--fix and --diff: exact output files for every fixable rule, YAML and JSON, idempotent,
valid for cfn-lint, and never a touch where the fix is not certain."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from lambda_lint.cli import main

FIX = Path(__file__).parent / "fixtures" / "fix"
ROOT = Path(__file__).resolve().parents[1]
CASES = ["sam_stream.yaml", "cfn_stream.json", "sam_async.yaml", "cfn_async.json", "sqs.yaml"]


def _expected(name: str) -> Path:
    base, ext = name.rsplit(".", 1)
    return FIX / f"{base}.fixed.{ext}"


def _run(cwd: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, *args: str):
    monkeypatch.chdir(cwd)
    capsys.readouterr()
    rc = main(["--no-cache", *args])
    out = capsys.readouterr()
    return rc, out.out, out.err


@pytest.mark.parametrize("name", CASES)
def test_fix_writes_exactly_the_expected_file_and_is_idempotent(name: str, tmp_path: Path, monkeypatch, capsys) -> None:
    shutil.copy(FIX / name, tmp_path / name)
    before = (tmp_path / name).read_text(encoding="utf-8")
    rc, diff, _ = _run(tmp_path, monkeypatch, capsys, "--diff", name)
    assert rc == 1 and diff.startswith(f"--- a/{name}\n+++ b/{name}\n")
    assert (tmp_path / name).read_text(encoding="utf-8") == before  # --diff changes nothing
    _run(tmp_path, monkeypatch, capsys, "--fix", "-q", name)
    assert (tmp_path / name).read_text(encoding="utf-8") == _expected(name).read_text(encoding="utf-8")
    rc, diff, err = _run(tmp_path, monkeypatch, capsys, "--diff", name)
    assert rc == 0 and diff == "" and "0 files would be fixed" in err  # a second --fix changes nothing


def test_fixed_findings_are_gone_and_others_stay(tmp_path: Path, monkeypatch, capsys) -> None:
    shutil.copy(FIX / "sam_stream.yaml", tmp_path / "t.yaml")
    _, before, _ = _run(tmp_path, monkeypatch, capsys, "--format", "json", "t.yaml")
    rc, after, err = _run(tmp_path, monkeypatch, capsys, "--fix", "--format", "json", "t.yaml")
    codes = lambda out: sorted(f["rule"] for f in json.loads(out))
    assert "fixed" in err
    assert not {"LL201", "LL202", "LL204"} & set(codes(after)) - {"LL201"}  # LL201 left: the !If one
    assert [f for f in json.loads(after) if f["rule"] in ("LL201", "LL202", "LL204")] == \
           [f for f in json.loads(after) if f["rule"] == "LL201" and "Conditional" in f["message"]]
    assert set(codes(after)) - {"LL201", "LL202", "LL204"} == set(codes(before)) - {"LL201", "LL202", "LL204"}


def test_ll302_is_fixed_in_the_template_from_the_handler_file(tmp_path: Path, monkeypatch, capsys) -> None:
    shutil.copytree(FIX / "partial_batch", tmp_path / "app", ignore=shutil.ignore_patterns("*.fixed.*"))
    rc, _, err = _run(tmp_path / "app", monkeypatch, capsys, "--fix", "--select", "LL302", "src/jobs.py")
    assert rc == 0 and "fixed 1 finding" in err
    assert (tmp_path / "app" / "template.yaml").read_text() == (FIX / "partial_batch" / "template.fixed.yaml").read_text()


def test_crlf_line_endings_are_kept(tmp_path: Path, monkeypatch, capsys) -> None:
    crlf = (FIX / "sam_stream.yaml").read_text(encoding="utf-8").replace("\n", "\r\n")
    (tmp_path / "t.yaml").write_bytes(crlf.encode("utf-8"))
    _run(tmp_path, monkeypatch, capsys, "--fix", "-q", "t.yaml")
    expected = _expected("sam_stream.yaml").read_text(encoding="utf-8").replace("\n", "\r\n")
    assert (tmp_path / "t.yaml").read_bytes() == expected.encode("utf-8")


def test_a_file_with_a_parse_error_is_never_touched(tmp_path: Path, monkeypatch, capsys) -> None:
    text = (FIX / "sam_stream.yaml").read_text(encoding="utf-8") + "  Orders:\n    Type: AWS::SQS::Queue\n"
    (tmp_path / "t.yaml").write_text(text, encoding="utf-8")  # a duplicate key: LL001
    rc, out, _ = _run(tmp_path, monkeypatch, capsys, "--fix", "t.yaml")
    assert "LL001" in out and (tmp_path / "t.yaml").read_text(encoding="utf-8") == text


def test_fix_values_come_from_the_config(tmp_path: Path, monkeypatch, capsys) -> None:
    shutil.copy(FIX / "sam_stream.yaml", tmp_path / "t.yaml")
    (tmp_path / "pyproject.toml").write_text(
        "[tool.lambda-lint.fix]\nstream-maximum-retry-attempts = 5\nstream-maximum-record-age-seconds = 900\n")
    _run(tmp_path, monkeypatch, capsys, "--fix", "-q", "t.yaml")
    text = (tmp_path / "t.yaml").read_text()
    assert "MaximumRetryAttempts: 5" in text and "MaximumRecordAgeInSeconds: 900" in text
    (tmp_path / "pyproject.toml").write_text("[tool.lambda-lint.fix]\nretries = 5\n")
    rc, _, err = _run(tmp_path, monkeypatch, capsys, "--fix", "t.yaml")
    assert rc == 2 and "unknown key 'retries'" in err
    (tmp_path / "pyproject.toml").write_text("[tool.lambda-lint.fix]\nasync-maximum-retry-attempts = 7\n")
    rc, _, err = _run(tmp_path, monkeypatch, capsys, "--diff", "t.yaml")
    assert rc == 2 and "from 0 to 2" in err


def test_seed_incident_template_side_fixes(tmp_path: Path, monkeypatch, capsys) -> None:
    shutil.copytree(ROOT / "examples" / "seed-incident", tmp_path / "seed")
    _, before, _ = _run(tmp_path / "seed", monkeypatch, capsys, "--format", "json", ".")
    rc, after, _ = _run(tmp_path / "seed", monkeypatch, capsys, "--fix", "--format", "json", ".")
    fixable = {"LL201", "LL202", "LL204", "LL206", "LL212", "LL213", "LL302"}
    assert {f["rule"] for f in json.loads(before)} & fixable
    assert not {f["rule"] for f in json.loads(after)} & fixable
    assert rc == 1  # the code findings and the decisions left to a human remain


def test_fixed_templates_add_no_cfn_lint_error() -> None:
    exe = shutil.which("cfn-lint")
    if exe is None:
        pytest.skip("cfn-lint is not installed (pip install '.[test]')")
    pairs = [(FIX / n, _expected(n)) for n in CASES] + \
            [(FIX / "partial_batch" / "template.yaml", FIX / "partial_batch" / "template.fixed.yaml")]
    files = [str(p) for pair in pairs for p in pair]
    proc = subprocess.run([exe, "--format", "json", *files], capture_output=True, text=True, timeout=300)
    errors = {}
    for m in json.loads(proc.stdout or "[]"):
        if m["Level"] == "Error":
            errors.setdefault(m["Filename"], set()).add(m["Rule"]["Id"])
    for before, after in pairs:
        assert errors.get(str(after), set()) <= errors.get(str(before), set()), (after, errors.get(str(after)))


def test_diff_of_a_file_without_a_final_newline_is_a_valid_patch(tmp_path: Path, monkeypatch, capsys) -> None:
    # a minified JSON template has no newline at its end: the diff must say so, or the
    # next line runs into it and `patch`/`git apply` reject it
    text = json.dumps(json.loads((FIX / "cfn_stream.json").read_text(encoding="utf-8")), separators=(",", ":"))
    (tmp_path / "t.json").write_text(text, encoding="utf-8")
    rc, diff, _ = _run(tmp_path, monkeypatch, capsys, "--diff", "t.json")
    assert rc == 1 and diff.count("\n\\ No newline at end of file\n") == 2 and diff.endswith("\n")
    if shutil.which("patch") is None:
        pytest.skip("patch is not installed")
    (tmp_path / "d.patch").write_text(diff, encoding="utf-8")
    subprocess.run(["patch", "-p1", "-s", "-i", "d.patch"], cwd=tmp_path, check=True,
                   stdin=subprocess.DEVNULL)
    _run(tmp_path, monkeypatch, capsys, "--fix", "-q", "t.json")
    patched = (tmp_path / "t.json").read_text(encoding="utf-8")
    shutil.copy(tmp_path / "t.json", tmp_path / "u.json")
    (tmp_path / "t.json").write_text(text, encoding="utf-8")
    _run(tmp_path, monkeypatch, capsys, "--fix", "-q", "t.json")
    assert patched == (tmp_path / "t.json").read_text(encoding="utf-8")


GLOBALS = """\
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    RecursiveLoop: Allow   # set while debugging
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      InlineCode: "def handler(event, context): pass"
"""


def test_ll212_inherited_from_globals_is_fixed_there(tmp_path: Path, monkeypatch, capsys) -> None:
    (tmp_path / "t.yaml").write_text(GLOBALS, encoding="utf-8")
    rc, out, _ = _run(tmp_path, monkeypatch, capsys, "--select", "LL212", "t.yaml")
    assert rc == 1 and "t.yaml:5:5: LL212" in out
    rc, _, err = _run(tmp_path, monkeypatch, capsys, "--fix", "--select", "LL212", "t.yaml")
    assert rc == 0 and "fixed 1 finding" in err
    assert (tmp_path / "t.yaml").read_text() == GLOBALS.replace("Allow", "Terminate")
    # a function's own setting wins over Globals: that is the one fixed
    own = GLOBALS.replace("RecursiveLoop: Allow   # set while debugging", "RecursiveLoop: Terminate") + \
        "      RecursiveLoop: Allow\n"
    (tmp_path / "t.yaml").write_text(own, encoding="utf-8")
    _run(tmp_path, monkeypatch, capsys, "--fix", "-q", "--select", "LL212", "t.yaml")
    assert (tmp_path / "t.yaml").read_text() == own.replace("      RecursiveLoop: Allow\n", "      RecursiveLoop: Terminate\n")


EMPTY = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties: {}
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      InlineCode: x
      Timeout: 60
      Events:
        Q: {Type: SQS, Properties: {Queue: !GetAtt Jobs.Arn}}
        E: {Type: EventBridgeRule, Properties: {Pattern: {source: [x]}}}
      EventInvokeConfig: { }
"""


def test_keys_go_into_an_empty_flow_mapping(tmp_path: Path, monkeypatch, capsys) -> None:
    # `{}` was left alone; two keys into one `{}` must be joined, never run together
    (tmp_path / "t.yaml").write_text(EMPTY, encoding="utf-8")
    _run(tmp_path, monkeypatch, capsys, "--fix", "-q", "--select", "LL206,LL213", "t.yaml")
    text = (tmp_path / "t.yaml").read_text(encoding="utf-8")
    assert text == EMPTY.replace("Properties: {}", "Properties: {VisibilityTimeout: 360}").replace(
        "EventInvokeConfig: { }", "EventInvokeConfig: {MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 2}")
    rc, diff, _ = _run(tmp_path, monkeypatch, capsys, "--diff", "--select", "LL206,LL213", "t.yaml")
    assert rc == 0 and diff == ""
    doc = {"Resources": {
        "Jobs": {"Type": "AWS::SQS::Queue", "Properties": {}},
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}},
        "Worker": {"Type": "AWS::Lambda::Function", "Properties": {
            "Timeout": 60, "Runtime": "python3.12", "Handler": "i.h",
            "Role": {"Fn::GetAtt": ["Role", "Arn"]}, "Code": {"ZipFile": "x"}}},
        "Map": {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {
            "EventSourceArn": {"Fn::GetAtt": ["Jobs", "Arn"]}, "FunctionName": {"Ref": "Worker"}}}}}
    (tmp_path / "t.json").write_text(json.dumps(doc, separators=(",", ":")), encoding="utf-8")
    _run(tmp_path, monkeypatch, capsys, "--fix", "-q", "--select", "LL213", "t.json")
    fixed = json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))
    assert fixed["Resources"]["Jobs"]["Properties"] == {"VisibilityTimeout": 360}


def test_a_queue_without_properties_gets_the_visibility_it_needs(tmp_path: Path, monkeypatch, capsys) -> None:
    text = EMPTY.replace("    Properties: {}\n", "")
    (tmp_path / "t.yaml").write_text(text, encoding="utf-8")
    _run(tmp_path, monkeypatch, capsys, "--fix", "-q", "--select", "LL213", "t.yaml")
    assert (tmp_path / "t.yaml").read_text(encoding="utf-8") == text.replace(
        "  Jobs:\n", "  Jobs:\n    Properties:\n      VisibilityTimeout: 360\n")
    rc, _, _ = _run(tmp_path, monkeypatch, capsys, "--select", "LL213", "t.yaml")
    assert rc == 0
    # Properties: null (an explicit empty value) is left alone
    text = EMPTY.replace("    Properties: {}\n", "    Properties:\n")
    (tmp_path / "t.yaml").write_text(text, encoding="utf-8")
    _run(tmp_path, monkeypatch, capsys, "--fix", "-q", "--select", "LL213", "t.yaml")
    assert (tmp_path / "t.yaml").read_text(encoding="utf-8") == text


TF_FIXED = FIX / "terraform"


@pytest.mark.parametrize("app, expected", [
    (ROOT / "examples" / "seed-incident-terraform", {"main.tf": "seed.main.fixed.tf"}),
    (ROOT / "tests" / "fixtures" / "project" / "terraform_sqs",
     {"sqs.tf": "sqs.sqs.fixed.tf", "lambda.tf": "sqs.lambda.fixed.tf"}),
])
def test_terraform_fixes_write_hcl_attributes_in_the_file_of_each_block(app: Path, expected: dict, tmp_path: Path,
                                                                         monkeypatch, capsys) -> None:
    """LL201/202/204 on the mapping block, LL213 on the queue in its own file, LL302 from the
    handler: `attribute = value` lines at the block's indentation; idempotent; the other
    files of the module untouched."""
    shutil.copytree(app, tmp_path / "app", ignore=shutil.ignore_patterns("*.fixed.*"))
    before = {p.name: p.read_text() for p in (tmp_path / "app").glob("*.tf")}
    _run(tmp_path / "app", monkeypatch, capsys, "--fix", "-q", ".")
    for name, text in before.items():
        now = (tmp_path / "app" / name).read_text()
        assert now == ((TF_FIXED / expected[name]).read_text() if name in expected else text), name
    rc, diff, _ = _run(tmp_path / "app", monkeypatch, capsys, "--diff", ".")
    assert rc == 0 and diff == ""


def test_terraform_values_behind_variables_are_not_rewritten(tmp_path: Path, monkeypatch, capsys) -> None:
    shutil.copytree(ROOT / "tests" / "fixtures" / "project" / "terraform_stream", tmp_path / "app")
    _run(tmp_path / "app", monkeypatch, capsys, "--fix", "-q", ".")
    text = (tmp_path / "app" / "main.tf").read_text()
    assert "maximum_retry_attempts         = var.retries" in text  # unknown: left as written
    assert "maximum_retry_attempts         = 3" in text  # the literal -1 was replaced
