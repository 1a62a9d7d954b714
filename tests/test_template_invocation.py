"""Issue 14: invocation semantics, posture scope, Fn::If scenarios, ForEach, messages.

The fixtures (tests/fixtures/template/issue14/) check where findings appear; these check what
the messages say, the settings' plumbing (config file, command line, cache) and the model
pieces the fixtures only see from outside.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lambda_lint.config import Config, load_config
from lambda_lint.errors import ConfigError
from lambda_lint.findings import Reporter
from lambda_lint.iac import lint_template, load_model
from lambda_lint.iac.ruleset import load_rule_dirs

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "template" / "issue14"
RULES = load_rule_dirs([ROOT / "rules"])
METAS = {r.meta.code: r.meta for r in RULES}


def lint(text: str, codes=None, settings=None):
    rep = Reporter("t.yaml", METAS)
    lint_template(text.encode(), "t.yaml", enabled=frozenset(codes or METAS), reporter=rep, options={},
                  rules=RULES, settings=settings)
    return rep.findings


def messages(text: str, code: str, settings=None):
    return [f.message for f in lint(text, [code], settings) if f.code == code]


SAM = """\
Transform: AWS::Serverless-2016-10-31
Resources:
"""


# --- messages ------------------------------------------------------------------------------

def test_no_internal_names_in_any_message_of_the_fixtures() -> None:
    import re

    bad = ("invoke_config", "dead_letter", "alarm_metrics", "trigger_kinds", "_setting", "(?)")
    placeholder = re.compile(r"(?<!\$)\{[a-z_.]+\}")
    for path in sorted(FIXTURES.iterdir()):
        if path.suffix not in (".yaml", ".json"):
            continue
        for settings in (None, {"posture_scope": "all"}):
            rep = Reporter(str(path), METAS)
            lint_template(path.read_bytes(), str(path), enabled=frozenset(METAS), reporter=rep, options={},
                          rules=RULES, settings=settings)
            for f in rep.findings:
                assert not any(b in f.message for b in bad), (path.name, f.message)
                assert not placeholder.search(f.message), (path.name, f.message)


def test_ll206_lists_only_the_async_trigger_kinds_and_the_setting_as_written() -> None:
    msg, = messages(SAM + """\
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      EventInvokeConfig: {MaximumRetryAttempts: 1}
      Events:
        Get: {Type: Api, Properties: {Path: /, Method: get}}
        Note: {Type: SNS, Properties: {Topic: arn:aws:sns:us-east-1:1:t}}
        Up: {Type: S3, Properties: {Bucket: b, Events: s3:ObjectCreated:*}}
""", "LL206")
    assert "(S3, SNS)" in msg and "API" not in msg
    assert "without EventInvokeConfig.MaximumEventAgeInSeconds" in msg
    assert "(21600 s = 6 h)" in msg and "retries twice" not in msg


def test_ll201_names_the_stream_retention() -> None:
    text = SAM + """\
  S:
    Type: AWS::Kinesis::Stream
    Properties: {RetentionPeriodHours: 48}
  T:
    Type: AWS::DynamoDB::Table
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        K: {Type: Kinesis, Properties: {Stream: !GetAtt S.Arn, StartingPosition: LATEST}}
        D: {Type: DynamoDB, Properties: {Stream: !GetAtt T.StreamArn, StartingPosition: LATEST}}
        X: {Type: Kinesis, Properties: {Stream: !ImportValue other, StartingPosition: LATEST}}
"""
    got = sorted(messages(text, "LL201"))
    assert any("(48 h, the stream's RetentionPeriodHours)" in m for m in got)
    assert any("(24 h, DynamoDB Streams' retention)" in m for m in got)
    assert any("(24 h by default, up to 365 days)" in m for m in got)


def test_ll205_names_the_queue_retention() -> None:
    text = SAM + """\
  Q:
    Type: AWS::SQS::Queue
    Properties: {MessageRetentionPeriod: 1209600}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        J: {Type: SQS, Properties: {Queue: !GetAtt Q.Arn}}
"""
    msg, = messages(text, "LL205")
    assert "(14 days, its MessageRetentionPeriod)" in msg


def test_condition_is_named_and_only_when_one_branch_fails() -> None:
    base = """\
Parameters:
  Env: {Type: String}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  S:
    Type: AWS::Kinesis::Stream
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Handler: a.b, Runtime: python3.12, Role: r, Code: {ZipFile: x}}
  M:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: !Ref Fn
      EventSourceArn: !GetAtt S.Arn
      StartingPosition: LATEST
      MaximumRetryAttempts: VALUE
"""
    msg, = messages(base.replace("VALUE", "!If [IsProd, 3, -1]"), "LL201")
    assert msg.startswith("Fn: when `IsProd` is false, Kinesis trigger M retries")
    msg, = messages(base.replace("VALUE", "!If [IsProd, -1, 3]"), "LL201")
    assert "when `IsProd` is true" in msg
    # bad in both branches: a plain finding
    msg, = messages(base.replace("VALUE", "!If [IsProd, -1, -1]"), "LL201")
    assert "when" not in msg
    assert messages(base.replace("VALUE", "!If [IsProd, 3, 1]"), "LL201") == []


def test_parameter_default_decides_the_condition() -> None:
    text = """\
