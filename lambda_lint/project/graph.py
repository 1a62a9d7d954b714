"""The event graph: function -> writes -> resource -> triggers -> function, and its cycles.

Write edges come from the code (boto3 write calls of the handler and the functions it
calls, their targets resolved to template resources through environment variables, module
constants, literals equal to a resource's physical name, or the triggering event itself).
Where a function's code can't be resolved (no code, a missing file, targets we can't
resolve) they come from its IAM/SAM policies' write permissions instead (``policy`` edges,
reported as warnings). Trigger edges come from the template model's triggers. S3 key
prefix/suffix filters that the written keys provably avoid, S3 event types a write does not
cause, and EventBridge patterns on ``source``/``detail-type`` the event provably misses, cut
an edge.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple

from lambda_lint.project.model import CodeUnit, Module, TemplateCtx, resolve_literal

# --------------------------------------------------------------------------- the write table

# service -> operations that write (client calls; resource objects by their action name)
WRITE_OPS: Dict[str, Set[str]] = {
    "s3": {"put_object", "copy_object", "upload_file", "upload_fileobj", "create_multipart_upload",
           "complete_multipart_upload", "copy", "put", "copy_from"},
    "sqs": {"send_message", "send_message_batch", "send_messages"},
    "sns": {"publish", "publish_batch"},
    "kinesis": {"put_record", "put_records"},
    "dynamodb": {"put_item", "update_item", "delete_item", "batch_write_item", "transact_write_items",
                 "batch_writer"},
    "events": {"put_events"},
    "lambda": {"invoke", "invoke_async"},
    "stepfunctions": {"start_execution", "start_sync_execution"},
    "firehose": {"put_record", "put_record_batch"},
}
# operations that name their service unambiguously (client made elsewhere, passed in)
_OP_SERVICE = {
    "put_object": "s3", "copy_object": "s3", "upload_file": "s3", "upload_fileobj": "s3",
    "create_multipart_upload": "s3", "complete_multipart_upload": "s3",
    "send_message": "sqs", "send_message_batch": "sqs", "publish": "sns", "publish_batch": "sns",
    "put_record": "kinesis", "put_records": "kinesis", "put_item": "dynamodb", "update_item": "dynamodb",
    "delete_item": "dynamodb", "batch_write_item": "dynamodb", "transact_write_items": "dynamodb",
    "batch_writer": "dynamodb", "put_events": "events", "invoke_async": "lambda",
    "start_execution": "stepfunctions", "put_record_batch": "firehose",
}
_TARGET_ARGS = {
    "s3": ("Bucket",), "sqs": ("QueueUrl",), "sns": ("TopicArn", "TargetArn"),
    "kinesis": ("StreamName", "StreamARN"), "dynamodb": ("TableName",), "lambda": ("FunctionName",),
    "stepfunctions": ("stateMachineArn",), "firehose": ("DeliveryStreamName",),
}
RESOURCE_TYPES = {
    "s3": {"AWS::S3::Bucket"},
    "sqs": {"AWS::SQS::Queue"},
    "sns": {"AWS::SNS::Topic"},
    "kinesis": {"AWS::Kinesis::Stream"},
    "dynamodb": {"AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable", "AWS::Serverless::SimpleTable"},
    "events": {"AWS::Events::EventBus"},
    "lambda": {"AWS::Serverless::Function", "AWS::Lambda::Function", "AWS::Lambda::Alias", "AWS::Lambda::Version"},
    "stepfunctions": {"AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine"},
    "firehose": {"AWS::KinesisFirehose::DeliveryStream"},
}
_NAME_PROPS = {
    "AWS::S3::Bucket": "BucketName", "AWS::SQS::Queue": "QueueName", "AWS::SNS::Topic": "TopicName",
    "AWS::Kinesis::Stream": "Name", "AWS::DynamoDB::Table": "TableName", "AWS::DynamoDB::GlobalTable": "TableName",
    "AWS::Events::EventBus": "Name", "AWS::Lambda::Function": "FunctionName",
    "AWS::Serverless::Function": "FunctionName", "AWS::StepFunctions::StateMachine": "StateMachineName",
    "AWS::Serverless::StateMachine": "Name", "AWS::Serverless::SimpleTable": "TableName",
    "AWS::KinesisFirehose::DeliveryStream": "DeliveryStreamName",
}
DEFAULT_BUS = "<default event bus>"

# boto3 operations whose API action is not the CamelCase of their name
_API_NAMES = {
    "upload_file": "PutObject", "upload_fileobj": "PutObject", "put": "PutObject", "copy": "CopyObject",
    "copy_from": "CopyObject", "batch_writer": "BatchWriteItem", "send_messages": "SendMessageBatch",
}


def api_name(operation: str) -> str:
    """``update_item`` -> ``UpdateItem``: the action a human reads in the AWS docs and in IAM."""
    if not operation:
        return ""
    return _API_NAMES.get(operation) or "".join(w[:1].upper() + w[1:] for w in operation.split("_"))


# --------------------------------------------------------------------------- edges

@dataclass
class WriteEdge:
    function: str
    node: str  # resource logical ID, a function's logical ID, or DEFAULT_BUS
    operation: str
    source: str  # "code" | "policy"
    module: Optional[Module] = None
    call: Optional[dict] = None
    policy: str = ""
    key: Optional[dict] = None  # ORIGIN of the S3 key
    entry: Optional[dict] = None  # put_events entry
    wire: Any = None  # the wiring.Wire of a "wiring" write (a Pipe's enrichment -> target)

    @property
    def label(self) -> str:
        if self.source == "code":
            return api_name(self.operation)
        if self.source == "wiring":
            return self.operation
        return self.policy

    @property
    def api(self) -> str:
        return api_name(self.operation)


@dataclass
class TriggerEdge:
    node: str
    function: str
    trigger: Any
    label: str
    s3_events: Optional[List[str]] = None
    prefix: Optional[str] = None
    suffix: Optional[str] = None
    pattern: Optional[dict] = None
    filters: List[dict] = field(default_factory=list)  # ESM FilterCriteria patterns (any may match)
    policy: Optional[dict] = None  # SNS FilterPolicy
    scope: str = "MessageAttributes"
    wire: Any = None  # a wiring.Wire into a function (a Pipe, a Firehose transform)


# --------------------------------------------------------------------------- resource matching

def _last_segment(value: str) -> str:
    return re.split(r"[:/]", value.rstrip("/"))[-1]


class Matcher:
    """Template resources by physical name, per service."""

    def __init__(self, ctx: TemplateCtx) -> None:
        self.ctx = ctx
        self.model = ctx.model
        self.names: Dict[str, List[Tuple[str, str]]] = {}  # service -> [(name, logical id)]
        # service -> [(Fn::Sub text, logical id)]: a name built from pseudo parameters
        # (`images-${AWS::AccountId}`) is unknown as a value but the same text is the same name.
        self.sub_names: Dict[str, List[Tuple[str, str]]] = {}
        for lid, res in self.model.resources.items():
            for service, types in RESOURCE_TYPES.items():
                if res.type in types:
                    prop = _NAME_PROPS.get(res.type or "")
                    raw = res.get(prop) if prop else None
                    if raw is None:
                        continue
                    r = self.model.resolver.resolve(raw)
                    if r.is_literal and isinstance(r.value, str) and r.value:
                        self.names.setdefault(service, []).append((r.value, lid))
                    elif r.text:
                        self.sub_names.setdefault(service, []).append((r.text, lid))

    def name_of(self, lid: str) -> Optional[str]:
        for entries in self.names.values():
            for name, other in entries:
                if other == lid:
                    return name
        return None

    def typed(self, service: str, lids: Iterable[str]) -> Set[str]:
        types = RESOURCE_TYPES.get(service, set())
        out = set()
        for lid in lids:
            res = self.model.resources.get(lid)
            if res is not None and res.type in types:
                if res.type in ("AWS::Lambda::Alias", "AWS::Lambda::Version"):
                    fn = self.model.function_for({"Ref": lid})
                    if fn is not None:
                        out.add(fn.logical_id)
                    continue
                out.add(lid)
        return out

    def literal(self, service: str, value: Any) -> Set[str]:
        if not isinstance(value, str) or not value:
            return set()
        if service == "lambda":
            fn = self.model.function_for(value)
            return {fn.logical_id} if fn is not None else set()
        if service == "events" and value == "default":
            return {DEFAULT_BUS}
        seg = _last_segment(value)
        return {lid for name, lid in self.names.get(service, ()) if value == name or seg == name}

    def resolved(self, service: str, r: Any) -> Optional[Set[str]]:
        """A template Resolved value -> resources; None when unknown."""
        if r is None:
            return None
        if r.is_resource:
            got = self.typed(service, [r.value])
            return got if got else set()
        if r.is_literal:
            return self.literal(service, r.value)
        got = self.typed(service, r.refs or ())
        if not got and r.text:
            got = {lid for text, lid in self.sub_names.get(service, ()) if text == r.text}
        return got if got else None


# --------------------------------------------------------------------------- resolving write targets

def _glued(before: Optional[dict], after: Optional[dict]) -> bool:
    """Is literal text attached to a name part (so the whole is another name)?"""
    def lit(p: Optional[dict]) -> Optional[str]:
        return str(p.get("value")) if p is not None and p.get("kind") == "literal" else None
    b, a = lit(before), lit(after)
    if b and b[-1] not in ":/":
        return True
    if a and a[0] not in "/":
        return True
    return False


class Resolver:
    def __init__(self, ctx: TemplateCtx, matcher: Matcher, locator: Any) -> None:
        self.ctx = ctx
        self.matcher = matcher
        self.locator = locator

    def targets(self, fn_id: str, service: str, org: Optional[dict], depth: int = 0) -> Optional[Set[str]]:
        """Resources an ORIGIN designates; None when unknown; an empty set: outside the template."""
        if org is None or depth > 4:
            return None
        kind = org.get("kind")
        fn = self.ctx.model.functions.get(fn_id)
        if kind == "literal":
            return self.matcher.literal(service, org.get("value"))
        if kind == "env":
            name = org.get("name")
            if name == "AWS_LAMBDA_FUNCTION_NAME" and service == "lambda":
                return {fn_id}
            env = fn.environment if fn is not None else {}
            if name in env:
                return self.matcher.resolved(service, env[name])
            if org.get("default") is not None:
                return self.targets(fn_id, service, org["default"], depth + 1)
            return None
        if kind == "context":
            if service == "lambda" and org.get("attr") in ("function_name", "invoked_function_arn"):
                return {fn_id}
            return None
        if kind == "event":
            return self._from_event(fn_id, service, org.get("path") or [])
        if kind == "param":
            origins = self.locator.param_origins(self.ctx, fn_id, org) if self.locator else None
            if not origins:
                return None
            out: Set[str] = set()
            for o in origins:
                got = self.targets(fn_id, service, o, depth + 1)
                if got is None:
                    return None
                out |= got
            return out
        if kind in ("concat", "format"):
            return self._composed(fn_id, service, org.get("parts") or [], depth)
        if kind == "any":
            out = set()
            for o in org.get("options") or []:
                got = self.targets(fn_id, service, o, depth + 1)
                if got is None:
                    return None
                out |= got
            return out
        return None

    def _composed(self, fn_id: str, service: str, parts: List[dict], depth: int) -> Optional[Set[str]]:
        parts = [dict(p, kind="literal") if p.get("kind") == "sep" else p for p in parts]
        return self._composed_parts(fn_id, service, parts, depth)

    def _composed_parts(self, fn_id: str, service: str, parts: List[dict], depth: int) -> Optional[Set[str]]:
        """A name or ARN built from parts. A part that names a resource designates it when the
        text around it is ARN/URL punctuation (``arn:...:${NAME}``, ``.../${QUEUE}``); text glued
        to it (``f"{bucket}-encrypted"``) makes another name: matched by value when the
        resource's name is known, else unknown (not the resource itself)."""
        if parts and all(p.get("kind") == "literal" for p in parts):
            return self.matcher.literal(service, "".join(str(p.get("value")) for p in parts))
        found: Set[str] = set()
        unknown = False
        for i, p in enumerate(parts):
            if p.get("kind") == "literal":
                continue
            got = self.targets(fn_id, service, p, depth + 1)
            if got is None:
                unknown = True
                continue
            if not got:
                continue
            before = parts[i - 1] if i > 0 else None
            after = parts[i + 1] if i + 1 < len(parts) else None
            if _glued(before, after):
                lits = [p2 for j, p2 in enumerate(parts) if j != i]
                if all(q.get("kind") == "literal" for q in lits):
                    for lid in got:
                        name = self.matcher.name_of(lid)
                        if name is None:
                            unknown = True
                            continue
                        text = "".join(str(q.get("value")) if j != i else name for j, q in enumerate(parts))
                        found |= self.matcher.literal(service, text)
                else:
                    unknown = True
                continue
            found |= got
        if found:
            return found
        return None if unknown else set()

    def _from_event(self, fn_id: str, service: str, path: List[Any]) -> Optional[Set[str]]:
        fn = self.ctx.model.functions.get(fn_id)
        if fn is None:
            return None
        tail = [p for p in path if p not in ("*", 0)]
        kinds = {
            ("Records", "s3", "bucket", "name"): ("s3",),
            ("Records", "s3", "bucket", "arn"): ("s3",),
            ("Records", "eventSourceARN"): ("sqs", "kinesis", "dynamodb"),
            ("Records", "Sns", "TopicArn"): ("sns",),
            ("detail", "bucket", "name"): ("s3",),
        }.get(tuple(tail))
        if kinds is None or service not in kinds:
            return None
        out: Set[str] = set()
        for trig in fn.triggers:
            if trig.kind in kinds or (service == "s3" and trig.kind == "s3"):
                got = self.matcher.resolved(service, trig.source)
                if got:
                    out |= got
        if tuple(tail) == ("detail", "bucket", "name") and any(t.kind == "eventbridge" for t in fn.triggers):
            # S3 events through EventBridge: the buckets that send theirs to the bus
            out |= {w.src for w in wires_of(self.ctx, self.matcher) if w.label == "s3:eventbridge"}
        return out or None


