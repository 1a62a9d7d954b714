"""``serverless.yml`` lowered into the CloudFormation the Framework would package.

We do what ``sls package`` does for the parts that decide runaway cost, with the
Framework's own names, so ``resources.Resources`` (plain CloudFormation written against
those names: ``!Ref ForwarderLambdaFunction``, ``!GetAtt OrdersQueue.Arn``) joins by logical ID:

* ``functions.<name>`` -> ``<Name>LambdaFunction`` (``AWS::Lambda::Function``; provider
  defaults for runtime, timeout (6 s), memory (1024 MB), environment, IAM role); ``Code`` is
  the service folder, so ``handler: src/app.handler`` resolves as the Framework packages it;
  ``maximumRetryAttempts`` / ``maximumEventAgeInSeconds`` / ``destinations`` ->
  ``<Name>LambdaEvConf`` (``AWS::Lambda::EventInvokeConfig``); ``onError`` -> DLQ.
* ``events``: ``stream`` and ``sqs`` (and ``msk``/``kafka``/``activemq``/``rabbitmq``) ->
  ``AWS::Lambda::EventSourceMapping``; ``s3`` -> the bucket with its notification (or, for
  ``existing: true``, a permission); ``sns`` -> topic and subscription; ``eventBridge`` and
  ``schedule`` -> ``AWS::Events::Rule``; ``cloudwatchLog`` -> subscription filter; ``http``,
  ``httpApi``, ``alb``, ``websocket``, ``iot``... -> ``AWS::Lambda::Permission``.
* ``resources.Resources`` merged as plain CloudFormation (a resource of the same name
  overrides or extends the generated one's properties, as in the Framework), and
  ``resources.extensions``.

Every node keeps a position in ``serverless.yml`` (the RULES.md line contract): a generated
resource sits at the function's key or the event's entry (where "missing" points), a
property at the key the user wrote (where "bad value" points); a default the Framework fills
in sits at the object it belongs to. Plugins are not run: what they add is not seen.
"""

from __future__ import annotations

import os
import re
from typing import Any, Dict, List, Optional, Tuple

from lambda_lint.iac.serverless.variables import Variables, is_unknown
from lambda_lint.iac.tree import Map, Seq

Pos = Tuple[int, int]

DEFAULT_TIMEOUT = 6  # the Framework's default, written into every function it packages
DEFAULT_MEMORY = 1024


def normalize_name(name: str) -> str:
    """The Framework's ``getNormalizedFunctionName``: ``my-fn_x`` -> ``MyDashfnUnderscorex``."""
    text = str(name).replace("-", "Dash").replace("_", "Underscore")
    return text[:1].upper() + text[1:]


def alnum_name(name: str) -> str:
    """``normalizeNameToAlphaNumericOnly``: what names buckets, topics and mappings."""
    text = re.sub(r"[^0-9A-Za-z]", "", str(name))
    return text[:1].upper() + text[1:]


def _node(pos: Pos) -> Map:
    m = Map()
    m.line, m.column = pos
    return m


def _seq(pos: Pos, items: List[Tuple[Any, Pos]]) -> Seq:
    s = Seq()
    s.line, s.column = pos
    for v, p in items:
        s.append(v)
        s.ipos.append(p)
    return s


def _put(m: Map, key: str, value: Any, kpos: Pos, vpos: Optional[Pos] = None) -> None:
    m[key] = value
    m.kpos[key] = kpos
    m.vpos[key] = vpos or kpos


def _getatt(lid: str, attr: str, pos: Pos) -> Map:
    m = _node(pos)
    inner = _seq(pos, [(lid, pos), (attr, pos)])
    _put(m, "Fn::GetAtt", inner, pos)
    return m


def _ref(lid: str, pos: Pos) -> Map:
    m = _node(pos)
    _put(m, "Ref", lid, pos)
    return m


