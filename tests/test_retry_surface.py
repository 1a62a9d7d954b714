"""Unit tests of issue 15's model additions: state machine definitions and their positions,
the worst-case retry arithmetic, log-group matching, the posture scope, and findings
reported in a local definition file (suppressions, cache). Rule behaviour end to end lives in
the fixtures (tests/fixtures/template/sfn_*, delivery_*, max_receive_*, log_retention_*)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from lambda_lint.config import Config
from lambda_lint.run.engine import Session, run
from lambda_lint.findings import Reporter
from lambda_lint.report import render
from lambda_lint.iac import lint_template, load_model
from lambda_lint.iac.ruleset import load_rule_dirs
from lambda_lint.iac.statemachine import retriers, retry_time, state_machines

ROOT = Path(__file__).resolve().parent.parent
RULES = load_rule_dirs([ROOT / "rules"])
METAS = {r.meta.code: r.meta for r in RULES}

FN = """\
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/r
      Timeout: 900
      Code: {ZipFile: "def handler(e, c): pass"}
"""


def model_of(text: str, path: str = "t.yaml"):
    m = load_model(text.encode(), path)
    m.path, m.text = path, text.encode()
    return m


def lint(text: str, codes, options=None, path: str = "t.yaml"):
    rep = Reporter(path, METAS)
    lint_template(text.encode(), path, enabled=frozenset(codes), reporter=rep, options=options or {}, rules=RULES)
    return rep.findings


# --- the arithmetic ----------------------------------------------------------------------

def test_retry_time_defaults_backoff_and_cap() -> None:
    # AWS defaults: 3 retries, 1 s, x2: waits 1 + 2 + 4
    assert retry_time(3, 1, 2.0, None, 0) == 7
    assert retry_time(3, 1, 2.0, None, 900) == 3 * 900 + 7
    # MaxDelaySeconds caps every wait: 1, 2, 4, 5, 5
    assert retry_time(5, 1, 2.0, 5, 0) == 17
    # BackoffRate 1: constant waits, no loop over a huge MaxAttempts
    assert retry_time(99999999, 10, 1.0, None, 0) == 999999990
    # a huge geometric series stops early, still huge
    assert retry_time(99999999, 1, 2.0, None, 0) > 1e12
    assert retry_time(0, 1, 2.0, None, 900) == 0


# --- definitions and positions -----------------------------------------------------------

BLOCK = """\
Resources:
""" + FN + """\
  Machine:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: arn:aws:iam::123456789012:role/sfn
      DefinitionString: !Sub |
        {
          "StartAt": "Work",
          "States": {
            "Work": {
              "Type": "Task",
              "Resource": "${Worker.Arn}",
              "Retry": [
                {"ErrorEquals": ["States.ALL"], "MaxAttempts": 9}
              ],
              "End": true
            }
          }
        }
"""


def test_block_scalar_definition_maps_lines_one_to_one() -> None:
    m = model_of(BLOCK)
    [r] = retriers(m)
    lines = BLOCK.splitlines()
    assert '"MaxAttempts": 9' in lines[r.line - 1]
    assert r.function is not None and r.function.logical_id == "Worker"
    [f] = lint(BLOCK, {"LL214"})
    assert f.line == r.line and lines[f.line - 1][f.column - 1:].startswith('"MaxAttempts"')


def test_definition_forms_and_function_references() -> None:
    text = """\
Transform: AWS::Serverless-2016-10-31
Resources:
""" + FN + """\
  Sam:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionSubstitutions: {Fn: !GetAtt Worker.Arn}
      Definition:
        StartAt: A
        States:
          A: {Type: Task, Resource: "${Fn}", Retry: [{ErrorEquals: [States.ALL]}], End: true}
  Joined:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      DefinitionString: !Join ["", ['{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "',
                                    !GetAtt Worker.Arn, '", "Retry": [{"ErrorEquals": ["X"]}], "End": true}}}']]
  ByName:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      Definition:
        StartAt: A
        States:
          A:
            Type: Task
            Resource: arn:aws:states:::lambda:invoke.waitForTaskToken
            Parameters: {FunctionName: !Sub "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:${Worker}"}
            Retry: [{ErrorEquals: [States.ALL]}]
            End: true
  NotLambda:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      Definition:
        StartAt: A
        States:
          A: {Type: Task, Resource: "arn:aws:states:::dynamodb:putItem", Retry: [{ErrorEquals: [States.ALL]}], End: true}
  Unreadable:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      DefinitionString: "{not json"
  Remote:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionUri: {Bucket: b, Key: k}