def _service_of(call: dict) -> Optional[str]:
    service = call.get("service")
    op = call.get("operation")
    if service is None:
        if call.get("rtype") in ("Object", "Bucket"):
            service = "s3"
        elif call.get("rtype") == "Table":
            service = "dynamodb"
        elif call.get("rtype") == "Queue":
            service = "sqs"
        elif call.get("rtype") == "Topic":
            service = "sns"
        else:
            service = _OP_SERVICE.get(op or "")
    if service == "sfn":
        service = "stepfunctions"
    if service not in WRITE_OPS or op not in WRITE_OPS[service]:
        return None
    if op == "put" and call.get("rtype") not in ("Object", None):
        return None
    return service


def code_writes(ctx: TemplateCtx, fn_id: str, unit: CodeUnit, resolver: Resolver
                ) -> Tuple[List[WriteEdge], Set[str]]:
    """Write edges of a function's code, and the services of writes whose target is unknown."""
    edges: List[WriteEdge] = []
    unknown: Set[str] = set()
    done: Set[Tuple[str, int, int]] = set()
    for mod, name in unit.reachable:
        for call in mod.facts.get("boto3_calls", ()) or ():
            owner = call.get("function") or ""
            if owner != name and not owner.startswith(name + "."):
                continue
            key = (mod.path or "<inline>", call.get("line", 0), call.get("column", 0))
            if key in done:
                continue
            done.add(key)
            service = _service_of(call)
            if service is None:
                continue
            targets = call.get("targets") or {}
            if service == "events":
                entries = call.get("entries")
                if not entries:
                    unknown.add(service)
                    continue
                for entry in entries:
                    bus = entry.get("EventBusName")
                    got = {DEFAULT_BUS} if bus is None else resolver.targets(fn_id, service, bus)
                    if got is None:
                        unknown.add(service)
                        continue
                    for node in sorted(got):
                        edges.append(WriteEdge(fn_id, node, call["operation"], "code", mod, call, entry=entry))
                continue
            org = None
            for arg in _TARGET_ARGS.get(service, ()):
                if arg in targets:
                    org = targets[arg]
                    break
            got = resolver.targets(fn_id, service, org)
            if got is None:
                unknown.add(service)
                continue
            for node in sorted(got):
                if service == "lambda" and node == fn_id:
                    continue  # direct self-invocation is LL104's
                edges.append(WriteEdge(fn_id, node, call["operation"], "code", mod, call, key=targets.get("Key")))
    return edges, unknown