def cfn(value: Any, pos: Pos) -> Any:
    """A resolved Framework value as CloudFormation: unknowns become an intrinsic that the
    model resolves as unknown (never a literal a rule could judge)."""
    if is_unknown(value):
        m = _node(pos)
        _put(m, "Fn::ImportValue", f"serverless variable {value.text}", pos)
        return m
    if isinstance(value, Map):
        out = _node((value.line, value.column) if value.line else pos)
        for k, v in value.items():
            kp = value.kpos.get(k, pos)
            out[k] = cfn(v, value.vpos.get(k, kp))
            out.kpos[k] = kp
            out.vpos[k] = value.vpos.get(k, kp)
        return out
    if isinstance(value, Seq):
        s = Seq()
        s.line, s.column = (value.line, value.column) if value.line else pos
        for i, v in enumerate(value):
            p = value.ipos[i] if i < len(value.ipos) else pos
            s.append(cfn(v, p))
            s.ipos.append(p)
        return s
    return value


class _Field:
    """One value read from the service: the value, its key's and its value's positions."""

    __slots__ = ("value", "kpos", "vpos")

    def __init__(self, value: Any, kpos: Pos, vpos: Pos) -> None:
        self.value, self.kpos, self.vpos = value, kpos, vpos


def _field(m: Any, key: str) -> Optional[_Field]:
    if not isinstance(m, Map) or key not in m or m[key] is None:
        return None
    kp = m.kpos.get(key, (m.line, m.column))
    return _Field(m[key], kp, m.vpos.get(key, kp))


def _first(*fields: Optional[_Field]) -> Optional[_Field]:
    for f in fields:
        if f is not None:
            return f
    return None


