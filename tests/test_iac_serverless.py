"""Serverless Framework front-end: sniffing, variables, and the lowering into the one model
(Framework names, positions in serverless.yml). Rule behaviour is in the annotated fixtures
under tests/fixtures/project/sls_*; the seed incident in examples/seed-incident-serverless."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lambda_lint.iac.serverless import lower, sniff
from lambda_lint.iac import load_model

ROOT = Path(__file__).resolve().parent.parent


def lowered(tmp_path: Path, text: str, name: str = "serverless.yml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return lower(path.read_bytes(), str(path))


@pytest.mark.parametrize("name,text,expected", [
    ("serverless.yml", "service: a\nprovider:\n  name: aws\n", True),
    ("serverless.yaml", "service: a\nfunctions:\n  f:\n    handler: h.h\n", True),
    ("serverless.yml", "service: a\n", False),  # no functions, no provider
    ("other.yml", "service: a\nprovider:\n  name: aws\n", False),  # the Framework reads only its own name
    ("serverless.yml", "version: 3\nservices:\n  web: {}\n", False),
])
def test_sniff(name: str, text: str, expected: bool) -> None:
    assert sniff(name, text.encode()) is expected


SERVICE = """\
service: orders
custom:
  stages:
    dev: {timeout: 20}
  queueName: orders-${sls:stage}
provider:
  name: aws
  runtime: python3.12
  stage: ${opt:stage, 'dev'}
  environment:
    QUEUE: ${self:custom.queueName}
    REGION_TEXT: "region ${aws:region}"
    HOME_URL: ${env:HOME_URL, 'https://example.com'}
    SUB: !Sub "arn:${AWS::Partition}:sqs:${AWS::Region}"
functions:
  worker-fn:
    handler: src/app.handler
    timeout: ${self:custom.stages.${sls:stage}.timeout}
    reservedConcurrency: ${file(./limits.json):worker}
    events:
      - sqs:
          arn: !GetAtt OrdersQueue.Arn
resources:
  Resources:
    OrdersQueue:
      Type: AWS::SQS::Queue
      Properties:
        QueueName: ${self:custom.queueName}
    WorkerDashfnLambdaFunction:
      Properties:
        MemorySize: 512
"""


def test_variables_and_framework_names(tmp_path: Path) -> None:
    (tmp_path / "limits.json").write_text(json.dumps({"worker": 7}), encoding="utf-8")
    tree = lowered(tmp_path, SERVICE)
    res = tree["Resources"]
    fn = res["WorkerDashfnLambdaFunction"]  # getNormalizedFunctionName: '-' -> 'Dash'
    props = fn["Properties"]
    assert fn["Type"] == "AWS::Lambda::Function"
    assert props["Timeout"] == 20  # nested variable, the type kept
    assert props["ReservedConcurrentExecutions"] == 7  # ${file(...)} of a local JSON
    assert props["MemorySize"] == 512  # resources.Resources extends the generated function
    assert props["FunctionName"] == "orders-dev-worker-fn"
    env = props["Environment"]["Variables"]
    assert env["QUEUE"] == "orders-dev"
    assert env["HOME_URL"] == "https://example.com"
    assert env["REGION_TEXT"] == {"Fn::ImportValue": "serverless variable region ${aws:region}"}
    assert env["SUB"] == {"Fn::Sub": "arn:${AWS::Partition}:sqs:${AWS::Region}"}  # CloudFormation's own
    assert res["OrdersQueue"]["Properties"]["QueueName"] == "orders-dev"
    esm = [k for k, v in res.items() if v["Type"] == "AWS::Lambda::EventSourceMapping"]
    assert esm == ["WorkerDashfnEventSourceMappingSQSOrdersQueue"]


def test_positions_point_into_serverless_yml(tmp_path: Path) -> None:
    (tmp_path / "limits.json").write_text("{}", encoding="utf-8")
    tree = lowered(tmp_path, SERVICE)
    res = tree["Resources"]
    lines = SERVICE.splitlines()
    fn_line = res.kpos["WorkerDashfnLambdaFunction"][0]
    assert lines[fn_line - 1].strip() == "worker-fn:"  # something missing: the function's key
    props = res["WorkerDashfnLambdaFunction"]["Properties"]
    assert lines[props.kpos["Timeout"][0] - 1].strip().startswith("timeout:")  # a bad value: its key
    esm_line = res.kpos["WorkerDashfnEventSourceMappingSQSOrdersQueue"][0]
    assert lines[esm_line - 1].strip() == "- sqs:"  # the event's entry


def test_stage_option_default_and_provider_stage(tmp_path: Path) -> None:
    text = "service: s\nprovider:\n  name: aws\n  stage: prod\nfunctions:\n  f:\n    handler: a.h\n    name: ${self:service}-${sls:stage}-x\n"
    props = lowered(tmp_path, text)["Resources"]["FLambdaFunction"]["Properties"]
    assert props["FunctionName"] == "s-prod-x"


def test_unknown_values_resolve_as_unknown_in_the_model(tmp_path: Path) -> None:
    text = ("service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  f:\n    handler: a.h\n"
            "    timeout: ${ssm:/timeout}\n    reservedConcurrency: ${param:limit}\n")
    path = tmp_path / "serverless.yml"
    path.write_text(text, encoding="utf-8")
    model = load_model(path.read_bytes(), str(path))
    fn = model.functions["FLambdaFunction"]
    assert model.resolver.resolve(fn.prop("Timeout")).is_unknown
    assert model.resolver.resolve(fn.prop("ReservedConcurrentExecutions")).is_unknown


def test_self_reference_loops_do_not_hang(tmp_path: Path) -> None:
    text = "service: s\ncustom:\n  a: ${self:custom.b}\n  b: ${self:custom.a}\nprovider:\n  name: aws\n" \
           "functions:\n  f:\n    handler: a.h\n    timeout: ${self:custom.a}\n"
    props = lowered(tmp_path, text)["Resources"]["FLambdaFunction"]["Properties"]
    assert isinstance(props["Timeout"], dict)  # unknown, not a crash


def test_event_sources_lower_to_cloudformation(tmp_path: Path) -> None:
    text = """\