# --------------------------------------------------------------------------- policies

_SAM_POLICY_WRITES = {
    "S3CrudPolicy": ("s3", "BucketName"), "S3WritePolicy": ("s3", "BucketName"),
    "S3FullAccessPolicy": ("s3", "BucketName"),
    "SQSSendMessagePolicy": ("sqs", "QueueName"), "SQSPollerPolicy": None,
    "SNSPublishMessagePolicy": ("sns", "TopicName"), "SNSCrudPolicy": ("sns", "TopicName"),
    "DynamoDBCrudPolicy": ("dynamodb", "TableName"), "DynamoDBWritePolicy": ("dynamodb", "TableName"),
    "KinesisCrudPolicy": ("kinesis", "StreamName"),
    "EventBridgePutEventsPolicy": ("events", "EventBusName"),
    "LambdaInvokePolicy": ("lambda", "FunctionName"),
    "StepFunctionsExecutionPolicy": ("stepfunctions", "StateMachineName"),
}
_ACTION_SERVICE = {
    "s3": ("s3", ("putobject", "*", "put*", "copyobject")),
    "sqs": ("sqs", ("sendmessage", "sendmessagebatch", "*", "send*")),
    "sns": ("sns", ("publish", "*")),
    "kinesis": ("kinesis", ("putrecord", "putrecords", "*", "put*")),
    "dynamodb": ("dynamodb", ("putitem", "updateitem", "deleteitem", "batchwriteitem", "*", "put*", "update*",
                              "transactwriteitems")),
    "events": ("events", ("putevents", "*", "put*")),
    "lambda": ("lambda", ("invokefunction", "invoke*", "*", "invokeasync")),
    "states": ("stepfunctions", ("startexecution", "start*", "*", "startsyncexecution")),
}


def _as_list(v: Any) -> List[Any]:
    if v is None:
        return []
    return list(v) if isinstance(v, list) else [v]


