"""The worst-case impact of runaway-class findings: the arithmetic against AWS's worked
pricing examples, the assumptions it states, and where it shows (JSON, SARIF, text)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lambda_lint.cli import main
from lambda_lint.cost.pricing import DEFAULTS, Prices, busy_day, cost

ROOT = Path(__file__).resolve().parents[1]
PRICES = Prices.from_settings(DEFAULTS)


def test_aws_pricing_page_example_x86() -> None:
    # 512 MB, 3 million requests of 1 s a month: $18.73 after the free tier (1M requests,
    # 400,000 GB-s); without it, 1,500,000 GB-s x $0.0000166667 + 3M x $0.20/M = $25.60
    total = cost(3_000_000, 1.0, 512, "x86_64", PRICES, with_logs=False)
    assert total == pytest.approx(25.60, abs=0.01)
    free = cost(1_000_000, 0.0, 0, "x86_64", PRICES, with_logs=False) + 400_000 * 0.0000166667
    assert total - free == pytest.approx(18.73, abs=0.01)


def test_aws_pricing_page_example_arm64() -> None:
    # 1,536 MB on arm64, 10 million requests of 120 ms: 1,800,000 GB-s x $0.0000133334 = $24.00
    # plus $2.00 of requests
    assert cost(10_000_000, 0.12, 1536, "arm64", PRICES, with_logs=False) == pytest.approx(26.00, abs=0.01)


def test_busy_day_is_every_slot_busy_with_invocations_to_timeout() -> None:
    # one slot, 900 s timeout, 256 MB: 96 requests and 21,600 GB-s a day, logs 2 KB each
    expected = 96 * 0.2e-6 + 86_400 * 0.25 * 0.0000166667 + 96 * 2048 / 1e9 * 0.5
    assert busy_day(1, 900, 256, "x86_64", PRICES) == pytest.approx(expected)
    assert busy_day(8, 900, 256, "x86_64", PRICES) == pytest.approx(8 * expected)


def _json(cwd: Path, monkeypatch, capsys, *args: str) -> list:
    monkeypatch.chdir(cwd)
    capsys.readouterr()
    main(["--no-cache", "--format", "json", *args])
    return json.loads(capsys.readouterr().out)


STREAM = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Orders:
    Type: AWS::Kinesis::Stream
    Properties:
      ShardCount: 4
      RetentionPeriodHours: 48
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
      StreamSpecification: {StreamViewType: NEW_IMAGE}
  Ingest:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      InlineCode: "def handler(event, context):\\n    return None\\n"
      MemorySize: 1024
      Timeout: 60
      Architectures: [arm64]
%s      Events:
        Stream:
          Type: Kinesis
          Properties:
            Stream: !GetAtt Orders.Arn
            StartingPosition: LATEST
            ParallelizationFactor: 2
  Changes:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      InlineCode: "def handler(event, context):\\n    return None\\n"
      Events:
        Stream:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt Table.StreamArn
            StartingPosition: LATEST
"""


def test_stream_impact_uses_shards_factor_retention_and_reserved_concurrency(tmp_path, monkeypatch, capsys) -> None:
    (tmp_path / "template.yaml").write_text(STREAM % "")
    found = {(f["rule"], f["function"]): f for f in _json(tmp_path, monkeypatch, capsys, "--select", "LL201")}
    imp = found[("LL201", "Ingest")]["impact"]
    assert imp["concurrency"] == 8 and imp["concurrency_basis"] == "4 shards x ParallelizationFactor 2"
    assert imp["duration_hours"] == 48 and imp["architecture"] == "arm64"
    assert imp["cost_per_day_usd"] == pytest.approx(round(busy_day(8, 60, 1024, "arm64", PRICES), 2))
    assert imp["cost_until_stopped_usd"] == pytest.approx(imp["cost_per_day_usd"] * 2, abs=0.02)
    # DynamoDB streams: the shard count is not in the template, so it is an explicit assumption
    dyn = found[("LL201", "Changes")]["impact"]
    assert dyn["concurrency"] == 4 and any("shards assumed" in a for a in dyn["assumptions"])
    (tmp_path / "template.yaml").write_text(STREAM % "      ReservedConcurrentExecutions: 5\n")
    found = {(f["rule"], f["function"]): f for f in _json(tmp_path, monkeypatch, capsys, "--select", "LL201")}
    assert found[("LL201", "Ingest")]["impact"]["concurrency"] == 5


