"""Unit tests of the template layer: loader positions, tags, Globals, references, the model,
and the model compared with what aws-sam-translator makes of the same SAM templates."""

from __future__ import annotations

import copy
import time
from pathlib import Path

import pytest

from lambda_lint.errors import ParseFailure, RuleFileError
from lambda_lint.findings import Reporter
from lambda_lint.iac import lint_template, load_model
from lambda_lint.iac.cloudformation.loader import Map, load
from lambda_lint.iac.ruleset import load_rule_dirs
from lambda_lint.iac.cloudformation.sniff import looks_like_template

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "template"
RULES = load_rule_dirs([ROOT / "rules"])
METAS = {r.meta.code: r.meta for r in RULES}


def lint(text: str, codes=None):
    rep = Reporter("t.yaml", METAS)
    enabled = frozenset(codes or METAS)
    model = lint_template(text.encode(), "t.yaml", enabled=enabled, reporter=rep, options={}, rules=RULES)
    return model, sorted((f.line, f.code) for f in rep.findings), rep.findings


# --- loader ------------------------------------------------------------------------------

def test_yaml_positions_of_keys_and_values() -> None:
    tree = load(b"Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Timeout: 30\n")
    res = tree["Resources"]
    assert isinstance(res, Map)
    assert res.kpos["Fn"] == (2, 3)
    props = res["Fn"]["Properties"]
    assert props.kpos["Timeout"] == (5, 7)
    assert props.vpos["Timeout"] == (5, 16)
    assert props["Timeout"] == 30


def test_json_with_tabs_keeps_positions() -> None:
    src = b'{\n\t"Resources": {\n\t\t"Fn": {\n\t\t\t"Type": "AWS::Lambda::Function"\n\t\t}\n\t}\n}\n'
    tree = load(src)
    assert tree["Resources"].kpos["Fn"] == (3, 3)
    assert tree["Resources"]["Fn"].kpos["Type"] == (4, 4)


@pytest.mark.parametrize("src, expected", [
    ("!Ref X", {"Ref": "X"}),
    ("!GetAtt A.B", {"Fn::GetAtt": ["A", "B"]}),
    ("!GetAtt A.B.C", {"Fn::GetAtt": ["A", "B.C"]}),
    ("!GetAtt [A, B]", {"Fn::GetAtt": ["A", "B"]}),
    ("!Sub 'x-${Y}'", {"Fn::Sub": "x-${Y}"}),
    ("!Sub ['${A}', {A: !Ref B}]", {"Fn::Sub": ["${A}", {"A": {"Ref": "B"}}]}),
    ("!Join ['', [a, !Ref B]]", {"Fn::Join": ["", ["a", {"Ref": "B"}]]}),
    ("!If [C, 1, !Ref AWS::NoValue]", {"Fn::If": ["C", 1, {"Ref": "AWS::NoValue"}]}),
    ("!Select [0, !GetAZs '']", {"Fn::Select": [0, {"Fn::GetAZs": ""}]}),
    ("!ImportValue shared", {"Fn::ImportValue": "shared"}),
    ("!FindInMap [M, K, V]", {"Fn::FindInMap": ["M", "K", "V"]}),
    ("!Equals [a, b]", {"Fn::Equals": ["a", "b"]}),
    ("!Condition C", {"Condition": "C"}),
    ("!Base64 abc", {"Fn::Base64": "abc"}),
    ("!Cidr [a, 6, 5]", {"Fn::Cidr": ["a", 6, 5]}),
])
def test_short_form_tags_become_long_form(src: str, expected) -> None:
    assert load(f"v: {src}\n".encode())["v"] == expected


def test_unknown_tags_are_never_constructed() -> None:
    tree = load(b"a: !!python/object/apply:os.system ['echo pwned']\nb: !Custom text\n")
    assert tree == {"a": ["echo pwned"], "b": "text"}


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 10) + "]")
    start = time.perf_counter()
    with pytest.raises(ParseFailure, match="alias"):
        load("\n".join(lines).encode())
    assert time.perf_counter() - start < 2


def test_small_aliases_are_fine() -> None:
    tree = load(b"a: &x {k: 1}\nb: *x\n")
    assert tree["b"] == {"k": 1}


@pytest.mark.parametrize("src", ["a: " + "[" * 5000 + "]" * 5000, "{a: " * 3000 + "1" + "}" * 3000])
def test_deep_nesting_is_a_parse_failure(src: str) -> None:
    with pytest.raises(ParseFailure, match="nested too deeply"):
        load(src.encode())