def _statement_writes(ctx: TemplateCtx, matcher: Matcher, doc: Any) -> List[Tuple[str, Set[str]]]:
    out: List[Tuple[str, Set[str]]] = []
    stmts = doc.get("Statement") if isinstance(doc, dict) else None
    for st in _as_list(stmts):
        if not isinstance(st, dict):
            continue
        if resolve_literal(ctx.model, st.get("Effect")) != "Allow":
            continue
        services: Set[str] = set()
        for a in _as_list(st.get("Action")):
            a = resolve_literal(ctx.model, a)
            if not isinstance(a, str) or ":" not in a:
                continue
            prefix, act = a.lower().split(":", 1)
            spec = _ACTION_SERVICE.get(prefix)
            if spec and act in spec[1]:
                services.add(spec[0])
        if not services:
            continue
        refs: Set[str] = set()
        lits: List[str] = []
        for r in _as_list(st.get("Resource")):
            refs |= ctx.model.resolver.refs_in(r)
            lit = resolve_literal(ctx.model, r)
            if isinstance(lit, str):
                lits.append(lit)
        for service in services:
            got = matcher.typed(service, refs)
            for lit in lits:
                if lit != "*":
                    seg = lit.split(":::")[-1].split("/")[0] if service == "s3" else lit
                    got |= matcher.literal(service, seg)
            if got:
                out.append((service, got))
    return out


def policy_writes(ctx: TemplateCtx, fn_id: str, matcher: Matcher) -> List[WriteEdge]:
    fn = ctx.model.functions[fn_id]
    edges: List[WriteEdge] = []
    policies = fn.policies
    for item in _as_list(policies):
        if not isinstance(item, dict):
            continue
        if "Statement" in item:
            for service, nodes in _statement_writes(ctx, matcher, item):
                for node in sorted(nodes):
                    edges.append(WriteEdge(fn_id, node, "", "policy", policy=f"policy {_verb(service)}"))
            continue
        for name, args in item.items():
            spec = _SAM_POLICY_WRITES.get(name)
            if not spec:
                continue
            service, key = spec
            value = args.get(key) if isinstance(args, dict) else None
            got = matcher.resolved(service, ctx.model.resolver.resolve(value)) if value is not None else None
            for node in sorted(got or ()):
                edges.append(WriteEdge(fn_id, node, "", "policy", policy=name))
    role = fn.role
    if role is not None:
        role_ids = ctx.model.resolver.refs_in(role)
        for lid, res in ctx.model.resources.items():
            if res.props is None:
                continue
            docs: List[Any] = []
            if lid in role_ids and res.type == "AWS::IAM::Role":
                docs += [p.get("PolicyDocument") for p in _as_list(res.get("Policies")) if isinstance(p, dict)]
            elif res.type in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy"):
                attached = ctx.model.resolver.refs_in(res.get("Roles")) | ctx.model.resolver.refs_in(res.get("RoleName"))
                if attached & role_ids:
                    docs.append(res.get("PolicyDocument"))
            for doc in docs:
                for service, nodes in _statement_writes(ctx, matcher, doc):
                    for node in sorted(nodes):
                        edges.append(WriteEdge(fn_id, node, "", "policy", policy=f"{lid} {_verb(service)}"))
    return edges


def _verb(service: str) -> str:
    return {"s3": "s3:PutObject", "sqs": "sqs:SendMessage", "sns": "sns:Publish", "kinesis": "kinesis:PutRecord",
            "dynamodb": "dynamodb:PutItem", "events": "events:PutEvents", "lambda": "lambda:InvokeFunction",
            "stepfunctions": "states:StartExecution"}.get(service, service)


# --------------------------------------------------------------------------- triggers

def _s3_filter(ctx: TemplateCtx, trig: Any) -> Tuple[Optional[List[str]], Optional[str], Optional[str]]:
    """(events, prefix, suffix) of an S3 trigger."""
    model = ctx.model
    events: Any = None
    filt: Any = None
    if trig.origin == "sam" and trig.props is not None:
        events = trig.props.get("Events")
        filt = trig.props.get("Filter")
    elif trig.origin == "s3-notification":
        m = re.match(r"^(.*)/LambdaConfigurations/(\d+)$", trig.anchor)
        bucket = model.resources.get(m.group(1)) if m else None
        nc = bucket.get("NotificationConfiguration") if bucket is not None else None
        lcs = nc.get("LambdaConfigurations") if isinstance(nc, dict) else None
        if isinstance(lcs, list) and m and int(m.group(2)) < len(lcs) and isinstance(lcs[int(m.group(2))], dict):
            lc = lcs[int(m.group(2))]
            events = lc.get("Event")
            filt = lc.get("Filter")
    evs = [resolve_literal(model, e) for e in _as_list(events)]
    ev_list = [e for e in evs if isinstance(e, str)] if evs and all(isinstance(e, str) for e in evs) else None
    prefix = suffix = None
    s3key = filt.get("S3Key") if isinstance(filt, dict) else None
    rules = s3key.get("Rules") if isinstance(s3key, dict) else None
    for rule in _as_list(rules):
        if not isinstance(rule, dict):
            continue
        name = resolve_literal(model, rule.get("Name"))
        value = resolve_literal(model, rule.get("Value"))
        if not isinstance(name, str) or not isinstance(value, str):
            continue
        if name.lower() == "prefix":
            prefix = value
        elif name.lower() == "suffix":
            suffix = value
    return ev_list, prefix, suffix


