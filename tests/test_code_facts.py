"""The code facts the project layer relies on (schema in lambda_lint/code/facts.py)."""

from __future__ import annotations

import json
import textwrap

from lambda_lint.code import lint_python
from lambda_lint.findings import Reporter


def facts(src: str, path: str = "app.py", handler_names=None) -> dict:
    out = lint_python(textwrap.dedent(src).encode(), path, enabled=frozenset(), reporter=Reporter(path, {}),
                      options={}, handler_names=handler_names)
    json.dumps(out)  # JSON-serialisable, always
    return out


def calls(src: str, **kw) -> list:
    return facts(src, **kw)["boto3_calls"]


def fn(f: dict, name: str) -> dict:
    return next(x for x in f["functions"] if x["name"] == name)


def test_s3_record_bucket_and_prefixed_key():
    c = calls('''
        import boto3
        s3 = boto3.client("s3")
        def handler(event, context):
            for record in event["Records"]:
                bucket = record["s3"]["bucket"]["name"]
                s3.put_object(Bucket=bucket, Key=f"thumbs/{record['s3']['object']['key']}", Body=b"")
    ''')
    assert len(c) == 1
    call = c[0]
    assert (call["service"], call["operation"], call["function"], call["line"], call["column"]) == \
        ("s3", "put_object", "handler", 7, 9)
    assert call["targets"]["Bucket"] == {"kind": "event", "path": ["Records", "*", "s3", "bucket", "name"]}
    assert call["targets"]["Key"]["kind"] == "format"
    assert call["key_prefix"] == "thumbs/"


def test_env_origins_through_module_constants_and_locals():
    c = calls('''
        import os
        import boto3 as b
        QUEUE = os.environ["QUEUE_URL"]
        TOPIC = os.getenv("TOPIC_ARN")
        sqs = b.client("sqs")
        def handler(event, context):
            table_name = os.environ.get("TABLE", "t")
            sqs.send_message(QueueUrl=QUEUE, MessageBody="x")
            b.client("sns").publish(TopicArn=TOPIC, Message="x")
            b.resource("dynamodb").Table(table_name).put_item(Item={})
    ''')
    by_op = {x["operation"]: x for x in c}
    assert by_op["send_message"]["targets"]["QueueUrl"] == {"kind": "env", "name": "QUEUE_URL"}
    assert by_op["publish"]["service"] == "sns"
    assert by_op["publish"]["targets"]["TopicArn"] == {"kind": "env", "name": "TOPIC_ARN"}
    put = by_op["put_item"]
    assert (put["service"], put["rtype"]) == ("dynamodb", "Table")
    assert put["targets"]["TableName"]["kind"] == "env" and put["targets"]["TableName"]["name"] == "TABLE"


def test_sessions_from_imports_and_resource_objects():
    c = calls('''
        from boto3 import client, Session
        import boto3.session
        session = boto3.session.Session()
        def handler(event, context):
            s3 = session.resource("s3")
            s3.Bucket("out-bucket").put_object(Key="a/b", Body=b"")
            s3.Object("other", "k/1").put(Body=b"")
            Session().client("kinesis").put_record(StreamName="s", Data=b"", PartitionKey="p")
            client("stepfunctions").start_execution(stateMachineArn="arn:sm", input="{}")
    ''')
    by_op = {x["operation"]: x for x in c}
    assert by_op["put_object"]["targets"] == {"Bucket": {"kind": "literal", "value": "out-bucket"},
                                              "Key": {"kind": "literal", "value": "a/b"}}
    assert by_op["put_object"]["key_prefix"] == "a/b"
    assert by_op["put"]["targets"]["Key"] == {"kind": "literal", "value": "k/1"}
    assert by_op["put_record"]["service"] == "kinesis"
    assert by_op["start_execution"]["targets"]["stateMachineArn"]["value"] == "arn:sm"


def test_context_and_put_events_entries_and_positional_upload():
    c = calls('''
        import boto3
        events = boto3.client("events")
        lam = boto3.client("lambda")
        s3 = boto3.client("s3")
        def handler(event, context):
            lam.invoke(FunctionName=context.function_name)
            events.put_events(Entries=[{"EventBusName": "bus", "Source": "app", "DetailType": "Done"}])
            s3.upload_file("/tmp/f", event["bucket"], "k")
    ''')
    by_op = {x["operation"]: x for x in c}
    assert by_op["invoke"]["targets"]["FunctionName"] == {"kind": "context", "attr": "function_name"}
    assert by_op["put_events"]["entries"] == [{"EventBusName": {"kind": "literal", "value": "bus"},
                                               "Source": {"kind": "literal", "value": "app"},
                                               "DetailType": {"kind": "literal", "value": "Done"}}]
    assert by_op["upload_file"]["targets"]["Bucket"] == {"kind": "event", "path": ["bucket"]}