"""
    m = model_of(text)
    found = {sm.logical_id: sm for sm in state_machines(m)}
    assert [r.function.logical_id for r in found["Sam"].retriers] == ["Worker"]
    assert [r.function.logical_id for r in found["Joined"].retriers] == ["Worker"]
    assert [r.function.logical_id for r in found["ByName"].retriers] == ["Worker"]
    assert found["NotLambda"].retriers == [] and found["NotLambda"].lambda_tasks == 0
    assert found["Unreadable"].definition is None and found["Remote"].definition is None
    # a Join is one line of JSON: positions go to the item the text came from
    [r] = found["Joined"].retriers
    assert '"Retry"' in text.splitlines()[r.line - 1]


def test_unknown_numbers_are_never_a_finding() -> None:
    text = BLOCK.replace('"MaxAttempts": 9', '"MaxAttempts": "${Attempts}"')
    assert lint(text, {"LL214"}) == []


def test_options_widen_and_narrow_ll214() -> None:
    assert lint(BLOCK, {"LL214"}, {"LL214": {"max-attempts": 10, "max-retry-hours": 24}}) == []
    tight = BLOCK.replace('"MaxAttempts": 9', '"MaxAttempts": 2')
    assert lint(tight, {"LL214"}) == []
    assert len(lint(tight, {"LL214"}, {"LL214": {"max-attempts": 1}})) == 1


# --- log groups and the posture scope ------------------------------------------------------

LOGS = """\
Resources:
  Q: {Type: AWS::SQS::Queue}
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: {FN_NAME}
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/r
      Code: {ZipFile: "x"}
  Esm:
    Type: AWS::Lambda::EventSourceMapping
    Properties: {EventSourceArn: !GetAtt Q.Arn, FunctionName: !Ref Fn}
  Group:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: {GROUP}
      RetentionInDays: 7
"""


@pytest.mark.parametrize("fn_name, group, matched", [
    ("orders", "/aws/lambda/orders", True),
    ("orders", "/aws/lambda/other", False),
    ("orders", "!Sub /aws/lambda/${Fn}", True),
    ("!Sub ${AWS::StackName}-orders", "!Sub /aws/lambda/${AWS::StackName}-orders", True),
    ("!Sub ${AWS::StackName}-orders", "!Sub /aws/lambda/${AWS::StackName}-other", False),
    ("orders", '!Join ["", [/aws/lambda/, !Ref Fn]]', True),
])
def test_log_group_matching(fn_name: str, group: str, matched: bool) -> None:
    text = LOGS.replace("{FN_NAME}", fn_name).replace("{GROUP}", group)
    m = model_of(text)
    fn = m.functions["Fn"]
    assert fn.attr("can_run_away") is True
    got = fn.attr("log_group")
    assert (getattr(got, "logical_id", None) == "Group") is matched
    assert len(lint(text, {"LL218"})) == (0 if matched else 1)


def test_sync_only_function_is_outside_the_posture_scope() -> None:
    text = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Events: {Get: {Type: Api, Properties: {Path: /, Method: get}}}
"""
    m = model_of(text)
    assert m.functions["Api"].attr("can_run_away") is False
    assert lint(text, {"LL218"}) == []


# --- findings in a local definition file ---------------------------------------------------