def trigger_edges(ctx: TemplateCtx, matcher: Matcher) -> List[TriggerEdge]:
    model = ctx.model
    out: List[TriggerEdge] = []
    for trig in model.triggers:
        fn = trig.function
        if fn is None:
            continue
        kind = trig.kind
        if kind in ("s3", "sqs", "sns", "kinesis", "dynamodb", "stream"):
            src = trig.source
            nodes: Set[str] = set()
            if src is not None:
                if src.is_resource:
                    nodes = {src.value} if src.value in model.resources else set()
                else:
                    for svc in ("s3", "sqs", "sns", "kinesis", "dynamodb"):
                        nodes |= matcher.resolved(svc, src) or set()
            for node in nodes:
                res = model.resources.get(node)
                if res is None:
                    continue
                if kind == "s3":
                    evs, prefix, suffix = _s3_filter(ctx, trig)
                    label = (evs[0] if evs else "s3:ObjectCreated").replace(":*", "")
                    out.append(TriggerEdge(node, fn.logical_id, trig, label, evs, prefix, suffix))
                else:
                    label = {"sqs": "sqs", "sns": "sns", "kinesis": "kinesis", "dynamodb": "dynamodb-stream",
                             "stream": "stream"}[kind]
                    if res.type == "AWS::SNS::Topic":
                        label = "sns"
                    edge = TriggerEdge(node, fn.logical_id, trig, label)
                    _trigger_filters(ctx, trig, edge)
                    out.append(edge)
        elif kind == "eventbridge" and trig.origin in ("sam", "events-rule"):
            if trig.origin == "sam":
                props = trig.props or {}
                bus, pattern = props.get("EventBusName"), props.get("Pattern")
            else:
                rule = model.resources.get(trig.logical_id)
                if rule is None:
                    continue
                bus, pattern = rule.get("EventBusName"), rule.get("EventPattern")
            if bus is None:
                nodes = {DEFAULT_BUS}
            else:
                nodes = matcher.resolved("events", model.resolver.resolve(bus)) or set()
            for node in nodes:
                out.append(TriggerEdge(node, fn.logical_id, trig, "events:rule",
                                       pattern=pattern if isinstance(pattern, dict) else None))
    # wiring into a function: a Pipe's enrichment or target, a Firehose transform
    for wire in wires_of(ctx, matcher):
        if wire.to_function and wire.src not in model.functions:
            edge = TriggerEdge(wire.src, wire.dst, None, wire.label, wire=wire)
            if wire.filter_kind == "esm":
                edge.filters = list(wire.patterns)
            out.append(edge)
    # state machines run the functions their definitions name
    for lid, res in model.resources.items():
        if res.type in RESOURCE_TYPES["stepfunctions"] and res.props is not None:
            refs: Set[str] = set()
            for key in ("Definition", "DefinitionSubstitutions", "DefinitionString"):
                refs |= model.resolver.refs_in(res.get(key))
            for ref in sorted(refs):
                fn = model.function_for({"Ref": ref})
                if fn is not None:
                    out.append(TriggerEdge(lid, fn.logical_id, None, "states:invoke"))
    return out


def _trigger_filters(ctx: TemplateCtx, trig: Any, edge: TriggerEdge) -> None:
    """ESM ``FilterCriteria`` and SNS ``FilterPolicy`` of a trigger (SAM event or resource)."""
    from lambda_lint.project.patterns import parse_pattern
    from lambda_lint.project.wiring import _literalish

    props = trig.props
    if props is None or not hasattr(props, "get"):
        return
    fc = props.get("FilterCriteria")
    filters = fc.get("Filters") if isinstance(fc, dict) else None
    pats = []
    for f in _as_list(filters):
        pat = parse_pattern(_literalish(ctx.model, f.get("Pattern"))) if isinstance(f, dict) else None
        if pat is None:
            pats = []
            break
        pats.append(pat)
    edge.filters = pats
    pol = props.get("FilterPolicy")
    if pol is not None:
        edge.policy = parse_pattern(_literalish(ctx.model, pol))
        scope = resolve_literal(ctx.model, props.get("FilterPolicyScope"))
        edge.scope = scope if isinstance(scope, str) else "MessageAttributes"


def wires_of(ctx: TemplateCtx, matcher: Matcher) -> List[Any]:
    cached = ctx.__dict__.get("_wires")
    if cached is None:
        from lambda_lint.project.wiring import wires

        cached = wires(ctx, matcher)
        ctx.__dict__["_wires"] = cached
    return cached


# --------------------------------------------------------------------------- hops and cycles

@dataclass
class Hop:
    """One step of a cycle: a function's write, the wiring it flows through, and the trigger
    (None: the write invokes the next function directly)."""

    write: WriteEdge
    wires: List[Any]
    trigger: Optional[TriggerEdge]
    target: str  # the next function
    notes: List[str] = field(default_factory=list)  # what could not be resolved

    @property
    def node(self) -> str:
        return self.write.node


@dataclass
class Cycle:
    steps: List[Hop]
    bounded: Optional[str] = None  # why the loop ends: "one extra round" / hop counter
    bounded_at: Optional[Tuple[Any, int, int]] = None  # (module, line, column) of the guard

    @property
    def policy_only(self) -> bool:
        return any(h.write.source == "policy" for h in self.steps)

    def text(self) -> str:
        parts = [self.steps[0].write.function]
        for h in self.steps:
            w = h.write
            if h.trigger is None and not h.wires:
                parts.append(f"-{w.label}-> {h.target}")
                continue
            parts.append(f"-{w.label}-> {_node_name(w.node)}")
            for wire in h.wires:
                parts.append(f"-{wire.label}-> {_node_name(wire.dst)}")
            if h.trigger is not None:
                parts.append(f"-{h.trigger.label}-> {h.target}")
        return " ".join(parts)

    def nodes(self) -> List[str]:
        out: List[str] = []
        for h in self.steps:
            if h.trigger is not None or h.wires:
                out.append(h.write.node)
                out += [wire.dst for wire in h.wires if not wire.to_function]
        return out


def _node_name(node: str) -> str:
    return "the default event bus" if node == DEFAULT_BUS else node