Parameters:
  Env: {Type: String, Default: dev}
Conditions:
  IsDev: !Equals [!Ref Env, dev]
  NotDev: !Not [!Condition IsDev]
  Both: !And [!Condition IsDev, !Equals [a, a]]
  Either: !Or [!Condition NotDev, !Equals [a, b]]
Resources: {}
"""
    model = load_model(text.encode())
    conds = model.resolver.conditions
    assert conds.value("IsDev") is True
    assert conds.value("NotDev") is False
    assert conds.value("Both") is True
    assert conds.value("Either") is False
    assert conds.value("Undefined") is None


# --- settings: config file, command line, cache ----------------------------------------------

def test_posture_scope_and_external_alarms_in_config(tmp_path: Path) -> None:
    cfg = tmp_path / "pyproject.toml"
    cfg.write_text('[tool.lambda-lint]\nposture-scope = "all"\nexternal-alarms = true\n', encoding="utf-8")
    config = load_config(config_file=None, search_from=tmp_path, cli={})
    assert config.template_settings == {"posture_scope": "all", "external_alarms": True}
    config = load_config(config_file=None, search_from=tmp_path, cli={"posture_scope": "runaway"})
    assert config.posture_scope == "runaway"


@pytest.mark.parametrize("toml, needle", [
    ('[tool.lambda-lint]\nposture-scope = "everything"\n', "posture-scope"),
    ('[tool.lambda-lint]\nexternal-alarms = "yes"\n', "external-alarms"),
])
def test_bad_settings_are_config_errors(tmp_path: Path, toml: str, needle: str) -> None:
    (tmp_path / "pyproject.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError, match=needle):
        load_config(config_file=None, search_from=tmp_path, cli={})


def test_command_line_flags(tmp_path: Path) -> None:
    tpl = tmp_path / "template.yaml"
    tpl.write_text(SAM + "  Fn:\n    Type: AWS::Serverless::Function\n"
                   "    Properties: {Handler: a.b, Runtime: python3.12, CodeUri: .}\n", encoding="utf-8")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "lambda_lint", "--no-cache", "--select", "LL208,LL209",
                               *args, str(tpl)], capture_output=True, text=True, cwd=tmp_path, timeout=120)

    assert run().returncode == 0  # no trigger: out of the default scope
    out = run("--posture-scope", "all").stdout
    assert "LL208" in out and "LL209" in out
    out = run("--posture-scope", "all", "--external-alarms").stdout
    assert "LL208" in out and "LL209" not in out
    bad = run("--posture-scope", "some")
    assert bad.returncode == 2 and "--posture-scope" in bad.stderr


def test_cache_salt_depends_on_the_settings(tmp_path: Path) -> None:
    from lambda_lint.run.cache import ResultCache

    salts = {ResultCache.for_config(Config(cache_dir=tmp_path, **kw)).salt for kw in
             ({}, {"posture_scope": "all"}, {"external_alarms": True})}
    assert len(salts) == 3


# --- model pieces ----------------------------------------------------------------------------

def test_foreach_with_an_unreadable_collection_is_checked_once() -> None:
    model = load_model(b"""\
Transform: AWS::LanguageExtensions
Parameters:
  Names: {Type: CommaDelimitedList}
Resources:
  Fn::ForEach::Queues:
    - Name
    - !Ref Names
    - Queue${Name}:
        Type: AWS::SQS::Queue
""")
    assert list(model.queues) == ["Queue${Name}"]


def test_foreach_expands_keys_refs_and_subs() -> None:
    model = load_model(b"""\
Transform: AWS::LanguageExtensions
Resources:
  Fn::ForEach::Topics:
    - Name
    - [orders, pay-ments]
    - Fn&{Name}:
        Type: AWS::Lambda::Function
        Properties:
          FunctionName: !Sub "fn-${Name}"
          Description: !Ref Name
""")
    assert sorted(model.functions) == ["Fnorders", "Fnpayments"]
    fn = model.functions["Fnpayments"]
    assert fn.function_name.value == "fn-pay-ments"
    assert fn.prop("Description") == "pay-ments"


def test_deploy_time_only_and_async_kinds() -> None:
    model = load_model((SAM + """\
  Fn:
    Type: AWS::Serverless::Function
  Run:
    Type: Custom::Run
    Properties: {ServiceToken: !GetAtt Fn.Arn}
""").encode())
    fn = model.functions["Fn"]
    assert fn.attr("deploy_time_only") is True
    assert fn.attr("in_posture_scope") is False
    assert fn.attr("custom_resources") == ["Run"]


def test_alarm_on_the_arn_is_named_in_the_finding() -> None:
    msg, = messages("""\
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Handler: a.b, Runtime: python3.12, Role: r, Code: {ZipFile: x}}
  Perm:
    Type: AWS::Lambda::Permission
    Properties: {Action: lambda:InvokeFunction, FunctionName: !Ref Fn, Principal: s3.amazonaws.com}
  FnErrors:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: AWS/Lambda
      MetricName: Errors
      Dimensions: [{Name: FunctionName, Value: !GetAtt Fn.Arn}]
""", "LL209")
    assert "(alarm FnErrors gives FunctionName as its ARN, which matches no metric)" in msg
