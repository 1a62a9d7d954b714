"""The Terraform front-end: our HCL reader's positions and errors, a unit of several files,
suppressions, the cache, and the seed incident found as in SAM."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lambda_lint.cli import main
from lambda_lint.iac.terraform import hcl

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures" / "project"


def test_reader_keeps_lines_of_blocks_and_attributes() -> None:
    body = hcl.parse('# c\nresource "aws_sqs_queue" "q" {\n  /* x\n  y */\n  name = "q" // n\n'
                     '  policy = <<EOF\n{"a": 1}\nEOF\n  redrive_policy = jsonencode({\n    maxReceiveCount = 5\n  })\n}\n')
    (b,) = body.blocks
    assert (b.type, b.labels, b.line) == ("resource", ["aws_sqs_queue", "q"], 2)
    assert b.body.attributes["name"].line == 5 and b.body.attributes["policy"].value == '{"a": 1}'
    rp = b.body.attributes["redrive_policy"]
    assert rp.line == 9 and isinstance(rp.value, hcl.Call) and rp.value.args[0].kpos["maxReceiveCount"] == (10, 5)


@pytest.mark.parametrize("text, line", [
    ('resource "a" "b" {\n  x = 1\n', 3),            # never closed
    ('resource "a" "b" {\n  x = \n}\n', 2),           # no value
    ('x = "abc\n', 1),                                 # unterminated string
    ('x = [' * 300 + "]" * 300 + "\n", 1),             # too deep
])
def test_reader_errors_have_positions(text: str, line: int) -> None:
    with pytest.raises(hcl.HclError) as err:
        hcl.parse(text)
    assert err.value.line == line


def _lint(cwd: Path, monkeypatch, capsys, *args: str) -> list:
    monkeypatch.chdir(cwd)
    capsys.readouterr()
    main(["--no-cache", "--format", "json", *args])
    return json.loads(capsys.readouterr().out)


def test_seed_incident_in_terraform_gives_the_sam_findings(monkeypatch, capsys) -> None:
    sam = {f["rule"] for f in _lint(ROOT / "examples" / "seed-incident", monkeypatch, capsys, ".")}
    tf = _lint(ROOT / "examples" / "seed-incident-terraform", monkeypatch, capsys, ".")
    assert {f["rule"] for f in tf} == sam
    assert {f["path"] for f in tf} == {"main.tf", "src/app.py"}
    esm = [f for f in tf if f["rule"] == "LL201"]
    assert esm[0]["line"] == 47 and esm[0]["function"] == "aws_lambda_function.forwarder"


def test_a_unit_reports_each_finding_in_its_own_file_and_only_requested_files(tmp_path, monkeypatch, capsys) -> None:
    shutil.copytree(FIX / "terraform_sqs", tmp_path / "app")
    everything = _lint(tmp_path / "app", monkeypatch, capsys, "--select", "LL205,LL213", ".")
    assert {(f["path"], f["line"], f["rule"]) for f in everything} == {("sqs.tf", 2, "LL205"), ("sqs.tf", 5, "LL213")}
    only_lambda = _lint(tmp_path / "app", monkeypatch, capsys, "--select", "LL205,LL213", "lambda.tf")
    assert only_lambda == []  # the queue's findings belong to sqs.tf, which was not asked for
    only_sqs = _lint(tmp_path / "app", monkeypatch, capsys, "--select", "LL205,LL213", "sqs.tf")
    assert only_sqs == everything


def test_broken_file_is_ll001_and_the_siblings_still_lint(tmp_path, monkeypatch, capsys) -> None:
    shutil.copytree(FIX / "terraform_sqs", tmp_path / "app")
    (tmp_path / "app" / "broken.tf").write_text('resource "aws_sqs_queue" "x" {\n  name = \n}\n')
    found = _lint(tmp_path / "app", monkeypatch, capsys, "--select", "LL001,LL205", ".")
    assert {(f["path"], f["rule"]) for f in found} == {("broken.tf", "LL001"), ("sqs.tf", "LL205")}
    assert [f["line"] for f in found if f["rule"] == "LL001"] == [2]


def test_suppression_comment_on_the_block_line(tmp_path, monkeypatch, capsys) -> None:
    shutil.copytree(FIX / "terraform_sqs", tmp_path / "app")
    sqs = tmp_path / "app" / "sqs.tf"
    sqs.write_text(sqs.read_text().replace('resource "aws_sqs_queue" "jobs" {',
                                           'resource "aws_sqs_queue" "jobs" { # lambda-lint: ignore[LL205]'))
    found = _lint(tmp_path / "app", monkeypatch, capsys, "--select", "LL205", ".")
    assert found == []


def test_warm_cache_sees_a_change_in_a_sibling_file(tmp_path, monkeypatch, capsys) -> None:
    shutil.copytree(FIX / "terraform_sqs", tmp_path / "app")
    monkeypatch.chdir(tmp_path / "app")
    run = lambda: (capsys.readouterr(), main(["--format", "json", "--select", "LL213", "lambda.tf", "sqs.tf"]),
                   json.loads(capsys.readouterr().out))[2]
    assert len(run()) == 1
    assert len(run()) == 1  # warm
    lam = tmp_path / "app" / "lambda.tf"
    lam.write_text(lam.read_text().replace("timeout          = 60", "timeout          = 3"))
    assert run() == []  # sqs.tf unchanged, its finding depended on lambda.tf's timeout


def test_tf_json_is_read(tmp_path, monkeypatch, capsys) -> None:
    (tmp_path / "main.tf.json").write_text(json.dumps({"resource": {
        "aws_kinesis_stream": {"s": {"shard_count": 1}},
        "aws_lambda_function": {"f": {"function_name": "f", "handler": "app.handler", "runtime": "python3.12"}},
        "aws_lambda_event_source_mapping": {"m": {"event_source_arn": "${aws_kinesis_stream.s.arn}",
                                                  "function_name": "${aws_lambda_function.f.arn}",
                                                  "starting_position": "LATEST"}}}}))
    found = _lint(tmp_path, monkeypatch, capsys, "--select", "LL201", ".")
    assert [(f["path"], f["rule"], f["resource"]) for f in found] == [("main.tf.json", "LL201", "aws_lambda_event_source_mapping.m")]


def test_escaped_interpolation_is_literal_text() -> None:
    # `$${` and `%%{` are a literal `${` / `%{` in Terraform, not an interpolation
    body = hcl.parse('locals {\n  a = "$${not_a_ref}"\n  b = "x-%%{y}"\n  c = "p-${var.z}"\n}\n')
    attrs = body.blocks[0].body.attributes
    assert attrs["a"].value == "${not_a_ref}" and attrs["b"].value == "x-%{y}"
    assert isinstance(attrs["c"].value, hcl.Template)


@pytest.mark.parametrize("text", [
    'resource "a" "b" {\n  env = {\n',               # object never closed
    'resource "a" "b" {\n  x = [1,\n',                # list never closed
])
def test_an_error_at_the_end_of_the_file_says_so(text: str) -> None:
    with pytest.raises(hcl.HclError) as err:
        hcl.parse(text)
    assert "None" not in err.value.message and "end of" in err.value.message


def test_invalid_tf_json_points_at_the_error(tmp_path: Path, monkeypatch, capsys) -> None:
    (tmp_path / "main.tf.json").write_text('{"resource": {\n  "aws_sqs_queue": {"q": {,}}}}\n', encoding="utf-8")
    found = _lint(tmp_path, monkeypatch, capsys, ".")
    assert [(f["rule"], f["line"], f["column"]) for f in found] == [("LL001", 2, 27)]  # the comma
    assert found[0]["message"].startswith("invalid Terraform JSON: Expecting property name")