class Graph:
    """The event graph of one template, and the evidence that cuts or bounds its edges."""

    def __init__(self, ctx: TemplateCtx, locator: Any) -> None:
        self.ctx = ctx
        self.locator = locator
        self.matcher = Matcher(ctx)
        self.resolver = Resolver(ctx, self.matcher, locator)
        self.writes: Dict[str, List[WriteEdge]] = {}
        self.unknown: Dict[str, Set[str]] = {}  # function -> services of writes with unknown targets
        self.triggers: Dict[str, List[TriggerEdge]] = {}
        self.wires: Dict[str, List[Any]] = {}  # resource -> wires out of it
        self._strings: Dict[str, Any] = {}
        self._cycles: Optional[List[Cycle]] = None
        self._build()

    def _build(self) -> None:
        ctx = self.ctx
        for fn_id in ctx.model.functions:
            unit = ctx.units.get(fn_id)
            if unit is not None:
                edges, unknown = code_writes(ctx, fn_id, unit, self.resolver)
                self.unknown[fn_id] = unknown
                if unknown:
                    # targets we could not resolve: the policy's grants for those services stand in
                    # (LL307 only: a permission is not a write)
                    for pe in policy_writes(ctx, fn_id, self.matcher):
                        if _service_of_node(ctx, pe.node) in unknown and not any(e.node == pe.node for e in edges):
                            edges.append(pe)
            else:
                edges = policy_writes(ctx, fn_id, self.matcher)
            self.writes[fn_id] = edges
        for t in trigger_edges(ctx, self.matcher):
            self.triggers.setdefault(t.node, []).append(t)
        for wire in wires_of(ctx, self.matcher):
            if wire.src in ctx.model.functions:
                # a function's output sent on by configuration (a Pipe's enrichment)
                self.writes.setdefault(wire.src, []).append(
                    WriteEdge(wire.src, wire.dst, wire.label, "wiring", wire=wire))
            elif not wire.to_function:
                self.wires.setdefault(wire.src, []).append(wire)

    # ---- the strings a function's code writes
    def strings(self, fn_id: str) -> Any:
        from lambda_lint.project.strings import Strings

        got = self._strings.get(fn_id)
        if got is None:
            got = Strings(self.ctx, fn_id, self.locator, self.s3_filters)
            self._strings[fn_id] = got
        return got

    def s3_filters(self, fn_id: str) -> List[Tuple[Optional[str], Optional[str]]]:
        fn = self.ctx.model.functions.get(fn_id)
        out = []
        for trig in (fn.triggers if fn is not None else ()):
            if trig.kind == "s3":
                _evs, pre, suf = _s3_filter(self.ctx, trig)
                out.append((pre, suf))
        for edges in self.triggers.values():
            for t in edges:
                if t.function == fn_id and t.label == "events:rule" and (t.pattern or {}).get("source") == ["aws.s3"]:
                    out.append((_eb_key_prefix(t.pattern), None))
        return out

    # ---- cycles
    def cycles(self, limit: int = 500) -> List[Cycle]:
        if self._cycles is None:
            self._cycles = self._find_cycles(limit)
        return self._cycles

    def _routes(self, f: str) -> List[Hop]:
        """Every way data written by ``f`` reaches a function: write, wires (at most 3, no
        resource twice), trigger."""
        fn_set = self.ctx.model.functions
        out: List[Hop] = []
        for w in self.writes.get(f, ()):
            if w.node in fn_set and w.node not in self.triggers:
                out.append(Hop(w, [], None, w.node))
                continue
            stack: List[Tuple[str, List[Any]]] = [(w.node, [])]
            while stack:
                node, path = stack.pop()
                for t in self.triggers.get(node, ()):
                    out.append(Hop(w, path, t, t.function))
                if len(path) >= 3:
                    continue
                for wire in self.wires.get(node, ()):
                    if wire.dst == w.node or any(x.dst == wire.dst for x in path):
                        continue
                    stack.append((wire.dst, path + [wire]))
        return out

    def _find_cycles(self, limit: int) -> List[Cycle]:
        """Every elementary cycle over functions (each function and resource at most once), one
        per distinct sequence of functions and resources, with the best evidence (code, then
        wiring, then policy) among the routes that are not cut."""
        fn_ids = sorted(self.ctx.model.functions)
        order = {f: i for i, f in enumerate(fn_ids)}
        routes: Dict[str, Dict[Tuple, List[Hop]]] = {}
        for f in fn_ids:
            groups: Dict[Tuple, List[Hop]] = {}
            for hop in self._routes(f):
                key = (hop.target, hop.write.node, tuple(x.dst for x in hop.wires))
                groups.setdefault(key, []).append(hop)
            routes[f] = groups
        rank = {"code": 0, "wiring": 1, "policy": 2}
        cycles: List[Cycle] = []
        seen: Set[Tuple] = set()

        def best(hops: List[Hop]) -> Optional[Hop]:
            ranked = sorted(hops, key=lambda h: (rank.get(h.write.source, 3),
                                                 h.write.call.get("line", 0) if h.write.call else 0))
            for h in ranked:
                if not self.cut(h):
                    return h
            return None

        for start in fn_ids:
            stack: List[Tuple[str, List[Hop], Set[str]]] = [(start, [], {start})]
            while stack and len(cycles) < limit:
                f, path, visited = stack.pop()
                for key, hops in sorted(routes[f].items(), key=lambda kv: kv[0]):
                    g, node, via = key
                    if g not in order or order[g] < order[start]:
                        continue
                    res = {"R:" + node} | {"R:" + v for v in via}
                    if res & visited:
                        continue
                    hop = best(hops)
                    if hop is None:
                        continue
                    new_path = path + [hop]
                    if g == start:
                        sig = tuple((h.write.function, h.write.node, tuple(x.dst for x in h.wires)) for h in new_path)
                        if sig not in seen:
                            seen.add(sig)
                            cycles.append(self._judge(Cycle(new_path)))
                        continue
                    if g in visited:
                        continue
                    stack.append((g, new_path, visited | {g} | res))
        return cycles

    # ---- cuts: a write that provably does not fire the trigger
    def cut(self, hop: Hop) -> bool:
        from lambda_lint.project import patterns as P

        w, t = hop.write, hop.trigger
        ctx = self.ctx
        if w.source == "policy":
            return False
        if hop.wires:
            first = hop.wires[0]
            if w.source == "code" and first.filter_kind == "events" and first.patterns \
                    and all(_aws_sources_only(ctx, p) for p in first.patterns):
                return True
            if w.source == "code" and first.filter_kind in ("sns", "events", "esm") and first.patterns:
                doc = self._doc_for(w, first.filter_kind, first.scope)
                if doc is not None and not any(P.may_match(p, doc) for p in first.patterns):
                    return True
            last = hop.wires[-1]
            if t is not None and t.label == "events:rule" and last.label == "s3:eventbridge" and len(hop.wires) == 1:
                doc = self._s3_event_doc(w)
                if doc is not None and not P.may_match(t.pattern or {}, doc):
                    return True
                return False
            if t is not None and t.label.startswith("s3:") and last.key_prefix is not None:
                return _s3_keys_miss(t, [(last.key_prefix, None)] if last.key_prefix else [(None,)])
            if t is not None and t.label == "states:invoke":
                return False
            return False
        if t is None:
            return False
        if t.trigger is None and t.label == "states:invoke":
            return w.operation not in ("start_execution", "start_sync_execution") and w.source == "code"
        if w.source != "code":
            return False
        if t.label.startswith("s3:"):
            if t.s3_events is not None and w.operation not in ("delete_object", "delete_objects"):
                if not any("ObjectCreated" in e or e == "s3:*" for e in t.s3_events):
                    return True
            if not (t.prefix or t.suffix):
                return False
            alts = self._key_alts(w)
            if _s3_keys_miss(t, alts):
                return True
            if alts and all(not any(x for x in a if x) for a in alts):
                hop.notes.append(f"the written key could not be resolved against the trigger's "
                                 f"{_filter_text(t)} filter")
            return False
        if t.label == "events:rule":
            pattern = t.pattern or {}
            if _aws_sources_only(ctx, pattern):
                return True
            doc = self._doc_for(w, "events")
            if doc is not None and not P.may_match(pattern, doc):
                return True
            if doc is None or not doc.fields.get("source"):
                hop.notes.append("the event's Source could not be resolved against the rule's pattern")
            return False
        if t.policy and w.operation in ("publish", "publish_batch"):
            doc = self._doc_for(w, "sns", t.scope)
            if doc is not None and not P.may_match(t.policy, doc):
                return True
            if doc is None:
                hop.notes.append("the message attributes could not be matched against the subscription's FilterPolicy")
        if t.filters:
            doc = self._doc_for(w, "esm")
            if doc is not None and not any(P.may_match(p, doc) for p in t.filters):
                return True
            if doc is None:
                hop.notes.append("what is written could not be matched against the trigger's FilterCriteria")
        return False

    def _s3_event_doc(self, w: WriteEdge) -> Any:
        """The EventBridge event S3 sends for a code write to a bucket."""
        from lambda_lint.project.patterns import Doc, UNKNOWN

        if w.source != "code":
            return None
        deleting = w.operation in ("delete_object", "delete_objects")
        name = self.matcher.name_of(w.node)
        bucket = Doc({"name": [(name,)] if name else UNKNOWN})
        obj = Doc({"key": self._key_alts(w)})
        return Doc({"source": [("aws.s3",)], "detail-type": [("Object Deleted",)] if deleting else [("Object Created",)],
                    "detail": Doc({"bucket": bucket, "object": obj})})

    def _key_alts(self, w: WriteEdge) -> List[Any]:
        strs = self.strings(w.function)
        if w.key is not None:
            return strs.resolve(w.key)
        if w.call is not None and w.call.get("key_prefix"):
            return [(w.call["key_prefix"], None)]
        return [(None,)]

    def _doc_for(self, w: WriteEdge, kind: str, scope: str = "MessageAttributes") -> Any:
        """The event a code write makes, as the filter of ``kind`` sees it; None when unknown."""
        from lambda_lint.project.patterns import Doc, UNKNOWN

        call = w.call or {}
        strs = self.strings(w.function)
        payload = call.get("payload") or {}

        def doc(d: Optional[dict], typed: bool = False) -> Any:
            if d is None:
                return None
            fields: Dict[str, Any] = {}
            for k, v in d.items():
                if k == "**":
                    continue
                if isinstance(v, dict) and v.get("kind") == "doc":
                    sub = doc(v.get("doc"), typed)
                    fields[k] = sub if sub is not None else UNKNOWN
                elif typed:
                    fields[k] = _typed(v, strs)
                elif isinstance(v, dict) and v.get("kind") == "literal" and (v.get("value") is None
                                                                          or isinstance(v.get("value"), bool)):
                    fields[k] = [(json.dumps(v.get("value")),)]  # JSON true/false/null
                else:
                    fields[k] = strs.resolve(v)
            return Doc(fields, closed="**" not in d)

        if kind == "events":
            entry = w.entry
            if entry is None:
                return None
            fields = {}
            for key, name in (("source", "Source"), ("detail-type", "DetailType")):
                if name in entry:
                    alts = strs.resolve(entry[name])
                    fields[key] = alts if any(any(x for x in a if x) for a in alts) else UNKNOWN
            if "Detail" in entry:
                d = doc(entry["Detail"])
                if d is not None:
                    fields["detail"] = d
            return Doc(fields, closed=False) if fields else None
        if kind == "sns":
            if "**" in payload:
                return None
            if scope == "MessageBody":
                return doc(payload.get("body")) if payload.get("body") is not None else None
            if "attributes" not in payload:
                return Doc({}, closed=True)  # no MessageAttributes at all
            attrs = payload.get("attributes")
            if attrs is None:
                return None
            fields = {}
            for k, v in attrs.items():
                if k == "**":
                    continue
                inner = v.get("doc") if isinstance(v, dict) and v.get("kind") == "doc" else None
                val = (inner or {}).get("StringValue")
                fields[k] = strs.resolve(val) if val is not None else UNKNOWN
            return Doc(fields, closed="**" not in attrs)
        if kind == "esm":
            service = _service_of(call) if call else None
            if service == "dynamodb":
                op = w.operation
                if op == "delete_item":
                    return Doc({"eventName": [("REMOVE",)], "dynamodb": Doc({"NewImage": None})})
                if op not in ("put_item", "update_item"):
                    return None
                image: Any = UNKNOWN
                if op == "put_item" and payload.get("item") is not None:
                    image = doc(payload["item"], typed=True)
                return Doc({"eventName": [("INSERT",), ("MODIFY",)], "dynamodb": Doc({"NewImage": image})})
            if service in ("kinesis", "sqs"):
                name = "data" if service == "kinesis" else "body"
                body = payload.get("data" if service == "kinesis" else "body")
                if body is None:
                    return None
                return Doc({name: doc(body)})
            return None
        return None

    # ---- bounds: a guard that ends the loop
    def _judge(self, cycle: Cycle) -> Cycle:
        if cycle.policy_only:
            return cycle
        for i, hop in enumerate(cycle.steps):
            w = hop.write
            guards = list((w.call or {}).get("guards") or []) + self._caller_guards(w)
            for g in guards:
                if g.get("op") == "compare" and _is_hop_counter(g):
                    cycle.bounded = f"hop counter `{g.get('text')}` checked before the write"
                    cycle.bounded_at = (w.module, w.call.get("line", 0), w.call.get("column", 0))
                    return cycle
            prev = cycle.steps[i - 1].write  # what arrives at this function
            for g in guards:
                if g.get("op") not in ("startswith", "endswith", "eq", "in"):
                    continue
                written = self._written_value(prev, g.get("value") or {})
                if written is None:
                    continue
                if not any(_guard_may_hold(g, p) for p in written):
                    cycle.bounded = ("one extra round: it writes only for records "
                                     f"{_guard_text(g)}, and what it writes is not one of them")
                    cycle.bounded_at = (w.module, w.call.get("line", 0), w.call.get("column", 0))
                    return cycle
        return cycle

    def _caller_guards(self, w: WriteEdge, depth: int = 0) -> List[dict]:
        """The guards a helper's write runs under in its caller: when the helper is called from
        exactly one place among the function's code, that call's ``if`` tests (up to 3 levels)."""
        unit = self.ctx.units.get(w.function)
        owner = ((w.call or {}).get("function") or "").split(".")[-1]
        if unit is None or not owner or w.source != "code":
            return []
        out: List[dict] = []
        name = owner
        for _ in range(3):
            if name == unit.handler:
                break
            sites = [cg for _mod, f in unit.reachable_facts() for cg in (f.get("call_guards") or ())
                     if cg.get("callee") == name]
            calls = [f for _mod, f in unit.reachable_facts() if name in {c.split(".")[-1] for c in f.get("calls") or ()}]
            if len(sites) != 1 or len(calls) != 1:
                break
            out += sites[0].get("guards") or []
            name = calls[0].get("name") or ""
        return out

    def _written_value(self, w: WriteEdge, org: dict) -> Optional[List[Any]]:
        """The string alternatives that ``w`` writes where a guard reads ``org`` (an event path)."""
        if org.get("kind") != "event" or w.source != "code":
            return None
        path = [p for p in (org.get("path") or []) if p not in ("*", 0)]
        strs = self.strings(w.function)
        if tuple(path) in (("Records", "s3", "object", "key"),):
            return self._key_alts(w) if w.key is not None else None
        payload = (w.call or {}).get("payload") or {}
        for marker, field_name in (("NewImage", "item"), ("Keys", "item"), ("body", "body"), ("data", "data")):
            if marker in path:
                rest = path[path.index(marker) + 1:]
                d = payload.get(field_name)
                if d is None and field_name == "item":
                    d = payload.get("key")  # update_item/delete_item: the key names the row
                if not rest or d is None:
                    return None
                v = d.get(rest[0])
                if isinstance(v, dict) and v.get("kind") == "doc":
                    return None
                return strs.resolve(v) if v is not None else None
        return None


