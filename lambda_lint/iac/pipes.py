"""``AWS::Pipes::Pipe``: a stream or queue read by EventBridge Pipes for a Lambda function.

A pipe polls its ``Source`` like an event source mapping and retries a failing batch the
same way: its ``SourceParameters.KinesisStreamParameters`` / ``DynamoDBStreamParameters``
take ``MaximumRetryAttempts`` and ``MaximumRecordAgeInSeconds`` (both -1, unbounded, by
default), a ``DeadLetterConfig.Arn`` instead of an on-failure destination, and
``OnPartialBatchItemFailure: AUTOMATIC_BISECT`` instead of ``BisectBatchOnFunctionError``.
So a pipe whose enrichment (always synchronous) or target (``REQUEST_RESPONSE``, the
default) is a function of this template is a stream/queue trigger of that function, with the
pipe's source parameters as its properties: the stream rules LL201–LL204 read them.
A target invoked ``FIRE_AND_FORGET`` is an asynchronous invocation of its function.

The event-graph side of pipes (edges for LL301) is the project layer's.
"""

from __future__ import annotations

from typing import Any, Optional

SOURCE_PARAMS = (
    ("KinesisStreamParameters", "kinesis"),
    ("DynamoDBStreamParameters", "dynamodb"),
    ("SqsQueueParameters", "sqs"),
    ("ManagedStreamingKafkaParameters", "kafka"),
    ("SelfManagedKafkaParameters", "kafka"),
    ("ActiveMQBrokerParameters", "mq"),
    ("RabbitMQBrokerParameters", "mq"),
)


def _source_kind(model: Any, source: Any, params: Any) -> Optional[str]:
    from lambda_lint.iac.kinds import ESM_ARN_HINTS, ESM_SOURCE_TYPES

    if source is not None and source.is_resource:
        res = model.resources.get(source.value)
        if res is not None and res.type in ESM_SOURCE_TYPES:
            return ESM_SOURCE_TYPES[res.type]
    if isinstance(params, dict):
        for key, kind in SOURCE_PARAMS:
            if key in params:
                return kind
    hint = source.text if source is not None and source.text else ""
    for frag, kind in ESM_ARN_HINTS:
        if frag in hint:
            return kind
    return None


def add_pipe_triggers(model: Any, Trigger: Any) -> None:
    """``Trigger`` is the model's class, passed in: the model calls this, so importing it
    back would be a cycle."""
    from lambda_lint.iac.invocation import qualifier_of
    from lambda_lint.iac.kinds import ASYNC, KIND_CLASS
    from lambda_lint.iac.tree import Map

    for res in list(model.resources.values()):
        if res.type != "AWS::Pipes::Pipe" or res.props is None:
            continue
        p = res.props
        raw_source = p.get("Source")
        source = model._normalize_source(model.resolver.resolve(raw_source)) if raw_source is not None else None
        sp = p.get("SourceParameters")
        kind = _source_kind(model, source, sp)
        if kind is None:
            continue
        params = None
        if isinstance(sp, Map):
            for key, k in SOURCE_PARAMS:
                if k == kind and isinstance(sp.get(key), Map):
                    params = sp[key]
                    break
        cls = KIND_CLASS.get(kind, "queue")
        enrichment = model.function_for(p.get("Enrichment")) if p.get("Enrichment") is not None else None
        target = model.function_for(p.get("Target")) if p.get("Target") is not None else None
        tp = p.get("TargetParameters")
        lp = tp.get("LambdaFunctionParameters") if isinstance(tp, Map) else None
        itype = model.resolver.resolve(lp.get("InvocationType")) if isinstance(lp, Map) and "InvocationType" in lp \
            else None
        fire_and_forget = itype is not None and itype.is_literal and itype.value == "FIRE_AND_FORGET"
        reader = enrichment or (target if not fire_and_forget else None)
        if reader is not None:
            trig = Trigger(res.logical_id, res.logical_id, kind, cls, params, res.line, res.column,
                           res.logical_id, "pipe", reader, source)
            trig.qualifier = qualifier_of(model, p.get("Enrichment") if enrichment else p.get("Target"), reader)
            if params is None and isinstance(sp, Map):
                # no parameters for this source: the pipe's SourceParameters key is the nearest
                trig.line, trig.column = p.kpos.get("SourceParameters", (res.line, res.column))
            if kind == "sqs" and source is not None and source.is_resource:
                trig.queue = model.queues.get(source.value)
            model._add_trigger(trig)
        if target is not None and fire_and_forget:
            trig = Trigger(res.logical_id, res.logical_id, "pipes", ASYNC, None, res.line, res.column,
                           f"{res.logical_id}/Target", "pipe", target, source)
            trig.qualifier = qualifier_of(model, p.get("Target"), target)
            model._add_trigger(trig)