def test_helper_params_are_reported_as_param_origins():
    f = facts('''
        import boto3
        s3 = boto3.client("s3")
        def save(bucket, key):
            s3.put_object(Bucket=bucket, Key=key)
        def handler(event, context):
            save(event["b"], "k")
    ''')
    call = f["boto3_calls"][0]
    assert call["function"] == "save"
    assert call["targets"]["Bucket"] == {"kind": "param", "function": "save", "name": "bucket", "index": 0,
                                         "path": []}
    assert "save" in fn(f, "handler")["calls"]


def test_no_boto3_no_calls_and_non_boto_objects_ignored():
    f = facts('''
        import requests
        def handler(event, context):
            requests.Session().put("u")
    ''')
    assert f["boto3_calls"] == [] and f["has_boto3"] is False


def test_handler_detection():
    src = '''
        from aws_lambda_powertools.utilities.typing import LambdaContext
        def handler(event, context): ...
        def typed(payload: dict, ctx: LambdaContext): ...
        def helper(x, y): ...
        class K:
            def handler(self, event, context): ...
    '''
    assert facts(src)["handlers"] == ["handler", "typed"]
    assert facts(src, handler_names=frozenset({"helper"}))["handlers"] == ["helper"]


def test_function_lines_params_and_import_map():
    f = facts('''
        import utils
        from .lib import store as st

        @decorate
        def handler(event, context):
            utils.work(event)
            st(event)

        async def other(a, b=1):
            pass
    ''')
    h = fn(f, "handler")
    assert (h["line"], h["params"], h["decorators"]) == (6, ["event", "context"], ["decorate"])
    assert set(h["calls"]) >= {"utils.work", ".lib.store"}
    assert fn(f, "other")["line"] == 10
    assert f["imports"]["st"] == ".lib.store"
    assert f["module"] == "app"


def test_batch_item_failures_dict_literal():
    f = facts('''
        def handler(event, context):
            failures = []
            for record in event.get("Records", []):
                try:
                    work(record)
                except Exception:
                    failures.append({"itemIdentifier": record["messageId"]})
            return {"batchItemFailures": failures}
    ''')
    h = fn(f, "handler")
    assert h["returns_batch_item_failures"] and h["iterates_records"] and not h["first_record_only"]


def test_powertools_batch_counts_as_reporting():
    f = facts('''
        from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
        processor = BatchProcessor(event_type=EventType.SQS)
        def handler(event, context):
            return process_partial_response(event=event, record_handler=work, processor=processor, context=context)
    ''')
    h = fn(f, "handler")
    assert h["powertools_batch"] and h["returns_batch_item_failures"]


def test_first_record_only_and_no_batch_failures():
    f = facts('''
        import json
        def handler(event, context):
            body = json.loads(event["Records"][0]["body"])
            return body
    ''')
    h = fn(f, "handler")
    assert h["reads_first_record"] and h["first_record_only"] and not h["returns_batch_item_failures"]


def test_catch_all_position_and_http_error():
    f = facts('''
        import logging
        def handler(event, context):
            try:
                return work(event)
            except Exception:
                logging.exception("boom")
                return {"statusCode": 500}
        def quiet(event, context):
            try:
                work(event)
            except Exception as exc:
                print(exc)
        def loud(event, context):
            try:
                work(event)
            except Exception:
                raise
    ''')
    assert fn(f, "handler")["catch_all"] == {"line": 6, "column": 5, "returns_http_error": True}
    assert fn(f, "quiet")["catch_all"] == {"line": 12, "column": 5, "returns_http_error": False}
    assert fn(f, "loud")["catch_all"] is None


def test_clients_listed():
    f = facts('''
        import boto3
        s3 = boto3.client("s3")
        def handler(event, context):
            table = boto3.resource("dynamodb").Table("t")
    ''')
    kinds = {(c["name"], c["type"], c["service"], c["function"]) for c in f["boto3_clients"]}
    assert kinds == {("s3", "client", "s3", None), ("table", "resobj", "dynamodb", "handler")}