_HOP_RE = re.compile(r"hop|depth|step|recurs|generation|iteration|attempt|retr(y|ies)|ttl|level|count|round",
                     re.IGNORECASE)


def _eb_key_prefix(pattern: Any) -> Optional[str]:
    """``detail.object.key: [{prefix: uploads/}]`` of an S3 EventBridge rule."""
    detail = pattern.get("detail") if isinstance(pattern, dict) else None
    obj = detail.get("object") if isinstance(detail, dict) else None
    keys = obj.get("key") if isinstance(obj, dict) else None
    if isinstance(keys, list) and len(keys) == 1 and isinstance(keys[0], dict) and isinstance(keys[0].get("prefix"), str):
        return keys[0]["prefix"]
    return None


def _aws_sources_only(ctx: TemplateCtx, pattern: Any) -> bool:
    """A pattern on ``aws.*`` sources only: PutEvents can't send those, AWS services do."""
    if not isinstance(pattern, dict):
        return False
    sources = [resolve_literal(ctx.model, s) for s in _as_list(pattern.get("source"))]
    return bool(sources) and all(isinstance(s, str) and s.startswith("aws.") for s in sources)


def _is_hop_counter(g: dict) -> bool:
    """A comparison of a counter carried in the incoming message (``event["hops"] >= MAX``)."""
    org = g.get("value") or {}
    if org.get("kind") not in ("event", "param"):
        return False
    keys = [str(k) for k in org.get("path") or [] if isinstance(k, str) and k != "*"]
    name = keys[-1] if keys else (org.get("name") or "")
    return bool(_HOP_RE.search(name) or (not keys and _HOP_RE.search(g.get("text") or "")))


