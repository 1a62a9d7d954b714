"""Generated mini-projects for the cache and parallelism tests (no fixtures on disk)."""

from __future__ import annotations

from pathlib import Path

HANDLER = '''\
import json


def handler(event, context):
    try:
        return process(event, {n})
    except Exception:
        pass


def process(event, n):
    return json.dumps(event) * n
'''

TEMPLATE = '''\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Stream{n}:
    Type: AWS::Kinesis::Stream
    Properties: {{ShardCount: 1}}
  Forwarder{n}:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      CodeUri: src/
      Events:
        StreamEvent:
          Type: Kinesis
          Properties:
            Stream: !GetAtt Stream{n}.Arn
            StartingPosition: LATEST
'''


def make_tree(root: Path, apps: int = 10, modules_per_app: int = 2) -> Path:
    """``apps`` SAM apps, each a template and ``modules_per_app`` handler modules; one broken file."""
    for a in range(apps):
        app = root / f"app{a:02d}"
        (app / "src").mkdir(parents=True, exist_ok=True)
        (app / "template.yaml").write_text(TEMPLATE.format(n=a), encoding="utf-8")
        for m in range(modules_per_app):
            name = "app.py" if m == 0 else f"mod{m}.py"
            (app / "src" / name).write_text(HANDLER.format(n=a * 10 + m), encoding="utf-8")
    (root / "broken.py").write_text("def broken(:\n    pass\n", encoding="utf-8")
    return root