class Lowering:
    def __init__(self, raw: Map, folder: str) -> None:
        self.vars = Variables(raw, folder)
        self.svc: Map = self.vars.resolve(raw)
        provider = self.svc.get("provider")
        self.provider: Map = provider if isinstance(provider, Map) else Map()
        self.resources = _node((1, 1))
        self.out = _node((1, 1))
        _put(self.out, "AWSTemplateFormatVersion", "2010-09-09", (1, 1))
        _put(self.out, "Resources", self.resources, (1, 1))
        service = self.svc.get("service")
        if isinstance(service, Map):  # the v1 form: service: {name: x}
            service = service.get("name")
        self.service = service if isinstance(service, str) else None
        self.stage = self.vars.stage if isinstance(self.vars.stage, str) else None
        self.role_needed: Optional[Pos] = None

    # -- helpers ---------------------------------------------------------------------------
    def add(self, lid: str, typ: str, pos: Pos, props: Map) -> str:
        base, n = lid, 1
        while lid in self.resources:
            n += 1
            lid = f"{base}{n}"
        res = _node(pos)
        _put(res, "Type", typ, pos)
        _put(res, "Properties", props, pos)
        _put(self.resources, lid, res, pos)
        return lid

    def copy(self, dst: Map, key: str, f: Optional[_Field]) -> None:
        if f is not None:
            _put(dst, key, cfn(f.value, f.vpos), f.kpos, f.vpos)

    def arn_of(self, value: Any, pos: Pos, attr: str = "Arn") -> Any:
        """A destination given as a function of this service, a resource name, or an ARN."""
        functions = self.svc.get("functions")
        if isinstance(value, str) and not value.startswith("arn:"):
            if isinstance(functions, Map) and value in functions:
                return _getatt(normalize_name(value) + "LambdaFunction", "Arn", pos)
        return cfn(value, pos)

    # -- the service -----------------------------------------------------------------------
    def run(self) -> Map:
        functions = self.svc.get("functions")
        if isinstance(functions, Seq):  # a list of maps (one a file): merged
            merged = _node((functions.line, functions.column))
            for part in functions:
                if isinstance(part, Map):
                    for k, v in part.items():
                        _put(merged, k, v, part.kpos.get(k, (1, 1)), part.vpos.get(k, (1, 1)))
            functions = merged
        if isinstance(functions, Map):
            for name, fn in functions.items():
                if isinstance(name, str) and isinstance(fn, Map):
                    self.function(name, fn, functions.kpos.get(name, (1, 1)))
        if self.role_needed is not None:
            self.iam_role(self.role_needed)
        self.user_resources()
        return self.out

    def function(self, name: str, fn: Map, pos: Pos) -> None:
        pv = self.provider
        lid = normalize_name(name) + "LambdaFunction"
        props = _node(pos)
        image = _field(fn, "image")
        if image is not None:
            _put(props, "PackageType", "Image", image.kpos)
        else:
            self.copy(props, "Handler", _field(fn, "handler"))
            _put(props, "Code", ".", pos)  # the service folder: handler paths are relative to it
            self.copy(props, "Runtime", _first(_field(fn, "runtime"), _field(pv, "runtime")))
        timeout = _first(_field(fn, "timeout"), _field(pv, "timeout"))
        if timeout is not None:
            self.copy(props, "Timeout", timeout)
        else:
            _put(props, "Timeout", DEFAULT_TIMEOUT, pos)
        memory = _first(_field(fn, "memorySize"), _field(pv, "memorySize"))
        if memory is not None:
            self.copy(props, "MemorySize", memory)
        else:
            _put(props, "MemorySize", DEFAULT_MEMORY, pos)
        self.copy(props, "ReservedConcurrentExecutions",
                  _first(_field(fn, "reservedConcurrency"), _field(pv, "reservedConcurrency")))
        fname = _field(fn, "name")
        if fname is not None:
            self.copy(props, "FunctionName", fname)
        elif self.service and self.stage:
            _put(props, "FunctionName", f"{self.service}-{self.stage}-{name}", pos)
        env = self.environment(fn, pos)
        if env is not None:
            _put(props, "Environment", env, env.line and (env.line, env.column) or pos)
        self.copy(props, "RecursiveLoop", _field(fn, "recursiveLoop"))
        on_error = _field(fn, "onError")
        if on_error is not None:
            dlc = _node(on_error.kpos)
            _put(dlc, "TargetArn", self.arn_of(on_error.value, on_error.vpos), on_error.kpos, on_error.vpos)
            _put(props, "DeadLetterConfig", dlc, on_error.kpos)
        role = _first(_field(fn, "role"), self._provider_role())
        if role is not None:
            value = role.value
            if isinstance(value, str) and not value.startswith("arn:") and "/" not in value:
                value = _getatt(value, "Arn", role.vpos)  # a role of resources.Resources, by name
            _put(props, "Role", cfn(value, role.vpos), role.kpos, role.vpos)
        else:
            _put(props, "Role", _getatt("IamRoleLambdaExecution", "Arn", pos), pos)
            if self.role_needed is None:
                self.role_needed = pos
        self.add(lid, "AWS::Lambda::Function", pos, props)
        if image is None:
            # the service folder is where the Framework packages from, but a plugin or a build
            # may put the code elsewhere: like SAM's default CodeUri, not "given" (LL304 silent)
            md = _node(pos)
            _put(md, "lambda-lint:code-default", True, pos)
            _put(self.resources[lid], "Metadata", md, pos)
        self.log_group(name, lid, pos)
        self.invoke_config(name, fn, lid, pos)
        events = fn.get("events")
        if isinstance(events, Seq):
            for i, ev in enumerate(events):
                epos = events.ipos[i] if i < len(events.ipos) else pos
                if isinstance(ev, Map) and len(ev) >= 1:
                    etype = next(iter(ev))
                    self.event(name, lid, str(etype), ev.get(etype), ev, epos, i)

    def _provider_role(self) -> Optional[_Field]:
        pv = self.provider
        role = _field(pv, "role")
        if role is not None:
            return role
        iam = pv.get("iam")
        if isinstance(iam, Map):
            r = _field(iam, "role")
            if r is not None and not isinstance(r.value, Map):
                return r
        return None

    def environment(self, fn: Map, pos: Pos) -> Optional[Map]:
        merged: List[Tuple[str, Any, Pos, Pos]] = []
        first: Optional[Pos] = None
        for src in (self.provider, fn):
            env = src.get("environment")
            if isinstance(env, Map):
                first = first or src.kpos.get("environment", pos)
                for k, v in env.items():
                    merged = [e for e in merged if e[0] != k]
                    merged.append((k, v, env.kpos.get(k, pos), env.vpos.get(k, pos)))
        if first is None:
            return None
        variables = _node(first)
        for k, v, kp, vp in merged:
            if isinstance(v, bool):
                v = "true" if v else "false"
            _put(variables, k, cfn(v, vp), kp, vp)
        out = _node(first)
        _put(out, "Variables", variables, first)
        return out

    def log_group(self, name: str, lid: str, pos: Pos) -> None:
        retention = _field(self.provider, "logRetentionInDays")
        props = _node(pos)
        fname = self.resources[lid]["Properties"].get("FunctionName")
        if isinstance(fname, str):
            _put(props, "LogGroupName", f"/aws/lambda/{fname}", pos)
        self.copy(props, "RetentionInDays", retention)
        self.add(normalize_name(name) + "LogGroup", "AWS::Logs::LogGroup", pos, props)

    def invoke_config(self, name: str, fn: Map, lid: str, pos: Pos) -> None:
        retries, age, dest = (_field(fn, "maximumRetryAttempts"), _field(fn, "maximumEventAgeInSeconds"),
                              _field(fn, "destinations"))
        given = [f for f in (retries, age, dest) if f is not None]
        if not given:
            return
        at = min(f.kpos for f in given)
        props = _node(at)
        _put(props, "FunctionName", _ref(lid, at), at)
        _put(props, "Qualifier", "$LATEST", at)
        self.copy(props, "MaximumRetryAttempts", retries)
        self.copy(props, "MaximumEventAgeInSeconds", age)
        if dest is not None and isinstance(dest.value, Map):
            dc = _node(dest.kpos)
            for key, cfn_key in (("onSuccess", "OnSuccess"), ("onFailure", "OnFailure")):
                f = _field(dest.value, key)
                if f is None:
                    continue
                target = f.value.get("arn") if isinstance(f.value, Map) else f.value
                d = _node(f.kpos)
                _put(d, "Destination", self.arn_of(target, f.vpos), f.kpos, f.vpos)
                _put(dc, cfn_key, d, f.kpos)
            _put(props, "DestinationConfig", dc, dest.kpos)
        self.add(normalize_name(name) + "LambdaEvConf", "AWS::Lambda::EventInvokeConfig", at, props)

    def iam_role(self, pos: Pos) -> None:
        pv = self.provider
        statements = None
        iam = pv.get("iam")
        role = iam.get("role") if isinstance(iam, Map) else None
        if isinstance(role, Map):
            statements = _field(role, "statements")
        statements = statements or _field(pv, "iamRoleStatements")
        props = _node(pos)
        doc = _node(pos)
        _put(doc, "Version", "2012-10-17", pos)
        stmts = cfn(statements.value, statements.vpos) if statements is not None else _seq(pos, [])
        _put(doc, "Statement", stmts, statements.kpos if statements else pos)
        policy = _node(pos)
        _put(policy, "PolicyName", "lambda", pos)
        _put(policy, "PolicyDocument", doc, pos)
        _put(props, "Policies", _seq(pos, [(policy, pos)]), pos)
        self.add("IamRoleLambdaExecution", "AWS::IAM::Role", pos, props)

    # -- events ----------------------------------------------------------------------------
    def event(self, name: str, lid: str, etype: str, body: Any, entry: Map, epos: Pos, index: int) -> None:
        fn_arn = _getatt(lid, "Arn", epos)
        handler = getattr(self, "ev_" + etype.replace("-", "_"), None)
        if handler is not None:
            handler(name, lid, body, epos, fn_arn, index)
            return
        principal = _PRINCIPALS.get(etype)
        if principal is not None:
            self.permission(name, lid, principal, epos, f"{alnum_name(etype)}{index + 1}")

    def permission(self, name: str, lid: str, principal: str, pos: Pos, suffix: str,
                   source_arn: Any = None) -> None:
        props = _node(pos)
        _put(props, "FunctionName", _getatt(lid, "Arn", pos), pos)
        _put(props, "Action", "lambda:InvokeFunction", pos)
        _put(props, "Principal", principal, pos)
        if source_arn is not None:
            _put(props, "SourceArn", source_arn, pos)
        self.add(normalize_name(name) + "LambdaPermission" + suffix, "AWS::Lambda::Permission", pos, props)

    def esm(self, name: str, lid: str, kind: str, arn: Optional[_Field], body: Any, epos: Pos,
            defaults: Dict[str, Any], fields: Tuple[Tuple[str, str], ...]) -> Map:
        props = _node(epos)
        _put(props, "FunctionName", _getatt(lid, "Arn", epos), epos)
        if arn is not None:
            _put(props, "EventSourceArn", cfn(arn.value, arn.vpos), arn.kpos, arn.vpos)
        for key, value in defaults.items():
            _put(props, key, value, epos)
        for sls_key, cfn_key in fields:
            self.copy(props, cfn_key, _field(body, sls_key))
        frt = _field(body, "functionResponseType")
        if frt is not None:
            _put(props, "FunctionResponseTypes", _seq(frt.vpos, [(cfn(frt.value, frt.vpos), frt.vpos)]),
                 frt.kpos, frt.vpos)
        filters = _field(body, "filterPatterns")
        if filters is not None and isinstance(filters.value, Seq):
            fc = _node(filters.kpos)
            items = []
            for i, p in enumerate(filters.value):
                ip = filters.value.ipos[i] if i < len(filters.value.ipos) else filters.vpos
                m = _node(ip)
                _put(m, "Pattern", cfn(p, ip), ip)
                items.append((m, ip))
            _put(fc, "Filters", _seq(filters.vpos, items), filters.kpos)
            _put(props, "FilterCriteria", fc, filters.kpos)
        src = self.source_name(arn.value if arn is not None else None)
        self.add(f"{normalize_name(name)}EventSourceMapping{kind}{src}", "AWS::Lambda::EventSourceMapping",
                 epos, props)
        return props

    @staticmethod
    def source_name(arn: Any) -> str:
        if isinstance(arn, Map) and "Fn::GetAtt" in arn:
            ga = arn["Fn::GetAtt"]
            if isinstance(ga, list) and ga:
                return alnum_name(str(ga[0]))
        if isinstance(arn, Map) and "Ref" in arn:
            return alnum_name(str(arn["Ref"]))
        if isinstance(arn, str):
            tail = re.split(r"[:/]", arn.split("/stream/")[0])[-1]
            return alnum_name(tail)
        return ""

    def ev_sqs(self, name: str, lid: str, body: Any, epos: Pos, fn_arn: Map, index: int) -> None:
        arn = _field(body, "arn") if isinstance(body, Map) else _Field(body, epos, epos)
        self.esm(name, lid, "SQS", arn, body, epos, {"BatchSize": 10, "Enabled": True},
                 (("batchSize", "BatchSize"), ("maximumBatchingWindow", "MaximumBatchingWindowInSeconds"),
                  ("enabled", "Enabled")))
        props = self._last_props()
        mc = _field(body, "maximumConcurrency")
        if mc is not None:
            sc = _node(mc.kpos)
            self.copy(sc, "MaximumConcurrency", mc)
            _put(props, "ScalingConfig", sc, mc.kpos)

    def ev_stream(self, name: str, lid: str, body: Any, epos: Pos, fn_arn: Map, index: int) -> None:
        arn = _field(body, "arn") if isinstance(body, Map) else _Field(body, epos, epos)
        stype = body.get("type") if isinstance(body, Map) else None
        text = str(arn.value) if arn is not None and isinstance(arn.value, str) else ""
        if stype is None:
            stype = "dynamodb" if ":dynamodb:" in text else "kinesis" if ":kinesis:" in text else None
        kind = "DynamodbStreams" if stype == "dynamodb" else "Kinesis"
        props = self.esm(name, lid, kind, arn, body, epos,
                         {"BatchSize": 100, "StartingPosition": "TRIM_HORIZON", "Enabled": True},
                         (("batchSize", "BatchSize"), ("startingPosition", "StartingPosition"),
                          ("startingPositionTimestamp", "StartingPositionTimestamp"),
                          ("maximumRetryAttempts", "MaximumRetryAttempts"),
                          ("maximumRecordAgeInSeconds", "MaximumRecordAgeInSeconds"),
                          ("bisectBatchOnFunctionError", "BisectBatchOnFunctionError"),
                          ("parallelizationFactor", "ParallelizationFactor"),
                          ("batchWindow", "MaximumBatchingWindowInSeconds"),
                          ("tumblingWindowInSeconds", "TumblingWindowInSeconds"),
                          ("enabled", "Enabled")))
        dest = _field(body, "destinations")
        on_failure = _field(dest.value, "onFailure") if dest is not None else None
        if on_failure is not None:
            target = on_failure.value
            if isinstance(target, Map) and "arn" in target:
                target = target["arn"]
            dc = _node(dest.kpos)  # type: ignore[union-attr]
            of = _node(on_failure.kpos)
            _put(of, "Destination", self.arn_of(target, on_failure.vpos), on_failure.kpos, on_failure.vpos)
            _put(dc, "OnFailure", of, on_failure.kpos)
            _put(props, "DestinationConfig", dc, dest.kpos)  # type: ignore[union-attr]

    def _kafka(self, name: str, lid: str, body: Any, epos: Pos, kind: str) -> None:
        arn = _field(body, "arn")
        props = self.esm(name, lid, kind, arn, body, epos, {"StartingPosition": "TRIM_HORIZON"},
                         (("batchSize", "BatchSize"), ("startingPosition", "StartingPosition"),
                          ("enabled", "Enabled")))
        topic = _field(body, "topic")
        if topic is not None:
            _put(props, "Topics", _seq(topic.vpos, [(cfn(topic.value, topic.vpos), topic.vpos)]), topic.kpos)
        elif arn is None:
            _put(props, "SelfManagedEventSource", _node(epos), epos)

    def ev_msk(self, name: str, lid: str, body: Any, epos: Pos, fn_arn: Map, index: int) -> None:
        self._kafka(name, lid, body, epos, "MSK")

    def ev_kafka(self, name: str, lid: str, body: Any, epos: Pos, fn_arn: Map, index: int) -> None:
        self._kafka(name, lid, body, epos, "Kafka")

    def ev_activemq(self, name: str, lid: str, body: Any, epos: Pos, fn_arn: Map, index: int) -> None:
        self._mq(name, lid, body, epos, "MQ")

    def ev_rabbitmq(self, name: str, lid: str, body: Any, epos: Pos, fn_arn: Map, index: int) -> None:
        self._mq(name, lid, body, epos, "RabbitMQ")

    def _mq(self, name: str, lid: str, body: Any, epos: Pos, kind: str) -> None:
        props = self.esm(name, lid, kind, _field(body, "arn"), body, epos, {},
                         (("batchSize", "BatchSize"), ("enabled", "Enabled")))
        queue = _field(body, "queue")
        if queue is not None:
            _put(props, "Queues", _seq(queue.vpos, [(cfn(queue.value, queue.vpos), queue.vpos)]), queue.kpos)

    def _last_props(self) -> Map:
        last = list(self.resources)[-1]
        return self.resources[last]["Properties"]

    def ev_s3(self, name: str, lid: str, body: Any, epos: Pos, fn_arn: Map, index: int) -> None:
        bucket_f = _field(body, "bucket") if isinstance(body, Map) else _Field(body, epos, epos)
        if bucket_f is None or not isinstance(bucket_f.value, str):
            return  # a bucket we can't name: unknown
        bucket = bucket_f.value
        event = _field(body, "event") if isinstance(body, Map) else None
        existing = isinstance(body, Map) and body.get("existing") is True
        if existing:
            self.permission(name, lid, "s3.amazonaws.com", epos, f"{alnum_name(bucket)}S3",
                            f"arn:aws:s3:::{bucket}")
            return
        blid = "S3Bucket" + alnum_name(bucket)
        res = self.resources.get(blid)
        if res is None:
            props = _node(epos)
            _put(props, "BucketName", bucket, bucket_f.kpos, bucket_f.vpos)
            self.add(blid, "AWS::S3::Bucket", epos, props)
            res = self.resources[blid]
        props = res["Properties"]
        nc = props.get("NotificationConfiguration")
        if not isinstance(nc, Map):
            nc = _node(epos)
            _put(nc, "LambdaConfigurations", _seq(epos, []), epos)
            _put(props, "NotificationConfiguration", nc, epos)
        lc = _node(epos)
        if event is not None:
            self.copy(lc, "Event", event)
        else:
            _put(lc, "Event", "s3:ObjectCreated:*", epos)
        _put(lc, "Function", fn_arn, epos)
        rules = _field(body, "rules")
        if rules is not None and isinstance(rules.value, Seq):
            items = []
            for i, rule in enumerate(rules.value):
                ip = rules.value.ipos[i] if i < len(rules.value.ipos) else rules.vpos
                if isinstance(rule, Map):
                    for k, v in rule.items():
                        r = _node(ip)
                        _put(r, "Name", str(k), rule.kpos.get(k, ip))
                        _put(r, "Value", cfn(v, rule.vpos.get(k, ip)), rule.kpos.get(k, ip), rule.vpos.get(k, ip))
                        items.append((r, ip))
            s3key = _node(rules.kpos)
            _put(s3key, "Rules", _seq(rules.vpos, items), rules.kpos)
            flt = _node(rules.kpos)
            _put(flt, "S3Key", s3key, rules.kpos)
            _put(lc, "Filter", flt, rules.kpos)
        nc["LambdaConfigurations"].append(lc)
        nc["LambdaConfigurations"].ipos.append(epos)

    def ev_sns(self, name: str, lid: str, body: Any, epos: Pos, fn_arn: Map, index: int) -> None:
        topic_arn: Any = None
        topic_name: Any = None
        if isinstance(body, Map):
            arn = _field(body, "arn")
            if arn is not None:
                topic_arn = cfn(arn.value, arn.vpos)
            topic_name = body.get("topicName")
        elif isinstance(body, str):
            if body.startswith("arn:"):
                topic_arn = body
            else:
                topic_name = body
        elif body is not None:
            topic_arn = cfn(body, epos)
        if topic_arn is None and isinstance(topic_name, str):
            tlid = "SNSTopic" + alnum_name(topic_name)
            if tlid not in self.resources:
                tp = _node(epos)
                _put(tp, "TopicName", topic_name, epos)
                self.add(tlid, "AWS::SNS::Topic", epos, tp)
            topic_arn = _ref(tlid, epos)
        if topic_arn is None:
            return
        props = _node(epos)
        _put(props, "TopicArn", topic_arn, epos)
        _put(props, "Protocol", "lambda", epos)
        _put(props, "Endpoint", fn_arn, epos)
        self.copy(props, "FilterPolicy", _field(body, "filterPolicy"))
        self.copy(props, "FilterPolicyScope", _field(body, "filterPolicyScope"))
        redrive = _field(body, "redrivePolicy")
        if redrive is not None and isinstance(redrive.value, Map):
            rp = _node(redrive.kpos)
            rv = redrive.value
            for key in ("deadLetterTargetArn", "deadLetterTargetRef", "deadLetterTargetImport"):
                f = _field(rv, key)
                if f is None:
                    continue
                if key == "deadLetterTargetRef" and isinstance(f.value, str):
                    target: Any = _getatt(f.value, "Arn", f.vpos)
                else:
                    target = cfn(f.value, f.vpos)
                _put(rp, "deadLetterTargetArn", target, f.kpos, f.vpos)
            _put(props, "RedrivePolicy", rp, redrive.kpos)
        suffix = alnum_name(topic_name) if isinstance(topic_name, str) else str(index + 1)
        self.add(f"{normalize_name(name)}SnsSubscription{suffix}", "AWS::SNS::Subscription", epos, props)

    def ev_eventBridge(self, name: str, lid: str, body: Any, epos: Pos, fn_arn: Map, index: int) -> None:
        if not isinstance(body, Map):
            return
        props = _node(epos)
        self.copy(props, "EventBusName", _field(body, "eventBus"))
        self.copy(props, "EventPattern", _field(body, "pattern"))
        self.copy(props, "ScheduleExpression", _field(body, "schedule"))
        target = _node(epos)
        _put(target, "Arn", fn_arn, epos)
        _put(target, "Id", f"{name}-eventbridge-{index + 1}", epos)
        retry = _field(body, "retryPolicy")
        if retry is not None and isinstance(retry.value, Map):
            rp = _node(retry.kpos)
            self.copy(rp, "MaximumRetryAttempts", _field(retry.value, "maximumRetryAttempts"))
            self.copy(rp, "MaximumEventAgeInSeconds", _field(retry.value, "maximumEventAge"))
            _put(target, "RetryPolicy", rp, retry.kpos)
        dlq = _field(body, "deadLetterQueueArn")
        if dlq is not None:
            d = _node(dlq.kpos)
            _put(d, "Arn", cfn(dlq.value, dlq.vpos), dlq.kpos, dlq.vpos)
            _put(target, "DeadLetterConfig", d, dlq.kpos)
        _put(props, "Targets", _seq(epos, [(target, epos)]), epos)
        self.add(f"{normalize_name(name)}EventBridgeRule{index + 1}", "AWS::Events::Rule", epos, props)

    def ev_schedule(self, name: str, lid: str, body: Any, epos: Pos, fn_arn: Map, index: int) -> None:
        rate = _field(body, "rate") if isinstance(body, Map) else _Field(body, epos, epos)
        if rate is None:
            return
        rates = list(rate.value) if isinstance(rate.value, Seq) else [rate.value]
        for r in rates:
            props = _node(epos)
            _put(props, "ScheduleExpression", cfn(r, rate.vpos), rate.kpos, rate.vpos)
            target = _node(epos)
            _put(target, "Arn", fn_arn, epos)
            _put(target, "Id", f"{name}Schedule", epos)
            _put(props, "Targets", _seq(epos, [(target, epos)]), epos)
            self.add(f"{normalize_name(name)}EventsRuleSchedule{index + 1}", "AWS::Events::Rule", epos, props)

    def ev_cloudwatchLog(self, name: str, lid: str, body: Any, epos: Pos, fn_arn: Map, index: int) -> None:
        props = _node(epos)
        _put(props, "DestinationArn", fn_arn, epos)
        group = _field(body, "logGroup") if isinstance(body, Map) else _Field(body, epos, epos)
        self.copy(props, "LogGroupName", group)
        self.copy(props, "FilterPattern", _field(body, "filter"))
        self.add(f"{normalize_name(name)}LogsSubscriptionFilterCloudWatchLog{index + 1}",
                 "AWS::Logs::SubscriptionFilter", epos, props)

    # -- resources: --------------------------------------------------------------------------
    def user_resources(self) -> None:
        res = self.svc.get("resources")
        parts = list(res) if isinstance(res, Seq) else [res]
        for part in parts:
            if not isinstance(part, Map):
                continue
            resources = part.get("Resources")
            if isinstance(resources, Map):
                for lid, body in resources.items():
                    pos = resources.kpos.get(lid, (1, 1))
                    body = cfn(body, pos)
                    mine = self.resources.get(lid)
                    if isinstance(mine, Map) and isinstance(body, Map) and body.get("Type") in (None, mine.get("Type")):
                        _merge_props(mine, body)  # the Framework deep-merges an override
                    else:
                        _put(self.resources, lid, body, pos, resources.vpos.get(lid, pos))
            ext = part.get("extensions")
            if isinstance(ext, Map):
                for lid, body in ext.items():
                    mine = self.resources.get(lid)
                    if isinstance(mine, Map) and isinstance(body, Map):
                        _merge_props(mine, cfn(body, ext.kpos.get(lid, (1, 1))))
            for key in ("Conditions", "Parameters", "Mappings", "Outputs"):
                if isinstance(part.get(key), Map):
                    _put(self.out, key, cfn(part[key], part.kpos.get(key, (1, 1))), part.kpos.get(key, (1, 1)))


