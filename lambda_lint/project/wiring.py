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
        elif t in ("AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine"):
            out += _state_machine_writes(ctx, lid, res, lid_of)
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


# Step Functions service integrations that write, and the parameter naming the target
_SFN_WRITES = {
    "sqs:sendmessage": ("sqs", "QueueUrl"), "sns:publish": ("sns", "TopicArn"),
    "dynamodb:putitem": ("dynamodb", "TableName"), "dynamodb:updateitem": ("dynamodb", "TableName"),
    "events:putevents": ("events", None), "states:startexecution": ("stepfunctions", "StateMachineArn"),
    "kinesis:putrecord": ("kinesis", "StreamName"), "firehose:putrecord": ("firehose", "DeliveryStreamName"),
}


def _state_machine_writes(ctx: Any, lid: str, res: Any, lid_of: Any) -> List[Wire]:
    """Task states of a state machine that write to a resource (``arn:aws:states:::sqs:sendMessage``
    with ``Parameters.QueueUrl: !Ref Queue``, or a ``${Placeholder}`` of DefinitionSubstitutions)."""
    model = ctx.model
    definition = res.get("Definition")
    subs = res.get("DefinitionSubstitutions")
    subs = subs if isinstance(subs, dict) else {}
    out: List[Wire] = []
    seen: Set[str] = set()
    for state in _task_states(definition, 0):
        resource = model.resolver.text_hint(state.get("Resource"))
        if not isinstance(resource, str):
            continue
        written = resource.split(":::", 1)[-1].split(".")[0].replace("aws-sdk:", "")
        action = written.lower()
        spec = _SFN_WRITES.get(action)
        if spec is None:
            continue
        service, param = spec
        params = state.get("Parameters") or state.get("Arguments")
        if not isinstance(params, dict):
            continue
        if param is None:  # PutEvents: Entries[].EventBusName, default bus when absent
            entries = params.get("Entries")
            values = [e.get("EventBusName") for e in _as_list(entries) if isinstance(e, dict)]
            dests: Set[str] = set()
            for v in values:
                dests |= {"<default event bus>"} if v is None else _sub_target(model, v, subs, lid_of, service)
        else:
            value = params.get(param, params.get(param + ".$"))
            dests = _sub_target(model, value, subs, lid_of, service) if value is not None else set()
        for d in sorted(dests):
            if d not in seen and d != lid:
                seen.add(d)
                out.append(Wire(lid, d, f"states:{written.split(':')[-1]}", res.line, res.column,
                                f"{lid} writes to {d} from a Task state"))
    return out


def _sub_target(model: Any, value: Any, subs: dict, lid_of: Any, service: str) -> Set[str]:
    import re

    if isinstance(value, str):
        m = re.fullmatch(r"\$\{([^}]+)\}", value.strip())
        if m and m.group(1) in subs:
            return lid_of(subs[m.group(1)], (service,))
        if m or value.startswith("$"):
            return set()
    return lid_of(value, (service,))


def _task_states(node: Any, depth: int) -> List[dict]:
    """Every Task state of a definition, nested Parallel branches and Map iterators included."""
    out: List[dict] = []
    if depth > 6 or not isinstance(node, dict):
        return out
    states = node.get("States")
    if isinstance(states, dict):
        for st in states.values():
            if not isinstance(st, dict):
                continue
            if st.get("Type") == "Task":
                out.append(st)
            for b in _as_list(st.get("Branches")):
                out += _task_states(b, depth + 1)
            for key in ("Iterator", "ItemProcessor"):
                out += _task_states(st.get(key), depth + 1)
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