def test_size_limit() -> None:
    with pytest.raises(ParseFailure, match="too large"):
        load(b"a: b\n" * 2_500_000)


def test_duplicate_keys_are_rejected_with_the_line() -> None:
    with pytest.raises(ParseFailure) as info:
        load(b"Resources:\n  Fn: {Type: A}\n  Fn: {Type: B}\n")
    assert info.value.line == 3 and "duplicate key" in info.value.message


def test_invalid_yaml_and_json_give_positions() -> None:
    with pytest.raises(ParseFailure) as info:
        load(b"a: [1, 2\nb: 3\n")
    assert info.value.line >= 1
    with pytest.raises(ParseFailure) as info:
        load(b'{\n  "a": 1,\n  "b": [1, 2}\n')
    assert info.value.line == 3


def test_undecodable_bytes() -> None:
    with pytest.raises(ParseFailure, match="UTF-8"):
        load(b"a: b\nc: \xff\xfe\n")


def test_sniff() -> None:
    assert looks_like_template("AWSTemplateFormatVersion: '2010-09-09'\n")
    assert looks_like_template("Transform: AWS::Serverless-2016-10-31\n")
    assert looks_like_template('{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}')
    assert looks_like_template("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n")
    assert not looks_like_template("name: CI\non: push\njobs: {}\n")
    assert not looks_like_template('{"name": "pkg", "version": "1.0.0"}')


# --- model -------------------------------------------------------------------------------

SAM = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String, Default: prod}
  NoDefault: {Type: String}
Globals:
  Function:
    Timeout: 20
    Runtime: python3.12
    Environment:
      Variables:
        STAGE: !Ref Stage
        SHARED: g
    Layers: [arn:layer:1]
Resources:
  Queue:
    Type: AWS::SQS::Queue
  Fn:
    Type: AWS::Serverless::Function
    Metadata:
      lambda-lint:
        ignore: [LL208, LL211]
    Properties:
      Handler: app.handler
      CodeUri: src/
      Timeout: 40
      Layers: [arn:layer:2]
      Environment:
        Variables:
          QUEUE_URL: !Ref Queue
          QUEUE_ARN: !GetAtt Queue.Arn
          NAME: !Sub "${Stage}-x"
          UNKNOWN: !Ref NoDefault
          JOINED: !Join ["-", [a, !Ref Stage]]
      Events:
        Jobs:
          Type: SQS
          Properties:
            Queue: !GetAtt Queue.Arn
"""


def test_globals_merge_and_references() -> None:
    model = load_model(SAM.encode())
    fn = model.functions["Fn"]
    assert fn.props["Timeout"] == 40 and fn.props.kpos["Timeout"] == (26, 7)
    assert fn.props["Runtime"] == "python3.12" and fn.props.kpos["Runtime"] == (9, 5)
    assert fn.props["Layers"] == ["arn:layer:1", "arn:layer:2"]
    env = fn.environment
    assert env["STAGE"].value == "prod" and env["SHARED"].value == "g"
    assert env["QUEUE_URL"].is_resource and env["QUEUE_URL"].value == "Queue" and env["QUEUE_URL"].attr is None
    assert env["QUEUE_ARN"].is_resource and env["QUEUE_ARN"].attr == "Arn"
    assert env["NAME"].value == "prod-x"
    assert env["UNKNOWN"].is_unknown
    assert env["JOINED"].value == "a-prod"
    assert fn.handler == "app.handler" and fn.code_uri == "src/"
    assert model.resource_lines == {"Queue": 16, "Fn": 18}
    assert model.resource_ignores == {"Fn": frozenset({"LL208", "LL211"})}
    (trig,) = model.triggers
    assert (trig.kind, trig.trigger_class, trig.name, trig.function.logical_id) == ("sqs", "queue", "Jobs", "Fn")
    assert trig.queue is model.queues["Queue"] and (trig.line, trig.column) == (36, 9)


def test_line_contract_and_message() -> None:
    text = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  S:
    Type: AWS::Kinesis::Stream
  ForwarderFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: a.b
      Runtime: python3.12
      CodeUri: s/
      Events:
        StreamEvent:
          Type: Kinesis
          Properties:
            Stream: !GetAtt S.Arn
            StartingPosition: LATEST
            MaximumRetryAttempts: -1
            BisectBatchOnFunctionError: false
"""
    _, found, findings = lint(text, {"LL201", "LL202", "LL204"})
    assert found == [(12, "LL202"), (17, "LL201"), (18, "LL204")]
    f201 = next(f for f in findings if f.code == "LL201")
    assert f201.message == ("ForwarderFunction: Kinesis trigger StreamEvent retries a failed batch until its "
                            "records expire (24 h, the stream's default retention); set MaximumRetryAttempts (e.g. 3)")
    assert f201.resource == "ForwarderFunction" and f201.function == "ForwarderFunction"
    assert f201.anchor == "ForwarderFunction/Events/StreamEvent/MaximumRetryAttempts"
    assert f201.column == 13