service: s
provider: {name: aws, runtime: python3.12}
functions:
  f:
    handler: a.h
    maximumRetryAttempts: 0
    destinations: {onFailure: arn:aws:sqs:eu-west-1:1:dlq}
    events:
      - s3: {bucket: uploads, event: "s3:ObjectCreated:*", rules: [{prefix: in/}, {suffix: .jpg}]}
      - sns: {topicName: alerts, redrivePolicy: {deadLetterTargetRef: AlertsDlq}}
      - eventBridge: {pattern: {source: [app]}, retryPolicy: {maximumRetryAttempts: 1}}
      - schedule: rate(5 minutes)
      - httpApi: {path: /x, method: get}
      - stream: arn:aws:dynamodb:eu-west-1:1:table/t/stream/2024
"""
    res = lowered(tmp_path, text)["Resources"]
    types = {k: v["Type"] for k, v in res.items()}
    assert types["S3BucketUploads"] == "AWS::S3::Bucket"
    lc = res["S3BucketUploads"]["Properties"]["NotificationConfiguration"]["LambdaConfigurations"][0]
    assert lc["Filter"]["S3Key"]["Rules"] == [{"Name": "prefix", "Value": "in/"}, {"Name": "suffix", "Value": ".jpg"}]
    assert types["SNSTopicAlerts"] == "AWS::SNS::Topic"
    sub = res["FSnsSubscriptionAlerts"]["Properties"]
    assert sub["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["AlertsDlq", "Arn"]}
    assert types["FEventBridgeRule3"] == "AWS::Events::Rule"
    assert types["FEventsRuleSchedule4"] == "AWS::Events::Rule"
    assert types["FLambdaPermissionHttpApi5"] == "AWS::Lambda::Permission"
    assert types["FEventSourceMappingDynamodbStreamsT"] == "AWS::Lambda::EventSourceMapping"
    evconf = res["FLambdaEvConf"]["Properties"]
    assert evconf["MaximumRetryAttempts"] == 0
    assert evconf["DestinationConfig"]["OnFailure"]["Destination"] == "arn:aws:sqs:eu-west-1:1:dlq"


def test_broken_shapes_never_raise(tmp_path: Path) -> None:
    for text in ("service: s\nprovider: 3\nfunctions: [1, 2]\n", "service: s\nfunctions:\n  f: 3\n",
                 "service: s\nprovider: {name: aws}\nfunctions:\n  f:\n    events: {sqs: x}\n",
                 "service: s\nprovider: {name: aws}\nfunctions:\n  f:\n    events: [{sqs: null}, 3, {stream: {}}]\n",
                 "- just\n- a list\n"):
        path = tmp_path / "serverless.yml"
        path.write_text(text, encoding="utf-8")
        load_model(path.read_bytes(), str(path))


def test_seed_incident_serverless_matches_the_sam_seed(capsys, monkeypatch) -> None:
    from lambda_lint.cli import main

    monkeypatch.chdir(ROOT / "examples")
    codes = {}
    for name in ("seed-incident", "seed-incident-serverless"):
        main(["--no-cache", "--format", "json", name])
        codes[name] = sorted(f["rule"] for f in json.loads(capsys.readouterr().out))
    assert codes["seed-incident"] == codes["seed-incident-serverless"]
    assert "LL201" in codes["seed-incident"] and "LL102" in codes["seed-incident"]


def test_file_variables_are_not_cached_by_the_service_bytes_alone(tmp_path: Path, capsys, monkeypatch) -> None:
    from lambda_lint.cli import main

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(event, context):\n    return 1\n", encoding="utf-8")
    (tmp_path / "serverless.yml").write_text(
        "service: s\nprovider: {name: aws, runtime: python3.12}\nfunctions:\n  f:\n    handler: src/app.handler\n"
        "    events:\n      - stream:\n          arn: arn:aws:kinesis:eu-west-1:1:stream/s\n"
        "          maximumRetryAttempts: ${file(./limits.yml):retries}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    runs = []
    for limit in ("retries: 3\n", "retries: -1\n"):
        (tmp_path / "limits.yml").write_text(limit, encoding="utf-8")
        main(["--format", "json", "--select", "LL201", "."])  # with the cache
        runs.append(len(json.loads(capsys.readouterr().out)))
    assert runs == [0, 1]


def test_structures_from_other_files_point_at_the_variable(tmp_path: Path) -> None:
    (tmp_path / "functions.yml").write_text(
        "\n\n\n\n\n\n\n\n\n\nworker:\n  handler: a.h\n  timeout: 30\n", encoding="utf-8")
    text = "service: s\nprovider:\n  name: aws\nfunctions: ${file(./functions.yml)}\n"
    res = lowered(tmp_path, text)["Resources"]
    assert res.kpos["WorkerLambdaFunction"] == (4, 12)  # the ${file(...)} value, not functions.yml line 11
    assert res["WorkerLambdaFunction"]["Properties"].kpos["Timeout"] == (4, 12)