ASL = {
    "StartAt": "A",
    "States": {"A": {"Type": "Task", "Resource": "${Fn}", "End": True,
                     "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 8}]}},
}
LOCAL = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Worker:
    Type: AWS::Serverless::Function
    Properties: {Runtime: python3.12, Handler: app.handler, InlineCode: "x", Timeout: 60}
  Machine:
    Type: AWS::Serverless::StateMachine
{METADATA}    Properties:
      DefinitionUri: sfn/flow.asl.json
      DefinitionSubstitutions: {Fn: !GetAtt Worker.Arn}
"""


def _project(tmp_path: Path, metadata: str = "") -> Path:
    root = tmp_path / "app"
    (root / "sfn").mkdir(parents=True)
    (root / "template.yaml").write_text(LOCAL.replace("{METADATA}", metadata), encoding="utf-8")
    (root / "sfn" / "flow.asl.json").write_text(json.dumps(ASL, indent=2), encoding="utf-8")
    return root


def _run(root: Path, cache_dir=None):
    cfg = Config(select=("LL214", "LL002"), cache=cache_dir is not None, cache_dir=cache_dir,
                 output_format="json", project_root=root, jobs=1)
    result = run([str(root / "template.yaml")], cfg, Session(cfg))
    out = io.StringIO()
    render("json", result, cfg, out)
    return json.loads(out.getvalue())


def test_local_definition_findings_are_reported_in_that_file(tmp_path: Path) -> None:
    root = _project(tmp_path)
    [f] = _run(root)
    assert f["rule"] == "LL214" and f["path"].endswith("sfn/flow.asl.json")
    lines = (root / "sfn" / "flow.asl.json").read_text().splitlines()
    assert '"MaxAttempts": 8' in lines[f["line"] - 1]
    assert f["related"][0]["path"].endswith("template.yaml")
    assert f["end_column"] > f["column"]  # measured in the definition file's own text


def test_local_definition_findings_obey_the_state_machines_metadata(tmp_path: Path) -> None:
    root = _project(tmp_path, "    Metadata: {lambda-lint: {ignore: [LL214]}}\n")
    assert _run(root) == []


def test_cache_entry_depends_on_the_local_definition(tmp_path: Path) -> None:
    root = _project(tmp_path)
    cache = tmp_path / "cache"
    assert len(_run(root, cache)) == 1
    assert len(_run(root, cache)) == 1  # a hit gives the same
    fixed = dict(ASL)
    fixed["States"] = {"A": dict(ASL["States"]["A"], Retry=[{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2}])}
    (root / "sfn" / "flow.asl.json").write_text(json.dumps(fixed, indent=2), encoding="utf-8")
    assert _run(root, cache) == []  # the template did not change, its definition did


def test_express_workflows_end_after_five_minutes() -> None:
    express = BLOCK.replace("      RoleArn: arn:aws:iam::123456789012:role/sfn\n",
                            "      RoleArn: arn:aws:iam::123456789012:role/sfn\n      StateMachineType: EXPRESS\n")
    [r] = retriers(model_of(express))
    assert r.worst_case_seconds() == 300
    # the time limit can't be exceeded; the attempts limit still holds (9 > 3)
    [f] = lint(express, {"LL214"})
    assert lint(express.replace('"MaxAttempts": 9', '"MaxAttempts": 3'), {"LL214"}) == []


def test_distributed_map_express_children_are_capped_too() -> None:
    text = """\
Resources:
""" + FN + """\
  Machine:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      Definition:
        StartAt: Each
        States:
          Each:
            Type: Map
            ItemProcessor:
              ProcessorConfig: {Mode: DISTRIBUTED, ExecutionType: EXPRESS}
              StartAt: Work
              States:
                Work:
                  Type: Task
                  Resource: !GetAtt Worker.Arn
                  Retry: [{ErrorEquals: [PartnerBusy], MaxAttempts: 10}]
                  End: true
            End: true
"""
    assert lint(text, {"LL214"}) == []
    assert len(lint(text.replace("ExecutionType: EXPRESS", "ExecutionType: STANDARD"), {"LL214"})) == 1


def test_cdk_log_retention_counts_as_the_group() -> None:
    text = LOGS.replace("{FN_NAME}", "orders").replace("{GROUP}", "/aws/lambda/elsewhere") + """\
  Retention:
    Type: Custom::LogRetention
    Properties:
      ServiceToken: arn:aws:lambda:us-east-1:123456789012:function:cdk-log-retention
      LogGroupName: !Join ["", [/aws/lambda/, !Ref Fn]]
      RetentionInDays: 14
"""
    assert lint(text, {"LL218"}) == []


@pytest.mark.parametrize("definition", [
    "Definition: [a, list]",
    "Definition: {StartAt: A, States: a string}",
    "Definition: {States: {A: {Type: Task, Resource: !GetAtt Worker.Arn, Retry: {not: a list}}}}",
    "Definition: {States: {A: {Type: Task, Resource: !GetAtt Worker.Arn, Retry: [{ErrorEquals: States.ALL, "
    "MaxAttempts: abc, BackoffRate: [1], MaxDelaySeconds: -5}]}}}",
    "Definition: {States: {A: {Type: Map, ItemProcessor: [x], Iterator: {States: [y]}}, B: {Type: Parallel, "
    "Branches: {x: 1}}}}",
    "DefinitionString: !Join [bad]",
    "DefinitionString: !Join ['', [!Ref Worker, {a: b}]]",
    "DefinitionString: !Sub [only-one]",
    "DefinitionString: 12",
    "DefinitionString: '[1, 2]'",
    "DefinitionUri: .",
    "DefinitionUri: /dev/null",
    "DefinitionUri: {Bucket: b}",
    "DefinitionSubstitutions: [x]\n      Definition: {States: {A: {Type: Task, Resource: '${X}'}}}",
])
def test_broken_state_machines_never_crash(definition: str) -> None:
    text = "Resources:\n" + FN + (
        "  Machine:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n      " + definition + "\n")
    rep = Reporter("t.yaml", METAS)
    lint_template(text.encode(), "t.yaml", enabled=frozenset({"LL214"}), reporter=rep, options={}, rules=RULES)
    assert [f.code for f in rep.findings if f.code in ("LL001", "LL002")] == []