def _merge_props(mine: Map, body: Map) -> None:
    for key, value in body.items():
        kp, vp = body.kpos.get(key, (1, 1)), body.vpos.get(key, (1, 1))
        if key == "Properties" and isinstance(value, Map) and isinstance(mine.get("Properties"), Map):
            props = mine["Properties"]
            for pk, pv in value.items():
                _put(props, pk, pv, value.kpos.get(pk, kp), value.vpos.get(pk, kp))
        elif key != "Type":
            _put(mine, key, value, kp, vp)


_PRINCIPALS = {
    "http": "apigateway.amazonaws.com", "httpApi": "apigateway.amazonaws.com",
    "websocket": "apigateway.amazonaws.com", "alb": "elasticloadbalancing.amazonaws.com",
    "iot": "iot.amazonaws.com", "alexaSkill": "alexa-appkit.amazon.com",
    "alexaSmartHome": "alexa-connectedhome.amazon.com", "cognitoUserPool": "cognito-idp.amazonaws.com",
    "cloudwatchEvent": "events.amazonaws.com", "iotFleetProvisioning": "iot.amazonaws.com",
}


def lower(source: bytes, path: str) -> Map:
    """The CloudFormation-shaped tree of a ``serverless.yml``; raises ParseFailure (LL001)."""
    from lambda_lint.iac.cloudformation.loader import load

    raw = load(source, path)
    if not isinstance(raw, Map):
        raw = Map()
    folder = os.path.dirname(os.path.abspath(path))
    return Lowering(raw, folder).run()
