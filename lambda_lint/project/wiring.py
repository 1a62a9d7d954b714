"""Template wiring that moves data from one resource to another without code: an SNS
subscription of a queue, an EventBridge rule whose target is a queue/topic/stream/state
machine, an EventBridge Pipe (source -> enrichment -> target), a Firehose delivery stream
(Kinesis source -> Lambda transform -> S3 bucket).

These are writes by configuration, so a cycle through them is as real as one through a
boto3 call. Pipes and Firehose are read from the raw resources (the template model does
not model them as triggers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, List, Optional, Set


@dataclass
class Wire:
    """Data flows from ``src`` to ``dst`` (resources; ``dst`` may be a function)."""

    src: str
    dst: str
    label: str
    line: int
    column: int
    what: str  # for related locations: "TopicSubscription subscribes OrdersQueue to OrdersTopic"
    filter_kind: Optional[str] = None  # "sns" | "events" | "esm"
    patterns: List[dict] = field(default_factory=list)  # any of them may match
    scope: str = "MessageAttributes"  # SNS FilterPolicyScope
    key_prefix: Optional[str] = None  # Firehose's S3 key prefix
    to_function: bool = False


def wires(ctx: Any, matcher: Any) -> List[Wire]:
    from lambda_lint.project.patterns import parse_pattern

    model = ctx.model
    out: List[Wire] = []

    def lid_of(value: Any, services: Any) -> Set[str]:
        r = model.resolver.resolve(value) if value is not None else None
        got: Set[str] = set()
        if r is None:
            return got
        for svc in services:
            got |= matcher.resolved(svc, r) or set()
        return got

    def fn_of(value: Any) -> Optional[str]:
        fn = model.function_for(value) if value is not None else None
        return fn.logical_id if fn is not None else None

    for lid, res in model.resources.items():
        t, p = res.type, res.props
        if p is None:
            continue
        if t == "AWS::S3::Bucket":
            nc = p.get("NotificationConfiguration")
            eb = nc.get("EventBridgeConfiguration") if isinstance(nc, dict) else None
            enabled = eb.get("EventBridgeEnabled") if isinstance(eb, dict) else None
            flag = model.resolver.resolve(enabled) if enabled is not None else None
            if isinstance(eb, dict) and (flag is None or (flag.is_literal and str(flag.value).lower() == "true")):
                # every object event of the bucket goes to the default bus as source aws.s3
                out.append(Wire(lid, "<default event bus>", "s3:eventbridge", res.line, res.column,
                                f"{lid} sends its object events to the default event bus"))
        elif t == "AWS::SNS::Subscription":
            proto = model.resolver.text_hint(p.get("Protocol"))
            if str(proto).lower() not in ("sqs", "firehose"):
                continue
            svc = "sqs" if str(proto).lower() == "sqs" else "firehose"
            pol = parse_pattern(_literalish(model, p.get("FilterPolicy")))
            scope = model.resolver.text_hint(p.get("FilterPolicyScope")) or "MessageAttributes"
            for topic in lid_of(p.get("TopicArn"), ("sns",)):
                for q in lid_of(p.get("Endpoint"), (svc,)):
                    out.append(Wire(topic, q, "sns-subscription", res.line, res.column,
                                    f"{lid} subscribes {q} to {topic}", "sns" if pol else None,
                                    [pol] if pol else [], str(scope)))
        elif t == "AWS::SNS::Topic":
            for s in _as_list(p.get("Subscription")):
                if isinstance(s, dict) and str(model.resolver.text_hint(s.get("Protocol"))).lower() == "sqs":
                    for q in lid_of(s.get("Endpoint"), ("sqs",)):
                        out.append(Wire(lid, q, "sns-subscription", res.line, res.column,
                                        f"{lid} delivers to {q}"))
        elif t == "AWS::Events::Rule" and p.get("EventPattern") is not None:
            pattern = parse_pattern(_literalish(model, p.get("EventPattern")))
            bus = p.get("EventBusName")
            buses = {"<default event bus>"} if bus is None else lid_of(bus, ("events",))
            for tg in _as_list(p.get("Targets")):
                if not isinstance(tg, dict):
                    continue
                for dst in lid_of(tg.get("Arn"), ("sqs", "sns", "kinesis", "stepfunctions", "firehose", "events")):
                    for b in buses:
                        if b != dst:
                            out.append(Wire(b, dst, "events:rule", res.line, res.column,
                                            f"{lid} sends matching events to {dst}", "events" if pattern else None,
                                            [pattern] if pattern else []))
        elif t == "AWS::Pipes::Pipe":
            out += _pipe(ctx, lid, res, lid_of, fn_of)
        elif t == "AWS::KinesisFirehose::DeliveryStream":
            src = p.get("KinesisStreamSourceConfiguration")
            if isinstance(src, dict):
                for s in lid_of(src.get("KinesisStreamARN"), ("kinesis",)):
                    out.append(Wire(s, lid, "firehose:source", res.line, res.column, f"{s} feeds {lid}"))
            for key in ("ExtendedS3DestinationConfiguration", "S3DestinationConfiguration"):
                dest = p.get(key)
                if not isinstance(dest, dict):
                    continue
                prefix = model.resolver.resolve(dest.get("Prefix")) if dest.get("Prefix") is not None else None
                pre = prefix.value if prefix is not None and prefix.is_literal and isinstance(prefix.value, str) else None
                for b in lid_of(dest.get("BucketARN"), ("s3",)):
                    out.append(Wire(lid, b, "firehose:deliver", res.line, res.column,
                                    f"{lid} delivers to {b}", key_prefix=pre if prefix is not None else ""))
                proc = dest.get("ProcessingConfiguration")
                for pr in _as_list(proc.get("Processors") if isinstance(proc, dict) else None):
                    for param in _as_list(pr.get("Parameters") if isinstance(pr, dict) else None):
                        if isinstance(param, dict) and model.resolver.text_hint(param.get("ParameterName")) == "LambdaArn":
                            fid = fn_of(param.get("ParameterValue"))
                            if fid is not None:
                                out.append(Wire(lid, fid, "firehose:transform", res.line, res.column,
                                                f"{lid} invokes {fid} to transform records", to_function=True))
    return out


def _pipe(ctx: Any, lid: str, res: Any, lid_of: Any, fn_of: Any) -> List[Wire]:
    from lambda_lint.project.patterns import parse_pattern

    model = ctx.model
    p = res.props
    out: List[Wire] = []
    sources = lid_of(p.get("Source"), ("sqs", "kinesis", "dynamodb"))
    patterns: List[dict] = []
    sp = p.get("SourceParameters")
    fc = sp.get("FilterCriteria") if isinstance(sp, dict) else None
    for f in _as_list(fc.get("Filters") if isinstance(fc, dict) else None):
        pat = parse_pattern(_literalish(model, f.get("Pattern"))) if isinstance(f, dict) else None
        if pat is None:
            patterns = []
            break
        patterns.append(pat)
    kind = "esm" if patterns else None
    enrich = fn_of(p.get("Enrichment"))
    target_fn = fn_of(p.get("Target"))
    targets = set() if target_fn else lid_of(p.get("Target"), ("sqs", "sns", "kinesis", "stepfunctions",
                                                                "firehose", "events"))
    dests = [(enrich, True)] if enrich else ([(target_fn, True)] if target_fn else [(t, False) for t in targets])
    for s in sources:
        for d, is_fn in dests:
            out.append(Wire(s, d, "pipe", res.line, res.column, f"{lid} pipes {s} to {d}", kind, patterns,
                            to_function=is_fn))
    if enrich:
        # the enrichment's output goes on to the target: a write by configuration
        for d in ([target_fn] if target_fn else sorted(targets)):
            out.append(Wire(enrich, d, "pipe:target", res.line, res.column, f"{lid} sends {enrich}'s output to {d}",
                            to_function=d == target_fn))
    return out


def _literalish(model: Any, value: Any) -> Any:
    """A pattern's mapping as written (intrinsics inside stay as they are), or its JSON text."""
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in ("Fn::Sub", "Fn::Join"):
        r = model.resolver.resolve(value)
        return r.value if r.is_literal else None
    return value


def _as_list(v: Any) -> List[Any]:
    if v is None:
        return []
    return list(v) if isinstance(v, list) else [v]
