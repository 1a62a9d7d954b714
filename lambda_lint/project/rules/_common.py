"""Helpers shared by the LL3xx rules (no parser imports)."""

from __future__ import annotations

from typing import Any, Iterator, List, Optional, Tuple

BATCH_KINDS = ("sqs", "kinesis", "dynamodb", "stream")
DEFAULT_BATCH = {"sqs": 10, "kinesis": 100, "dynamodb": 100, "stream": 100}
KIND_NAME = {"sqs": "SQS", "kinesis": "Kinesis", "dynamodb": "DynamoDB stream", "stream": "stream",
             "s3": "S3", "sns": "SNS", "eventbridge": "EventBridge", "schedule": "Schedule",
             "logs": "CloudWatch Logs", "iot": "IoT", "kafka": "Kafka", "mq": "MQ", "documentdb": "DocumentDB",
             "ses": "SES", "cognito": "Cognito", "codecommit": "CodeCommit", "config": "Config"}


def kind_name(trig: Any) -> str:
    return KIND_NAME.get(trig.kind, trig.kind)


def literal(model: Any, value: Any) -> Any:
    if value is None:
        return None
    r = model.resolver.resolve(value)
    return r.value if r.is_literal else None


def batch_triggers(project: Any, fn: Any) -> Iterator[Any]:
    """SQS and stream triggers of a function that can report batch item failures."""
    for trig in fn.triggers:
        if trig.kind in BATCH_KINDS and not (trig.origin == "sam" and trig.sam_type == "SNS"):
            yield trig


def reports_item_failures(project: Any, trig: Any) -> Optional[bool]:
    """FunctionResponseTypes contains ReportBatchItemFailures (None when unknowable)."""
    props = trig.props
    if props is None or "FunctionResponseTypes" not in props:
        return False
    value = literal(project.model, props.get("FunctionResponseTypes"))
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return None
    items = [literal(project.model, v) for v in value]
    if any(not isinstance(v, str) for v in items):
        return None
    return "ReportBatchItemFailures" in items


def batch_triggers_reporting(project: Any, fn: Any, reporting: bool) -> Iterator[Any]:
    """The batch triggers of a function whose ReportBatchItemFailures is known to be on (``reporting``
    True) or off (False); a trigger where it is unknowable is neither."""
    for trig in batch_triggers(project, fn):
        if reports_item_failures(project, trig) is reporting:
            yield trig


def batch_size(project: Any, trig: Any) -> Optional[int]:
    props = trig.props
    if props is None or "BatchSize" not in props:
        return DEFAULT_BATCH.get(trig.kind)
    value = literal(project.model, props.get("BatchSize"))
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def key_pos(props: Any, key: str, fallback: Tuple[int, int]) -> Tuple[int, int]:
    if props is not None and hasattr(props, "kpos"):
        return props.kpos.get(key, fallback)
    return fallback


def reachable_any(unit: Any, flag: str) -> bool:
    return any(f.get(flag) for _, f in unit.reachable_facts())


def handler_label(unit: Any) -> str:
    return unit.handler


def functions_with_units(project: Any) -> List[Tuple[str, Any, Any]]:
    out = []
    for lid, fn in project.model.functions.items():
        unit = project.ctx.units.get(lid)
        if unit is not None:
            out.append((lid, fn, unit))
    return out


def report_at_code_or_trigger(out: Any, code: str, lid: str, msg: str, trig: Any,
                              code_at: Optional[Tuple[Any, int, int]], code_anchor: str,
                              template_at: Optional[Tuple[int, int]] = None) -> None:
    """One finding of a function and its trigger: at ``code_at`` (module, line, column) in the handler's
    code when that is known and the file was requested, else in the template at ``template_at``
    (default: the trigger). The anchors are ``<code>:<code_anchor>`` and ``<code>:<trigger anchor>``."""
    if code_at is not None and out.code(code, *code_at, msg, function=lid, anchor=f"{code}:{code_anchor}"):
        return
    line, col = template_at if template_at is not None else (trig.line, trig.column)
    out.template(code, line, col, msg, function=lid, anchor=f"{code}:{trig.anchor}")
