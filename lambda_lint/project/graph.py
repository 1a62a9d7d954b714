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
}
# operations that name their service unambiguously (client made elsewhere, passed in)
_OP_SERVICE = {
    "put_object": "s3", "copy_object": "s3", "upload_file": "s3", "upload_fileobj": "s3",
    "create_multipart_upload": "s3", "complete_multipart_upload": "s3",
    "send_message": "sqs", "send_message_batch": "sqs", "publish": "sns", "publish_batch": "sns",
    "put_record": "kinesis", "put_records": "kinesis", "put_item": "dynamodb", "update_item": "dynamodb",
    "delete_item": "dynamodb", "batch_write_item": "dynamodb", "transact_write_items": "dynamodb",
    "batch_writer": "dynamodb", "put_events": "events", "invoke_async": "lambda",
    "start_execution": "stepfunctions",
}
_TARGET_ARGS = {
    "s3": ("Bucket",), "sqs": ("QueueUrl",), "sns": ("TopicArn", "TargetArn"),
    "kinesis": ("StreamName", "StreamARN"), "dynamodb": ("TableName",), "lambda": ("FunctionName",),
    "stepfunctions": ("stateMachineArn",),
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
}
_NAME_PROPS = {
    "AWS::S3::Bucket": "BucketName", "AWS::SQS::Queue": "QueueName", "AWS::SNS::Topic": "TopicName",
    "AWS::Kinesis::Stream": "Name", "AWS::DynamoDB::Table": "TableName", "AWS::DynamoDB::GlobalTable": "TableName",
    "AWS::Events::EventBus": "Name", "AWS::Lambda::Function": "FunctionName",
    "AWS::Serverless::Function": "FunctionName", "AWS::StepFunctions::StateMachine": "StateMachineName",
    "AWS::Serverless::StateMachine": "Name", "AWS::Serverless::SimpleTable": "TableName",
}
DEFAULT_BUS = "<default event bus>"


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

    @property
    def label(self) -> str:
        return self.operation if self.source == "code" else self.policy


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


@dataclass
class Graph:
    writes: Dict[str, List[WriteEdge]] = field(default_factory=dict)  # function -> edges
    triggers: Dict[str, List[TriggerEdge]] = field(default_factory=dict)  # node -> edges
    node_types: Dict[str, str] = field(default_factory=dict)


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
            parts = org.get("parts") or []
            if parts and all(p.get("kind") == "literal" for p in parts):
                return self.matcher.literal(service, "".join(str(p.get("value")) for p in parts))
            found: Set[str] = set()
            unknown = False
            for p in parts:
                if p.get("kind") == "literal":
                    continue
                got = self.targets(fn_id, service, p, depth + 1)
                if got:
                    found |= got
                elif got is None:
                    unknown = True
            if found:
                return found
            return None if unknown else set()
        return None

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
            service = {"stream": "kinesis"}.get(kind, kind)
            src = trig.source
            nodes: Set[str] = set()
            if src is not None:
                if src.is_resource:
                    nodes = {src.value} if src.value in model.resources else set()
                else:
                    for svc in ("s3", "sqs", "sns", "kinesis", "dynamodb"):
                        nodes |= matcher.resolved(svc, src) or set()
            if trig.origin == "sam" and trig.sam_type == "SNS" and kind == "sqs":
                service = "sns"
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
                    out.append(TriggerEdge(node, fn.logical_id, trig, label))
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


# --------------------------------------------------------------------------- cuts

def _str_origin_affixes(org: Optional[dict]) -> Tuple[Optional[str], Optional[str]]:
    """(literal prefix, literal suffix) of a string origin, where knowable."""
    if not org:
        return None, None
    kind = org.get("kind")
    if kind == "literal" and isinstance(org.get("value"), str):
        return org["value"], org["value"]
    if kind in ("concat", "format") and org.get("parts"):
        parts = org["parts"]
        first, last = parts[0], parts[-1]
        pre = first.get("value") if first.get("kind") == "literal" and isinstance(first.get("value"), str) else None
        suf = last.get("value") if last.get("kind") == "literal" and isinstance(last.get("value"), str) else None
        return pre or None, suf or None
    return None, None


def edge_cut(w: WriteEdge, t: TriggerEdge, ctx: TemplateCtx) -> bool:
    """True when this write provably does not fire this trigger."""
    if t.trigger is None and t.label == "states:invoke":
        return w.operation not in ("start_execution", "start_sync_execution") and w.source == "code"
    if t.label.startswith("s3:") and w.source == "code":
        if t.s3_events is not None and w.operation not in ("delete_object", "delete_objects"):
            if not any("ObjectCreated" in e or e == "s3:*" for e in t.s3_events):
                return True
        pre, suf = _str_origin_affixes(w.key)
        if w.call is not None and w.call.get("key_prefix") and not pre:
            pre = w.call["key_prefix"]
        if t.prefix and pre is not None and not (pre.startswith(t.prefix) or t.prefix.startswith(pre)):
            return True
        if t.suffix and suf is not None and not (suf.endswith(t.suffix) or t.suffix.endswith(suf)):
            return True
    if t.label == "events:rule":
        pattern = t.pattern or {}
        src = pattern.get("source")
        sources = [resolve_literal(ctx.model, s) for s in _as_list(src)]
        if sources and all(isinstance(s, str) and s.startswith("aws.") for s in sources):
            return True  # PutEvents can't send aws.* sources
        if w.entry is not None:
            for key, field_name in (("source", "Source"), ("detail-type", "DetailType")):
                wanted = [resolve_literal(ctx.model, s) for s in _as_list(pattern.get(key))]
                org = w.entry.get(field_name)
                if wanted and all(isinstance(s, str) for s in wanted) and org and org.get("kind") == "literal":
                    if org.get("value") not in wanted:
                        return True
    return False