def test_cfn_async_wiring_is_found() -> None:
    text = """\
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: {FunctionName: fn-name, Handler: a.b, Runtime: python3.12, Role: r, Code: {ZipFile: x}}
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      NotificationConfiguration:
        LambdaConfigurations:
          - {Event: s3:ObjectCreated:*, Function: !GetAtt Fn.Arn}
  Sub:
    Type: AWS::SNS::Subscription
    Properties: {Protocol: lambda, Endpoint: !GetAtt Fn.Arn, TopicArn: arn:aws:sns:us-east-1:1:t}
  Rule:
    Type: AWS::Events::Rule
    Properties:
      EventPattern: {source: [x]}
      Targets: [{Id: t, Arn: !Sub "${Fn.Arn}"}]
  Perm:
    Type: AWS::Lambda::Permission
    Properties: {Principal: iot.amazonaws.com, FunctionName: fn-name, Action: lambda:InvokeFunction}
  Filter:
    Type: AWS::Logs::SubscriptionFilter
    Properties: {DestinationArn: !GetAtt Fn.Arn, FilterPattern: "", LogGroupName: g}
"""
    model = load_model(text.encode())
    kinds = sorted((t.kind, t.trigger_class, t.origin) for t in model.triggers)
    assert kinds == [("eventbridge", "async", "events-rule"), ("iot", "async", "permission"),
                     ("logs", "async", "subscription-filter"), ("s3", "async", "s3-notification"),
                     ("sns", "async", "sns-subscription")]
    assert all(t.function is model.functions["Fn"] for t in model.triggers)
    assert model.functions["Fn"].inline_code == "x"


def test_alarm_dimension_forms() -> None:
    text = """\
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: {FunctionName: my-fn, Handler: a.b, Runtime: python3.12, Role: r, Code: c}
  A1:
    Type: AWS::CloudWatch::Alarm
    Properties: {Namespace: AWS/Lambda, MetricName: Errors, Dimensions: [{Name: FunctionName, Value: !Ref Fn}]}
  A2:
    Type: AWS::CloudWatch::Alarm
    Properties: {Namespace: AWS/Lambda, MetricName: Throttles, Dimensions: [{Name: FunctionName, Value: my-fn}]}
  A3:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Metrics:
        - Id: m
          MetricStat:
            Metric: {Namespace: AWS/Lambda, MetricName: IteratorAge, Dimensions: [{Name: FunctionName, Value: !Sub "${Fn}"}]}
  A4:
    Type: AWS::CloudWatch::Alarm
    Properties: {Namespace: AWS/Lambda, MetricName: Duration, Dimensions: [{Name: FunctionName, Value: other-fn}]}
"""
    model = load_model(text.encode())
    assert model.functions["Fn"].alarm_metrics == {"Errors", "Throttles", "IteratorAge"}


@pytest.mark.parametrize("body", [
    "Resources: [a, b]",
    "Resources: {X: {Type: {a: b}}}",
    "Resources: {X: {Type: AWS::Lambda::Function, Properties: [1]}}",
    "Resources: {X: {Type: AWS::Serverless::Function, Properties: {Events: [1]}}}",
    "Resources: {X: {Type: AWS::Serverless::Function, Properties: {Events: {E: {Type: SQS, Properties: 3}}}}}",
    "Resources: {X: {Type: AWS::Lambda::EventSourceMapping, Properties: {FunctionName: !GetAtt [A, B, C]}}}",
    "Resources: {X: {Type: AWS::Lambda::Function, Properties: {Environment: {Variables: {A: !Sub [x]}}}}}",
    "Globals: 3\nResources: {X: {Type: AWS::Serverless::Function}}",
    "[1, 2, 3]",
    "just text",
    "",
])
def test_broken_shapes_never_crash(body: str) -> None:
    model, found, findings = lint(body)
    assert not any(f.code == "LL002" for f in findings), findings
    for fn in model.functions.values():
        fn.environment, fn.function_name, fn.code_uri  # noqa: B018 - accessors must not raise