def _typed(v: Any, strs: Any) -> Any:
    """A DynamoDB attribute value as a stream image shows it: ``{"S": ...}`` / ``{"N": ...}``."""
    from lambda_lint.project.patterns import Doc, UNKNOWN

    kind = v.get("kind") if isinstance(v, dict) else None
    if kind == "literal":
        val = v.get("value")
        if isinstance(val, bool) or val is None:
            return UNKNOWN
        if isinstance(val, (int, float)):
            return Doc({"N": [(str(val),)]}, closed=True)
        return Doc({"S": [(str(val),)]}, closed=True)
    if kind in ("concat", "format"):
        return Doc({"S": strs.resolve(v)}, closed=True)
    return UNKNOWN


def _guard_may_hold(g: dict, p: Any) -> bool:
    from lambda_lint.project import strings as S

    op, holds = g.get("op"), g.get("holds", True)
    args = g.get("args") or ([g["arg"]] if "arg" in g else [])
    if op == "startswith":
        may = any(S.may_start_with(p, a) for a in args)
        must = any(S.prefix(p)[0].startswith(a) for a in args)
    elif op == "endswith":
        may = any(S.may_end_with(p, a) for a in args)
        must = any(S.suffix(p)[0].endswith(a) for a in args)
    else:  # eq, in
        may = any(S.may_equal(p, a) for a in args)
        must = S.literal(p) in args
    return may if holds else not must


def _guard_text(g: dict) -> str:
    args = g.get("args") or [g.get("arg")]
    what = {"startswith": "starting with", "endswith": "ending with", "eq": "equal to", "in": "equal to"}[g["op"]]
    neg = "" if g.get("holds", True) else "not "
    return f"{neg}{what} " + " or ".join(repr(a) for a in args)


def _filter_text(t: TriggerEdge) -> str:
    parts = []
    if t.prefix:
        parts.append(f"prefix `{t.prefix}`")
    if t.suffix:
        parts.append(f"suffix `{t.suffix}`")
    return " and ".join(parts)


def _s3_keys_miss(t: TriggerEdge, alts: List[Any]) -> bool:
    """No written key can pass the trigger's prefix and suffix filter."""
    from lambda_lint.project import strings as S

    for p in alts:
        if t.prefix and not S.may_start_with(p, t.prefix):
            continue
        if t.suffix and not S.may_end_with(p, t.suffix):
            continue
        return False
    return True


def build_graph(ctx: TemplateCtx, locator: Any) -> Graph:
    return Graph(ctx, locator)


def _service_of_node(ctx: TemplateCtx, node: str) -> Optional[str]:
    if node == DEFAULT_BUS:
        return "events"
    res = ctx.model.resources.get(node)
    if res is None:
        return None
    for service, types in RESOURCE_TYPES.items():
        if res.type in types:
            return service
    return None
