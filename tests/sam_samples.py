"""The small SAM app the CLI tests lint: a Kinesis stream feeding a function, as template text.

Tests assert line numbers of findings in this text, so a change here moves them: add
properties through the arguments, not by editing the skeleton.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

_HEAD = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Stream:
    Type: AWS::Kinesis::Stream
    Properties:
      ShardCount: 1
  Forwarder:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
"""

_EVENT = """\
      Events:
        StreamEvent:
          Type: Kinesis
          Properties:
            Stream: !GetAtt Stream.Arn
            StartingPosition: LATEST
"""


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def yaml_block(props: Optional[Mapping[str, Any]], indent: int) -> str:
    """``key: value`` lines at ``indent`` spaces, in the mapping's order; a mapping value nests."""
    out = []
    for key, value in (props or {}).items():
        if isinstance(value, Mapping):
            out.append(" " * indent + f"{key}:\n" + yaml_block(value, indent + 2))
        else:
            out.append(" " * indent + f"{key}: {_scalar(value)}\n")
    return "".join(out)


def kinesis_template(function_props: Optional[Mapping[str, Any]] = None,
                     event_props: Optional[Mapping[str, Any]] = None, extra_resources: str = "") -> str:
    """Stream + Forwarder (python3.12, app.handler in src/) with a Kinesis event (LATEST).

    ``function_props`` go after ``CodeUri``, ``event_props`` after ``StartingPosition``;
    ``extra_resources`` is YAML text appended to ``Resources`` (two-space indented).
    """
    return _HEAD + yaml_block(function_props, 6) + _EVENT + yaml_block(event_props, 12) + extra_resources


def lambda_alarm(name: str, metric: str, statistic: str, threshold: int, function: str = "Forwarder") -> str:
    """A CloudWatch alarm on one AWS/Lambda metric of ``function``, as a resource of ``Resources``."""
    return f"""\
  {name}:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: AWS/Lambda
      MetricName: {metric}
      Dimensions: [{{Name: FunctionName, Value: !Ref {function}}}]
      Statistic: {statistic}
      Period: 60
      EvaluationPeriods: 1
      Threshold: {threshold}
      ComparisonOperator: GreaterThanOrEqualToThreshold
"""