# --- rule files --------------------------------------------------------------------------

def test_shipped_rules() -> None:
    assert [r.meta.code for r in RULES] == [f"LL2{i:02d}" for i in range(1, 19)]
    for r in RULES:
        assert r.meta.layer == "template"
        for heading in ("## What it catches", "## Why it matters", "## Example", "## Fix", "## References"):
            assert heading in r.meta.docs, (r.meta.code, heading)
    docs = {r.meta.code: r.meta.docs for r in RULES}
    assert "-1" in docs["LL201"] and "2 retries" in docs["LL206"] and "6 hours" in docs["LL206"]
    assert "6 times" in docs["LL213"]
    # the AWS defaults each of issue 15's rules is about
    assert "`MaxAttempts` 3" in docs["LL214"] and "`IntervalSeconds` 1" in docs["LL214"]
    assert "24 hours and up to 185" in docs["LL215"] and "23 days" in docs["LL216"]
    assert "at least 5" in docs["LL217"] and "throttl" in docs["LL217"] and "Never expire" in docs["LL218"]


def _rule(tmp_path: Path, text: str) -> Path:
    d = tmp_path / "rules"
    d.mkdir(exist_ok=True)
    (d / "r.yaml").write_text(text, encoding="utf-8")
    return d


GOOD = """\
code: LL901
name: python-runtime-pinned
severity: info
summary: functions use python3.12
for: function
where: {runtime: {matches: "^python"}}
require:
  Runtime: {in: [python3.12, python3.13]}
message: "{function}: runtime {value} is old"
docs: |
  ## What it catches
  Old runtimes.
"""


def test_custom_rule_runs(tmp_path: Path) -> None:
    (rule,) = load_rule_dirs([_rule(tmp_path, GOOD)])
    rep = Reporter("t.yaml", {"LL901": rule.meta})
    text = "Resources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.8\n"
    lint_template(text.encode(), "t.yaml", enabled=frozenset({"LL901"}), reporter=rep, options={}, rules=[rule])
    assert [(f.line, f.message) for f in rep.findings] == [(5, "F: runtime python3.8 is old")]


@pytest.mark.parametrize("change, key", [
    (("severity: info", "severity: fatal"), "severity"),
    (("for: function", "for: lambda"), "for"),
    (("code: LL901", "code: X1"), "code"),
    (("docs: |", "colour: red\ndocs: |"), "colour"),
    (("Runtime: {in:", "Runtime: {among:"), "require.Runtime.among"),
    (("runtime: {matches", "runtimes: {matches"), "where.runtimes"),
    (("{function}: runtime", "{fnction}: runtime"), "message"),
    (("summary: functions use python3.12\n", ""), "summary"),
    (("Runtime: {in:", "Runtime: {not: {option: oldest}, in:"), "require"),
    (("docs: |", "options: {Bad Name: 1}\ndocs: |"), "options.Bad Name"),
    (("{function}: runtime", "{function} ({option.nope}): runtime"), "message"),
])
def test_malformed_rule_files_name_file_and_key(tmp_path: Path, change, key) -> None:
    d = _rule(tmp_path, GOOD.replace(*change))
    with pytest.raises(RuleFileError) as info:
        load_rule_dirs([d])
    assert info.value.key == key and info.value.path.endswith("r.yaml")


# --- compared with aws-sam-translator ----------------------------------------------------

SAM_FIXTURES = ["stream_sam.yaml", "async_sam.yaml", "sqs_sam.yaml", "concurrency_alarms.yaml",
                "globals_concurrency.yaml", "seed_incident_full.yaml", "recursive_loop.yaml"]


def _translate(path: Path, monkeypatch):
    transform_mod = pytest.importorskip("samtranslator.translator.transform")
    from samtranslator.translator.arn_generator import ArnGenerator
    from samtranslator.yaml_helper import yaml_parse

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setattr(ArnGenerator, "BOTO_SESSION_REGION_NAME", "us-east-1", raising=False)

    class NoManagedPolicies:
        def load(self):
            return {}

    doc = yaml_parse(path.read_text(encoding="utf-8"))
    gf = doc.get("Globals", {}).get("Function")
    if isinstance(gf, dict) and "CodeUri" in gf:
        gf["CodeUri"] = "s3://bucket/key.zip"
    for res in doc["Resources"].values():
        if res.get("Type") == "AWS::Serverless::Function":
            res.setdefault("Properties", {})["CodeUri"] = "s3://bucket/key.zip"
    return transform_mod.transform(copy.deepcopy(doc), {}, NoManagedPolicies())