def test_impact_settings_come_from_the_config(tmp_path, monkeypatch, capsys) -> None:
    (tmp_path / "template.yaml").write_text(STREAM % "")
    base = {f["function"]: f["impact"] for f in _json(tmp_path, monkeypatch, capsys, "--select", "LL201")}
    (tmp_path / "pyproject.toml").write_text(
        "[tool.lambda-lint.impact]\nregion-multiplier = 2.0\nshards = {Table = 10}\n")
    more = {f["function"]: f["impact"] for f in _json(tmp_path, monkeypatch, capsys, "--select", "LL201")}
    assert more["Ingest"]["cost_per_day_usd"] == pytest.approx(2 * base["Ingest"]["cost_per_day_usd"], abs=0.02)
    assert more["Changes"]["concurrency"] == 10
    (tmp_path / "pyproject.toml").write_text("[tool.lambda-lint.impact]\nprice = 1\n")
    monkeypatch.chdir(tmp_path)
    assert main(["--no-cache", "."]) == 2


def test_code_finding_gets_the_impact_of_its_function_and_shows_everywhere(tmp_path, monkeypatch, capsys) -> None:
    shutil.copytree(ROOT / "examples" / "seed-incident", tmp_path / "seed")
    data = _json(tmp_path / "seed", monkeypatch, capsys, ".")
    by_rule = {f["rule"]: f for f in data}
    assert by_rule["LL102"]["impact"]["concurrency"] == 1  # the handler's Kinesis trigger, 1 shard
    assert "impact" not in by_rule["LL208"]  # posture findings carry none
    capsys.readouterr()
    main(["--no-cache", "--format", "sarif", "."])
    sarif = json.loads(capsys.readouterr().out)
    props = [r.get("properties", {}) for r in sarif["runs"][0]["results"] if r["ruleId"] == "LL201"]
    assert props and props[0]["impact"]["cost_per_day_usd"] == by_rule["LL201"]["impact"]["cost_per_day_usd"]
    main(["--no-cache", "--sort", "impact", "."])
    lines = capsys.readouterr().out.splitlines()
    assert "[worst case: 1 concurrent for up to 168 h" in lines[0]
    main(["--explain", "LL201"])
    assert "## Worst-case impact" in capsys.readouterr().out


@pytest.mark.parametrize("line, key", [
    ("region-multiplier = nan", "region-multiplier"),
    ("log-bytes-per-invocation = inf", "log-bytes-per-invocation"),
    ("account-concurrency = 0", "account-concurrency"),
    ("default-shards = 2.5", "default-shards"),
])
def test_impact_settings_that_mean_nothing_are_errors(line, key, tmp_path, monkeypatch, capsys) -> None:
    # nan printed NaN into the JSON output (not JSON); inf dropped the impact silently
    (tmp_path / "template.yaml").write_text(STREAM % "")
    (tmp_path / "pyproject.toml").write_text(f"[tool.lambda-lint.impact]\n{line}\n")
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main(["--no-cache", "."]) == 2
    err = capsys.readouterr().err
    assert f"impact.{key}" in err and "Traceback" not in err


def test_concurrency_is_capped_by_the_account(tmp_path, monkeypatch, capsys) -> None:
    (tmp_path / "template.yaml").write_text(STREAM % "")
    (tmp_path / "pyproject.toml").write_text("[tool.lambda-lint.impact]\nshards = {Orders = 5000}\n")
    found = {f["function"]: f["impact"] for f in _json(tmp_path, monkeypatch, capsys, "--select", "LL201")}
    assert found["Ingest"]["concurrency"] == 1000
    assert found["Ingest"]["concurrency_basis"] == \
        "5000 shards x ParallelizationFactor 2, capped by the account's 1000 concurrent executions"


def test_a_template_number_that_is_not_finite_is_unknown(tmp_path, monkeypatch, capsys) -> None:
    # float("nan") parses: it printed NaN into the JSON output, which no JSON reader accepts
    text = STREAM.replace("Timeout: 60", 'Timeout: "nan"').replace("MemorySize: 1024", "MemorySize: !Ref Mem")
    (tmp_path / "template.yaml").write_text(text % "")
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    main(["--no-cache", "--format", "json", "--select", "LL201", "."])
    out = capsys.readouterr().out
    json.loads(out, parse_constant=lambda c: pytest.fail(f"{c} in the JSON output"))
    imp = {f["function"]: f["impact"] for f in json.loads(out)}["Ingest"]
    assert imp["timeout_s"] == 3.0 and "Timeout unknown: 3 s assumed" in imp["assumptions"]
    assert imp["memory_mb"] == 128 and "MemorySize unknown: 128 MB assumed" in imp["assumptions"]