# --------------------------------------------------------------------------- cycles

@dataclass
class Cycle:
    steps: List[Tuple[WriteEdge, TriggerEdge]]  # F -write-> R -trigger-> F'

    @property
    def policy_only(self) -> bool:
        return any(w.source == "policy" for w, _ in self.steps)

    def text(self) -> str:
        parts = [self.steps[0][0].function]
        for w, t in self.steps:
            if w.node == t.function and t.trigger is None and t.label == "invoke":
                parts.append(f"-{w.label}-> {t.function}")
            else:
                parts.append(f"-{w.label}-> {_node_name(w.node)} -{t.label}-> {t.function}")
        return " ".join(parts)


def _node_name(node: str) -> str:
    return "the default event bus" if node == DEFAULT_BUS else node


def find_cycles(writes: Dict[str, List[WriteEdge]], triggers: Dict[str, List[TriggerEdge]],
                ctx: TemplateCtx, functions: Iterable[str], limit: int = 500) -> List[Cycle]:
    """Every elementary cycle over functions and resources (each function and each resource at
    most once), one per distinct node sequence, with the best edges (code before policy)."""
    # adjacency over nodes: ("F", id) -> ("R", node) -> ("F", id)
    fn_ids = sorted(functions)
    fn_set = set(fn_ids)

    def succ_writes(f: str) -> Dict[str, List[WriteEdge]]:
        out: Dict[str, List[WriteEdge]] = {}
        for w in writes.get(f, ()):
            out.setdefault(w.node, []).append(w)
        return out

    def succ_triggers(node: str) -> Dict[str, List[TriggerEdge]]:
        out: Dict[str, List[TriggerEdge]] = {}
        if node in fn_set and node not in triggers:
            # a direct invoke: the resource is the function itself
            out[node] = [TriggerEdge(node, node, None, "invoke")]
            return out
        for t in triggers.get(node, ()):
            out.setdefault(t.function, []).append(t)
        return out

    order = {f: i for i, f in enumerate(fn_ids)}
    cycles: List[Cycle] = []
    seen_keys: Set[Tuple] = set()

    def best_pair(wl: List[WriteEdge], tl: List[TriggerEdge]) -> Optional[Tuple[WriteEdge, TriggerEdge]]:
        ranked = sorted(wl, key=lambda w: (w.source != "code", w.call.get("line", 0) if w.call else 0))
        for w in ranked:
            for t in tl:
                if not edge_cut(w, t, ctx):
                    return w, t
        return None

    for start in fn_ids:
        # DFS over function nodes >= start (in order), resources used once per path
        stack: List[Tuple[str, List[Tuple[WriteEdge, TriggerEdge]], Set[str]]] = [(start, [], {start})]
        while stack and len(cycles) < limit:
            f, path, visited = stack.pop()
            for node, wl in sorted(succ_writes(f).items()):
                if ("R:" + node) in visited:
                    continue
                for g, tl in sorted(succ_triggers(node).items()):
                    if g not in order or order[g] < order[start]:
                        continue
                    pair = best_pair(wl, tl)
                    if pair is None:
                        continue
                    new_path = path + [pair]
                    if g == start:
                        key = tuple((w.function, w.node) for w, _ in new_path)
                        if key not in seen_keys:
                            seen_keys.add(key)
                            cycles.append(Cycle(new_path))
                        continue
                    if g in visited:
                        continue
                    stack.append((g, new_path, visited | {g, "R:" + node}))
    return cycles


def build_graph(ctx: TemplateCtx, locator: Any) -> Tuple[Dict[str, List[WriteEdge]], Dict[str, List[TriggerEdge]]]:
    matcher = Matcher(ctx)
    resolver = Resolver(ctx, matcher, locator)
    writes: Dict[str, List[WriteEdge]] = {}
    for fn_id in ctx.model.functions:
        unit = ctx.units.get(fn_id)
        if unit is not None:
            edges, unknown = code_writes(ctx, fn_id, unit, resolver)
            if unknown:
                # targets we could not resolve: fall back on the policy's grants for those services
                for pe in policy_writes(ctx, fn_id, matcher):
                    if _service_of_node(ctx, pe.node) in unknown and not any(e.node == pe.node for e in edges):
                        edges.append(pe)
        else:
            edges = policy_writes(ctx, fn_id, matcher)
        writes[fn_id] = edges
    triggers: Dict[str, List[TriggerEdge]] = {}
    for t in trigger_edges(ctx, matcher):
        triggers.setdefault(t.node, []).append(t)
    return writes, triggers


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