def _summary(model):
    def lit(v):
        r = model.resolver.resolve(v)
        return r.value if r.is_literal else ("resource" if r.is_resource else "unknown")

    triggers = sorted({(t.function.logical_id, t.kind, t.trigger_class) for t in model.triggers
                       if t.function is not None})
    polled = sorted((
        (t.function.logical_id, t.kind,
         *(lit(t.props.get(k)) if t.props is not None and k in t.props else None
           for k in ("MaximumRetryAttempts", "MaximumRecordAgeInSeconds", "BisectBatchOnFunctionError")),
         bool(t.props is not None and isinstance(t.props.get("DestinationConfig"), dict)))
        for t in model.triggers if t.trigger_class in ("stream", "queue") and t.function is not None), key=repr)
    invoke = sorted(((ic.function, *(lit(ic.props.get(k)) if ic.props and k in ic.props else None
                                    for k in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds")))
                    for ic in model.invoke_configs), key=repr)
    functions = {fid: (lit(fn.prop("ReservedConcurrentExecutions")), fn.timeout_found().value,
                       lit(fn.prop("RecursiveLoop")) if fn.prop("RecursiveLoop") is not None else None,
                       fn.attr("dead_letter") is not None)
                 for fid, fn in model.functions.items()}
    return triggers, polled, invoke, functions


@pytest.mark.parametrize("name", SAM_FIXTURES)
def test_model_matches_sam_translator(name: str, monkeypatch) -> None:
    import json

    path = FIXTURES / name
    translated = _translate(path, monkeypatch)
    ours = _summary(load_model(path.read_bytes()))
    theirs = _summary(load_model(json.dumps(translated).encode()))
    assert ours[1] == theirs[1], "event source mappings differ"
    assert ours[2] == theirs[2], "invoke configs differ"
    assert ours[3] == theirs[3], "function settings (concurrency, timeout, RecursiveLoop, DLQ) differ"
    assert ours[0] == theirs[0], "triggers differ"


def test_documented_custom_rule_example_loads_and_runs(tmp_path: Path) -> None:
    doc = (ROOT / "docs" / "rule-language.md").read_text(encoding="utf-8")
    block = doc.split("## Example: a custom rule", 1)[1].split("```yaml\n", 1)[1].split("\n```", 1)[0]
    (rule,) = load_rule_dirs([_rule(tmp_path, block + "\n")])
    rep = Reporter("t.yaml", {rule.meta.code: rule.meta})
    text = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Q: {Type: AWS::SQS::Queue}
  F:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Big: {Type: SQS, Properties: {Queue: !GetAtt Q.Arn, BatchSize: 50}}
        Small: {Type: SQS, Properties: {Queue: !GetAtt Q.Arn, BatchSize: 5}}
"""
    lint_template(text.encode(), "t.yaml", enabled=frozenset({rule.meta.code}), reporter=rep, options={},
                  rules=[rule])
    assert [(f.line, f.message.split(";")[0]) for f in rep.findings] == [
        (8, "F: SQS trigger Big reads batches of 50 without a batching window")]


def test_rule_options_default_and_override(tmp_path: Path) -> None:
    text = GOOD.replace("Runtime: {in: [python3.12, python3.13]}", "Runtime: {equals: {option: pinned}}")
    text = text.replace("docs: |", "options: {pinned: python3.12}\ndocs: |")
    text = text.replace("is old", "is not {option.pinned}")
    (rule,) = load_rule_dirs([_rule(tmp_path, text)])
    assert rule.meta.options == (("pinned", "python3.12"),)
    tpl = b"Resources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.13\n"

    def run(options):
        rep = Reporter("t.yaml", {"LL901": rule.meta})
        lint_template(tpl, "t.yaml", enabled=frozenset({"LL901"}), reporter=rep, options=options, rules=[rule])
        return [f.message for f in rep.findings]

    assert run({}) == ["F: runtime python3.13 is not python3.12"]
    assert run({"LL901": {"pinned": "python3.13"}}) == []
