"""The normalized template model: SAM and plain CloudFormation become the same objects.

Public API (the project layer, issue 5, builds on it)::

    model = build_model(tree)           # tree from loader.load(); never raises on bad shapes
    model.resources      {logical_id: Resource}   every resource, raw properties with positions
    model.functions      {logical_id: Function}   AWS::Serverless::Function (Globals merged)
                                                   and AWS::Lambda::Function
    model.triggers       [Trigger]                 SAM events, event source mappings and the
                                                   async wiring of plain CloudFormation
    model.queues / streams / tables / buckets / topics / buses   {logical_id: Resource}
    model.alarms         [Alarm]                   one per (alarm resource, metric) pair
    model.invoke_configs [InvokeConfig]
    model.resource_lines   {logical_id: line of the logical-ID key}
    model.resource_ignores {logical_id: frozenset(codes)} from Metadata.lambda-lint.ignore
    model.resolver       Resolver (resolve(value) -> Resolved: literal / resource / unknown)
    model.is_sam         the template has a Serverless transform or serverless resources

Every object has ``logical_id`` (the resource it comes from), ``line``/``column`` (where a
"missing" finding points: the SAM event's name key, or the resource's logical-ID key) and
``anchor`` (a line-independent identity such as ``Fn/Events/Stream``). Raw properties are
:class:`lambda_lint.iac.cloudformation.loader.Map` values: ``props.kpos[key]`` is the key position.

Rules read objects through :func:`Entity.attr` (computed, lower-case names such as ``kind``,
``class``, ``function``, ``queue``, ``timeout``) and capitalised property paths
(``DestinationConfig.OnFailure.Destination``); see :mod:`lambda_lint.iac.evaluate`.

Shapes we can't understand (a ``Type`` that is a mapping, ``Properties`` that is a list,
intrinsics of the wrong shape) are skipped, never raised on.
"""

from __future__ import annotations

import json
from typing import Any, Dict, FrozenSet, List, Optional, Tuple

from lambda_lint.iac.tree import Map, Seq
from lambda_lint.iac.resolve import Resolved, Resolver, is_intrinsic

from lambda_lint.iac.kinds import (  # noqa: F401 - re-exported: rules and the join read them here
    STREAM, QUEUE, ASYNC, SYNC, SAM_EVENT_KINDS, KIND_DISPLAY, PRINCIPAL_KINDS, ESM_SOURCE_TYPES, ESM_ARN_HINTS, KIND_CLASS,
)

FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")
DEFAULT_TIMEOUT = 3
DEFAULT_VISIBILITY_TIMEOUT = 30


def _map(value: Any) -> Optional[Map]:
    return value if isinstance(value, Map) else None


def _kpos(container: Any, key: str, fallback: Tuple[int, int]) -> Tuple[int, int]:
    if isinstance(container, Map):
        return container.kpos.get(key, fallback)
    return fallback


#: The longest JSON-in-a-string property parsed (RedrivePolicy); longer ones stay strings.
MAX_JSON_STRING = 64 * 1024


class Entity:
    """Something a declarative rule can be about. Subclasses add computed attributes."""

    subject = "entity"

    def __init__(self, logical_id: str, props: Any, line: int, column: int, anchor: str) -> None:
        self.logical_id = logical_id
        self.props: Optional[Map] = props if isinstance(props, Map) else None
        self.props_raw = props  # what the template holds, even when it is not a mapping
        self.line = line
        self.column = column
        self.anchor = anchor

    #: computed attribute names a rule may use (validated when rule files load)
    ATTRS: FrozenSet[str] = frozenset({"logical_id", "resource"})

    def attr(self, name: str) -> Any:
        """A computed attribute: a plain value, an Entity, a Found, or None (missing)."""
        if name == "logical_id" or name == "resource":
            return self.logical_id
        # attributes that live in their own modules (posture, log groups, ...): issue 15
        from lambda_lint.iac.extensions import extra_attr

        return extra_attr(self, name)

    def function_id(self) -> Optional[str]:
        return None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.anchor}>"


class Found:
    """A computed value with the position of the key that holds it."""

    __slots__ = ("value", "line", "column", "anchor")

    def __init__(self, value: Any, line: int, column: int, anchor: str) -> None:
        self.value = value
        self.line = line
        self.column = column
        self.anchor = anchor

    def __repr__(self) -> str:
        return f"Found({self.value!r} @{self.line}:{self.column})"


class Resource(Entity):
    """One entry of ``Resources``: ``type`` (None when not a string), ``props`` (raw Map),
    ``metadata``, ``condition``; the logical-ID key's position."""

    subject = "resource"
    ATTRS = Entity.ATTRS | {"type"}

    def __init__(self, logical_id: str, body: Any, line: int, column: int) -> None:
        body = body if isinstance(body, Map) else Map()
        super().__init__(logical_id, body.get("Properties"), line, column, logical_id)
        t = body.get("Type")
        self.type: Optional[str] = t if isinstance(t, str) else None
        self.body = body
        self.metadata = body.get("Metadata")
        self.condition = body.get("Condition")
        self.model: Optional["TemplateModel"] = None

    def attr(self, name: str) -> Any:
        if name == "type":
            return self.type
        return super().attr(name)

    def get(self, key: str, default: Any = None) -> Any:
        return self.props.get(key, default) if self.props is not None else default


class Queue(Resource):
    """An ``AWS::SQS::Queue``. ``RedrivePolicy`` given as a JSON string is parsed into a Map.
    Attributes: ``is_dlq`` (another queue redrives into it, or a function/trigger sends its
    failures to it), ``visibility_timeout`` (resolved, default 30; None when unknown)."""

    subject = "queue"
    ATTRS = Resource.ATTRS | {"is_dlq", "visibility_timeout", "triggers", "retention"}

    def __init__(self, logical_id: str, body: Any, line: int, column: int) -> None:
        super().__init__(logical_id, body, line, column)
        self.is_dlq = False
        self.triggers: List["Trigger"] = []
        if self.props is not None:
            rp = self.props.get("RedrivePolicy")
            if isinstance(rp, str):
                # A real policy is ~100 bytes. A hostile one (200 KB of nested JSON) raised
                # RecursionError and made the whole template LL001 (issue 20): bound the parse;
                # a policy we cannot read stays a string, unknown to the rules, like any typo.
                parsed = None
                if len(rp) <= MAX_JSON_STRING:
                    try:
                        parsed = json.loads(rp)
                    except (ValueError, RecursionError, MemoryError):
                        parsed = None
                if isinstance(parsed, dict):
                    m = Map(parsed)
                    pos = self.props.vpos.get("RedrivePolicy", (line, column))
                    m.line, m.column = pos
                    for k in m:
                        m.kpos[k] = pos
                        m.vpos[k] = pos
                    self.props["RedrivePolicy"] = m

    def visibility_found(self) -> Optional[Found]:
        if self.props is not None and "VisibilityTimeout" in self.props:
            r = self.model.resolver.resolve(self.props["VisibilityTimeout"]) if self.model else None
            val = _number(r.value) if r is not None and r.is_literal else None
            kl, kc = self.props.kpos.get("VisibilityTimeout", (self.line, self.column))
            return Found(val, kl, kc, f"{self.logical_id}/VisibilityTimeout")
        return Found(DEFAULT_VISIBILITY_TIMEOUT, self.line, self.column, f"{self.logical_id}/VisibilityTimeout")

    def attr(self, name: str) -> Any:
        if name == "is_dlq":
            return self.is_dlq
        if name == "visibility_timeout":
            return self.visibility_found()
        if name == "triggers":
            return len(self.triggers)
        if name == "retention":
            from lambda_lint.iac.invocation import queue_retention

            return queue_retention(self)
        return super().attr(name)


class InvokeConfig(Entity):
    """Async invoke settings of a function: SAM ``EventInvokeConfig`` or an
    ``AWS::Lambda::EventInvokeConfig`` resource. Properties: ``MaximumRetryAttempts``,
    ``MaximumEventAgeInSeconds``, ``DestinationConfig.OnFailure.Destination``."""

    subject = "invoke_config"

    def __init__(self, logical_id: str, props: Any, line: int, column: int, anchor: str,
                 function: Optional[str], origin: str = "cfn") -> None:
        super().__init__(logical_id, props, line, column, anchor)
        self.function = function
        self.origin = origin  # "sam" (the function's EventInvokeConfig) or "cfn" (a resource)


class Function(Entity):
    """A Lambda function (SAM or CloudFormation). ``props`` has SAM Globals merged in.

    Attributes: ``is_sam``, ``function_name`` (Resolved of FunctionName), ``runtime``,
    ``handler``, ``code_uri`` (SAM CodeUri / CFN Code, raw), ``inline_code`` (raw, with the
    position in ``props.vpos``), ``environment`` {name: Resolved}, ``policies`` (raw SAM
    Policies), ``role`` (raw Role), ``timeout`` (resolved, default 3), ``triggers``,
    ``invoke_config`` (InvokeConfig or None), ``dead_letter`` (the DeadLetterQueue /
    DeadLetterConfig Map), ``alarm_metrics`` (metric names of AWS/Lambda alarms on it).
    """

    subject = "function"
    ATTRS = Entity.ATTRS | {
        "name", "function", "is_sam", "runtime", "handler", "timeout", "triggers", "invoke_config",
        "dead_letter", "alarm_metrics", "has_async_trigger", "has_stream_trigger", "has_queue_trigger",
        "has_sync_trigger", "sync_only", "trigger_kinds", "memory_size",
        # invocation semantics and posture scope (lambda_lint.iac.invocation)
        "async_trigger_kinds", "has_retrying_trigger", "deploy_time_only", "custom_resources",
        "in_posture_scope", "alarms_in_template", "alarm_by_arn",
    }

    def __init__(self, resource: Resource, props: Any, is_sam: bool) -> None:
        super().__init__(resource.logical_id, props, resource.line, resource.column, resource.logical_id)
        self.resource = resource
        self.is_sam = is_sam
        self.triggers: List[Trigger] = []
        self.invoke_configs: List[InvokeConfig] = []
        self.alarm_metrics: set = set()
        #: metric -> conditions of the alarms that watch it (None: an alarm without Condition)
        self.alarm_conditions: Dict[str, List[Optional[str]]] = {}
        #: Custom::* / AWS::CloudFormation::CustomResource resources whose ServiceToken is it
        self.custom_resources: List[str] = []
        #: metric -> alarms whose FunctionName dimension is this function's ARN (they never fire)
        self.arn_alarms: Dict[str, List[str]] = {}
        self.model: Optional["TemplateModel"] = None

    # raw accessors for the project layer
    def prop(self, key: str) -> Any:
        return self.props.get(key) if self.props is not None else None

    @property
    def runtime(self) -> Any:
        return self.prop("Runtime")

    @property
    def handler(self) -> Any:
        return self.prop("Handler")

    @property
    def code_uri(self) -> Any:
        return self.prop("CodeUri") if self.is_sam else self.prop("Code")

    @property
    def inline_code(self) -> Any:
        if self.is_sam:
            return self.prop("InlineCode")
        code = self.prop("Code")
        return code.get("ZipFile") if isinstance(code, dict) else None

    @property
    def policies(self) -> Any:
        return self.prop("Policies")

    @property
    def role(self) -> Any:
        return self.prop("Role")

    @property
    def function_name(self) -> Resolved:
        from lambda_lint.iac.resolve import UNKNOWN_VALUE
        fn = self.prop("FunctionName")
        if fn is None or self.model is None:
            return UNKNOWN_VALUE
        return self.model.resolver.resolve(fn)

    @property
    def environment(self) -> Dict[str, Resolved]:
        env = self.prop("Environment")
        variables = env.get("Variables") if isinstance(env, dict) else None
        if not isinstance(variables, dict) or self.model is None:
            return {}
        return {str(k): self.model.resolver.resolve(v) for k, v in variables.items()}

    @property
    def invoke_config(self) -> Optional[InvokeConfig]:
        """The config that covers the function's async triggers (qualifiers matched)."""
        from lambda_lint.iac.invocation import covering_invoke_config

        return covering_invoke_config(self)

    def timeout_found(self) -> Found:
        if self.props is not None and "Timeout" in self.props:
            r = self.model.resolver.resolve(self.props["Timeout"]) if self.model else None
            val = _number(r.value) if r is not None and r.is_literal else None
            kl, kc = self.props.kpos.get("Timeout", (self.line, self.column))
            return Found(val, kl, kc, f"{self.logical_id}/Timeout")
        return Found(DEFAULT_TIMEOUT, self.line, self.column, f"{self.logical_id}/Timeout")

    def function_id(self) -> Optional[str]:
        return self.logical_id

    def attr(self, name: str) -> Any:
        if name in ("name", "function"):
            return self.logical_id
        if name == "is_sam":
            return self.is_sam
        if name == "runtime":
            return self.runtime
        if name == "handler":
            return self.handler
        if name == "memory_size":
            return self.prop("MemorySize")
        if name == "timeout":
            return self.timeout_found()
        if name == "triggers":
            return len(self.triggers)
        if name == "trigger_kinds":
            return sorted({t.kind for t in self.triggers})
        if name == "invoke_config":
            return self.invoke_config
        if name == "dead_letter":
            dl = self.prop("DeadLetterQueue") if self.is_sam else self.prop("DeadLetterConfig")
            if dl is None:
                return None
            key = "DeadLetterQueue" if self.is_sam else "DeadLetterConfig"
            kl, kc = _kpos(self.props, key, (self.line, self.column))
            return Found(dl, kl, kc, f"{self.logical_id}/{key}")
        if name == "alarm_metrics":
            from lambda_lint.iac.invocation import alarm_metrics_now

            return alarm_metrics_now(self)
        if name == "has_async_trigger":
            return any(t.trigger_class == ASYNC for t in self.triggers)
        if name == "has_stream_trigger":
            return any(t.trigger_class == STREAM for t in self.triggers)
        if name == "has_queue_trigger":
            return any(t.trigger_class == QUEUE for t in self.triggers)
        if name == "has_sync_trigger":
            return any(t.trigger_class == SYNC for t in self.triggers)
        if name == "sync_only":
            return bool(self.triggers) and all(t.trigger_class == SYNC for t in self.triggers)
        if name in Function._INVOCATION_ATTRS:
            from lambda_lint.iac import invocation

            return invocation.function_attr(self, name)
        return super().attr(name)

    _INVOCATION_ATTRS = frozenset({"async_trigger_kinds", "has_retrying_trigger", "deploy_time_only",
                                   "custom_resources", "in_posture_scope", "alarms_in_template",
                                   "alarm_by_arn"})


class Trigger(Entity):
    """One event source of a function, SAM or CloudFormation alike.

    ``kind`` (kinesis, dynamodb, sqs, kafka, mq, documentdb, s3, sns, eventbridge, schedule,
    logs, iot, ses, cognito, codecommit, config, api, alb, alexa, lex, stream, unknown),
    ``trigger_class`` (stream / queue / async / sync), ``name`` (the SAM event name or the
    resource's logical ID), ``function`` (the Function, or None when it can't be resolved),
    ``origin`` (``sam``, ``esm``, ``permission``, ``s3-notification``, ``sns-subscription``,
    ``events-rule``, ``subscription-filter``, ``iot-rule``), ``source`` (Resolved: the
    stream/queue/bucket/topic/rule), ``queue`` (the Queue when the source is a queue of this
    template). ``props`` are the event's/ESM's properties (MaximumRetryAttempts, ...).
    """

    subject = "trigger"
    ATTRS = Entity.ATTRS | {
        "kind", "Kind", "class", "name", "function", "origin", "queue", "source", "visibility_timeout",
        "sam_type", "qualifier", "retention", "on_failure_setting", "bisect_setting",
    }

    def __init__(self, logical_id: str, name: str, kind: str, trigger_class: str, props: Any, line: int,
                 column: int, anchor: str, origin: str, function: Optional[Function],
                 source: Optional[Resolved] = None, sam_type: Optional[str] = None) -> None:
        super().__init__(logical_id, props, line, column, anchor)
        self.name = name
        self.kind = kind
        self.trigger_class = trigger_class
        self.origin = origin
        self.function = function
        self.source = source
        self.queue: Optional[Queue] = None
        self.sam_type = sam_type
        #: the alias/version it invokes: None = the function itself, "?" = can't tell
        self.qualifier: Optional[str] = None
        self.model: Optional["TemplateModel"] = None

    def function_id(self) -> Optional[str]:
        return self.function.logical_id if self.function is not None else None

    def attr(self, name: str) -> Any:
        if name == "kind":
            return self.kind
        if name == "Kind":
            shown = KIND_DISPLAY.get(self.kind, self.kind)
            return f"{shown} (EventBridge Pipes)" if self.origin == "pipe" and self.kind != "pipes" else shown
        if name == "class":
            return self.trigger_class
        if name == "name":
            return self.name
        if name == "function":
            return self.function
        if name == "origin":
            return self.origin
        if name == "queue":
            return self.queue
        if name == "sam_type":
            return self.sam_type
        if name == "source":
            return self.source
        if name == "visibility_timeout":
            return self.queue.visibility_found() if self.queue is not None else None
        if name == "qualifier":
            return self.qualifier
        if name == "on_failure_setting":  # what the user writes, for messages
            return "DeadLetterConfig.Arn" if self.origin == "pipe" else "DestinationConfig.OnFailure.Destination"
        if name == "bisect_setting":
            return ("OnPartialBatchItemFailure: AUTOMATIC_BISECT" if self.origin == "pipe"
                    else "BisectBatchOnFunctionError: true")
        if name == "retention":
            if self.trigger_class != STREAM or self.model is None:
                return None
            from lambda_lint.iac.invocation import stream_retention

            return stream_retention(self.model, self)
        return super().attr(name)


class Alarm(Entity):
    """One metric an ``AWS::CloudWatch::Alarm`` watches: ``namespace``, ``metric``,
    ``function`` (logical ID, or ``"?"`` when the FunctionName dimension can't be resolved,
    None when there is no FunctionName dimension or it names a function not in the template).
    Metric-math alarms give one Alarm per ``MetricStat``."""

    subject = "alarm"
    ATTRS = Entity.ATTRS | {"namespace", "metric", "function"}

    def __init__(self, res: Resource, namespace: Any, metric: Any, function: Optional[str]) -> None:
        super().__init__(res.logical_id, res.props_raw, res.line, res.column, res.logical_id)
        self.namespace = namespace
        self.metric = metric
        self.function = function

    def attr(self, name: str) -> Any:
        if name in ("namespace", "metric", "function"):
            return getattr(self, name)
        return super().attr(name)


def _number(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                return value
    return value


def merge_globals(glob: Any, props: Any) -> Any:
    """SAM's Globals merge: maps merge key by key (the resource wins), lists are
    concatenated (Globals first), scalars and intrinsics from the resource replace Globals."""
    if not isinstance(glob, Map):
        return props
    if props is None:
        return glob
    if not isinstance(props, Map) or is_intrinsic(props) or is_intrinsic(glob):
        return props
    out = Map()
    out.line, out.column = props.line, props.column
    for k, v in glob.items():
        out[k] = v
        out.kpos[k] = glob.kpos.get(k, (0, 0))
        out.vpos[k] = glob.vpos.get(k, (0, 0))
    for k, v in props.items():
        if k in out:
            g = out[k]
            if isinstance(g, Map) and isinstance(v, Map) and not is_intrinsic(g) and not is_intrinsic(v):
                v = merge_globals(g, v)
            elif isinstance(g, Seq) and isinstance(v, Seq):
                merged = Seq(list(g) + list(v))
                merged.line, merged.column = v.line, v.column
                merged.ipos = list(g.ipos) + list(v.ipos)
                v = merged
        out[k] = v
        out.kpos[k] = props.kpos.get(k, (0, 0))
        out.vpos[k] = props.vpos.get(k, (0, 0))
    return out


class TemplateModel:
    """See the module docstring."""

    def __init__(self, tree: Any, settings: Optional[Dict[str, Any]] = None) -> None:
        from lambda_lint.iac.invocation import DEFAULT_SETTINGS

        self.settings: Dict[str, Any] = {**DEFAULT_SETTINGS, **(settings or {})}
        self.tree = tree if isinstance(tree, Map) else Map()
        if _uses_foreach(self.tree):
            from lambda_lint.iac.foreach import expand_template

            expand_template(self.tree)
        res = self.tree.get("Resources")
        self.raw_resources: Map = res if isinstance(res, Map) else Map()
        params = self.tree.get("Parameters")
        self.parameters = params if isinstance(params, Map) else Map()
        self.resources: Dict[str, Resource] = {}
        self.functions: Dict[str, Function] = {}
        self.triggers: List[Trigger] = []
        self.queues: Dict[str, Queue] = {}
        self.streams: Dict[str, Resource] = {}
        self.tables: Dict[str, Resource] = {}
        self.buckets: Dict[str, Resource] = {}
        self.topics: Dict[str, Resource] = {}
        self.buses: Dict[str, Resource] = {}
        self.alarms: List[Alarm] = []
        self.invoke_configs: List[InvokeConfig] = []
        self.resource_lines: Dict[str, int] = {}
        self.resource_ignores: Dict[str, FrozenSet[str]] = {}
        transform = self.tree.get("Transform")
        self.is_sam = (isinstance(transform, str) and "Serverless" in transform) or (
            isinstance(transform, list) and any(isinstance(t, str) and "Serverless" in t for t in transform))
        globs = self.tree.get("Globals")
        gfun = globs.get("Function") if isinstance(globs, Map) else None
        self.globals_function: Optional[Map] = gfun if isinstance(gfun, Map) else None
        conds = self.tree.get("Conditions")
        self.resolver = Resolver(self.raw_resources, self.parameters, conds if isinstance(conds, Map) else None)
        # where the template is and its text, for local files it names (a state machine's
        # DefinitionUri) and block-scalar positions; set by lint_template, None otherwise
        self.path: Optional[str] = None
        self.text: Any = None
        self.derived: Dict[str, Any] = {}  # lazily built extras (extensions.py), by name
        self._build()

    # -- helpers ---------------------------------------------------------------------------
    def entities(self, subject: str) -> List[Entity]:
        """The objects a rule ``for: <subject>`` iterates over."""
        if subject == "trigger":
            return list(self.triggers)
        if subject == "function":
            return list(self.functions.values())
        if subject == "queue":
            return list(self.queues.values())
        if subject == "alarm":
            return list(self.alarms)
        if subject == "invoke_config":
            return list(self.invoke_configs)
        if subject == "resource":
            return list(self.resources.values())
        if subject in ("stream", "table", "bucket", "topic", "bus"):
            return list(getattr(self, subject + ("es" if subject == "bus" else "s")).values())
        from lambda_lint.iac.extensions import extra_entities  # state machines, ...: issue 15

        return extra_entities(self, subject)

    def function_for(self, value: Any) -> Optional[Function]:
        """The function a FunctionName/Arn/Endpoint value designates (Ref, GetAtt, Sub,
        alias/version resources, literal name or ARN), or None."""
        r = self.resolver.resolve(value)
        return self._function_from_resolved(r, 0)

    def _function_from_resolved(self, r: Resolved, depth: int) -> Optional[Function]:
        if depth > 5:
            return None
        if r.is_resource:
            if r.value in self.functions:
                return self.functions[r.value]
            res = self.resources.get(r.value)
            if res is not None and res.type in ("AWS::Lambda::Alias", "AWS::Lambda::Version", "AWS::Lambda::Url"):
                target = res.get("FunctionName") or res.get("TargetFunctionArn")
                if target is not None:
                    return self._function_from_resolved(self.resolver.resolve(target), depth + 1)
            return None
        if r.is_literal and isinstance(r.value, str):
            name = r.value
            if ":function:" in name:
                name = name.split(":function:", 1)[1].split(":", 1)[0]
            name = name.split(":", 1)[0]
            for fn in self.functions.values():
                if name == fn.logical_id and fn.prop("FunctionName") is None:
                    return fn
                fr = fn.function_name
                if fr.is_literal and fr.value == name:
                    return fn
            return None
        if r.is_unknown and r.text and ":function:" in r.text:
            name = r.text.split(":function:", 1)[1].split(":", 1)[0]
            if name and "${" not in name:
                return self._function_from_resolved(Resolved("literal", name), depth + 1)
        if r.is_unknown and r.refs:
            # e.g. !Sub "arn:...:function:${Fn}" or !Join of refs: one function mentioned
            cands = [self.functions[x] for x in r.refs if x in self.functions]
            if len(cands) == 1:
                return cands[0]
            for x in r.refs:
                res = self.resources.get(x)
                if res is not None and res.type in ("AWS::Lambda::Alias", "AWS::Lambda::Version"):
                    return self._function_from_resolved(Resolved("resource", x), depth + 1)
        return None

    # -- building --------------------------------------------------------------------------
    def _build(self) -> None:
        raw = self.raw_resources
        for lid, body in raw.items():
            if not isinstance(lid, str):
                continue
            line, col = raw.kpos.get(lid, (1, 1))
            self.resource_lines[lid] = line
            typ = body.get("Type") if isinstance(body, Map) else None
            if typ == "AWS::SQS::Queue":
                res: Resource = Queue(lid, body, line, col)
                self.queues[lid] = res  # type: ignore[assignment]
            else:
                res = Resource(lid, body, line, col)
            res.model = self
            self.resources[lid] = res
            ign = _ignores(res.metadata)
            if ign:
                self.resource_ignores[lid] = ign
            t = res.type
            if t == "AWS::Kinesis::Stream":
                self.streams[lid] = res
            elif t in ("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable"):
                self.tables[lid] = res
            elif t == "AWS::S3::Bucket":
                self.buckets[lid] = res
            elif t == "AWS::SNS::Topic":
                self.topics[lid] = res
            elif t == "AWS::Events::EventBus":
                self.buses[lid] = res
            elif t in ("AWS::Serverless::Function", "AWS::Lambda::Function"):
                sam = t == "AWS::Serverless::Function"
                props = res.props_raw
                if sam and self.globals_function is not None:
                    props = merge_globals(self.globals_function, props if props is not None else None)
                    if props is None:
                        props = self.globals_function
                fn = Function(res, props, sam)
                fn.model = self
                self.functions[lid] = fn
                if sam:
                    self.is_sam = True
        for fn in self.functions.values():
            if fn.is_sam:
                self._sam_events(fn)
                self._sam_invoke_config(fn)
        for res in self.resources.values():
            try:
                self._cfn_resource(res)
            except (TypeError, AttributeError, ValueError, KeyError, IndexError):
                continue  # a broken shape: skip what we can't understand
        self._link_extras()
        self._link_queues()

    def _link_extras(self) -> None:
        """Custom resources (deploy-time invokers) and EventBridge Pipes (stream/queue sources)."""
        from lambda_lint.iac.invocation import link_custom_resources
        from lambda_lint.iac.pipes import add_pipe_triggers

        for step in (link_custom_resources, lambda m: add_pipe_triggers(m, Trigger)):
            try:
                step(self)
            except (TypeError, AttributeError, ValueError, KeyError, IndexError):
                continue

    def _normalize_source(self, source: Resolved) -> Resolved:
        """A queue or stream named by an ARN built with !Sub/Fn::Join from its attributes
        (``arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:${Q.QueueName}``) is that resource."""
        from lambda_lint.iac.sources import built_arn_resource

        if source.is_resource:
            return source
        lid = built_arn_resource(self, source)
        return Resolved("resource", lid, "Arn", frozenset({lid})) if lid is not None else source

    def _sam_events(self, fn: Function) -> None:
        events = fn.prop("Events")
        if not isinstance(events, Map):
            return
        for name, ev in events.items():
            if not isinstance(name, str) or not isinstance(ev, Map):
                continue
            etype = ev.get("Type")
            if not isinstance(etype, str):
                continue
            props = ev.get("Properties")
            kind, cls = SAM_EVENT_KINDS.get(etype, ("unknown", ASYNC if etype in ("CodeCommit",) else SYNC))
            source: Optional[Resolved] = None
            if isinstance(props, Map):
                for key in ("Stream", "Queue", "Bucket", "Topic", "Broker", "Cluster"):
                    if key in props:
                        source = self.resolver.resolve(props[key])
                        break
                if etype == "SNS" and props.get("SqsSubscription") not in (None, False, "false"):
                    kind, cls = "sqs", QUEUE  # SAM puts a queue between the topic and the function
            line, col = events.kpos.get(name, (fn.line, fn.column))
            if source is not None:
                source = self._normalize_source(source)
            trig = Trigger(fn.logical_id, name, kind, cls, props, line, col, f"{fn.logical_id}/Events/{name}",
                           "sam", fn, source, sam_type=etype)
            from lambda_lint.iac.invocation import sam_alias

            trig.qualifier = sam_alias(fn)  # SAM points the events at the AutoPublishAlias
            if kind == "sqs" and etype == "SQS" and source is not None and source.is_resource:
                q = self.queues.get(source.value)
                if q is not None:
                    trig.queue = q
            self._add_trigger(trig)

    def _sam_invoke_config(self, fn: Function) -> None:
        eic = fn.prop("EventInvokeConfig")
        if eic is None:
            return
        line, col = _kpos(fn.props, "EventInvokeConfig", (fn.line, fn.column))
        fn.invoke_configs.append(InvokeConfig(fn.logical_id, eic, line, col, f"{fn.logical_id}/EventInvokeConfig",
                                              fn.logical_id, origin="sam"))
        self.invoke_configs.append(fn.invoke_configs[-1])

    def _add_trigger(self, trig: Trigger) -> None:
        trig.model = self
        self.triggers.append(trig)
        if trig.function is not None:
            trig.function.triggers.append(trig)
        if trig.queue is not None:
            trig.queue.triggers.append(trig)

    def _cfn_trigger(self, res: Resource, kind: str, cls: str, fn_value: Any, origin: str,
                     source: Optional[Resolved], name: Optional[str] = None, anchor: Optional[str] = None,
                     line: Optional[int] = None, column: Optional[int] = None, props: Any = None) -> None:
        fn = self.function_for(fn_value) if fn_value is not None else None
        if fn is None:
            return
        if kind == "ses":
            from lambda_lint.iac.invocation import ses_class

            cls = ses_class(self, fn)
        trig = Trigger(res.logical_id, name or res.logical_id, kind, cls, props, line or res.line,
                       column or res.column, anchor or res.logical_id, origin, fn, source)
        from lambda_lint.iac.invocation import qualifier_of

        trig.qualifier = qualifier_of(self, fn_value, fn)
        self._add_trigger(trig)

    def _cfn_resource(self, res: Resource) -> None:
        t, p = res.type, res.props
        if p is None:
            return
        if t == "AWS::Lambda::EventSourceMapping":
            self._esm(res)
        elif t == "AWS::Lambda::EventInvokeConfig":
            fn = self.function_for(p.get("FunctionName"))
            ic = InvokeConfig(res.logical_id, p, res.line, res.column, res.logical_id,
                              fn.logical_id if fn else None, origin="cfn")
            self.invoke_configs.append(ic)
            if fn is not None:
                fn.invoke_configs.append(ic)
        elif t == "AWS::Lambda::Permission":
            principal = self.resolver.text_hint(p.get("Principal"))
            svc = principal.split(".", 1)[0] if principal else ""
            if svc in PRINCIPAL_KINDS:
                kind, cls = PRINCIPAL_KINDS[svc]
                if kind == "eventbridge":
                    src = p.get("SourceArn")
                    sr = self.resolver.resolve(src) if src is not None else None
                    if sr is not None and sr.is_resource:
                        rule = self.resources.get(sr.value)
                        if rule is not None and rule.get("ScheduleExpression") is not None:
                            kind = "schedule"
                self._cfn_trigger(res, kind, cls, p.get("FunctionName"), "permission",
                                  self.resolver.resolve(p.get("SourceArn")) if "SourceArn" in p else None)
        elif t == "AWS::S3::Bucket":
            nc = p.get("NotificationConfiguration")
            lcs = nc.get("LambdaConfigurations") if isinstance(nc, Map) else None
            if isinstance(lcs, Seq):
                for i, lc in enumerate(lcs):
                    if isinstance(lc, Map):
                        self._cfn_trigger(res, "s3", ASYNC, lc.get("Function"), "s3-notification",
                                          self.resolver.resolve({"Ref": res.logical_id}),
                                          anchor=f"{res.logical_id}/LambdaConfigurations/{i}")
        elif t == "AWS::SNS::Subscription":
            if str(self.resolver.text_hint(p.get("Protocol"))).lower() == "lambda":
                self._cfn_trigger(res, "sns", ASYNC, p.get("Endpoint"), "sns-subscription",
                                  self.resolver.resolve(p.get("TopicArn")), props=p)
        elif t == "AWS::SNS::Topic":
            subs = p.get("Subscription")
            if isinstance(subs, Seq):
                for i, s in enumerate(subs):
                    if isinstance(s, Map) and str(self.resolver.text_hint(s.get("Protocol"))).lower() == "lambda":
                        line, col = subs.ipos[i] if i < len(subs.ipos) else (res.line, res.column)
                        self._cfn_trigger(res, "sns", ASYNC, s.get("Endpoint"), "sns-subscription",
                                          self.resolver.resolve({"Ref": res.logical_id}),
                                          anchor=f"{res.logical_id}/Subscription/{i}", line=line, column=col,
                                          props=s)
        elif t in ("AWS::Events::Rule", "AWS::Scheduler::Schedule"):
            kind = "schedule" if (t == "AWS::Scheduler::Schedule" or p.get("ScheduleExpression") is not None) \
                else "eventbridge"
            if t == "AWS::Events::Rule":
                targets = p.get("Targets")
            else:
                targets = Seq([p.get("Target")])
                targets.ipos = [p.kpos.get("Target", (res.line, res.column))]
            if isinstance(targets, Seq):
                for i, tg in enumerate(targets):
                    if isinstance(tg, Map):
                        line, col = targets.ipos[i] if i < len(targets.ipos) else (res.line, res.column)
                        self._cfn_trigger(res, kind, ASYNC, tg.get("Arn"), "events-rule",
                                          self.resolver.resolve({"Ref": res.logical_id}),
                                          anchor=f"{res.logical_id}/Targets/{i}", line=line, column=col,
                                          props=tg)
        elif t == "AWS::Logs::SubscriptionFilter":
            self._cfn_trigger(res, "logs", ASYNC, p.get("DestinationArn"), "subscription-filter", None)
        elif t == "AWS::IoT::TopicRule":
            trp = p.get("TopicRulePayload")
            actions = trp.get("Actions") if isinstance(trp, Map) else None
            if isinstance(actions, Seq):
                for i, a in enumerate(actions):
                    lam = a.get("Lambda") if isinstance(a, Map) else None
                    if isinstance(lam, Map):
                        self._cfn_trigger(res, "iot", ASYNC, lam.get("FunctionArn"), "iot-rule", None,
                                          anchor=f"{res.logical_id}/Actions/{i}")
        elif t == "AWS::CloudWatch::Alarm":
            self._alarm(res)

    def _esm(self, res: Resource) -> None:
        p = res.props
        assert p is not None
        fn = self.function_for(p.get("FunctionName"))
        src_raw = p.get("EventSourceArn")
        source = self.resolver.resolve(src_raw) if src_raw is not None else None
        if source is not None:
            source = self._normalize_source(source)
        kind = None
        if source is not None and source.is_resource:
            srcres = self.resources.get(source.value)
            if srcres is not None:
                kind = ESM_SOURCE_TYPES.get(srcres.type or "")
        if kind is None and src_raw is not None:
            hint = self.resolver.text_hint(src_raw)
            for frag, k in ESM_ARN_HINTS:
                if frag in hint:
                    kind = k
                    break
        if kind is None:
            if p.get("SelfManagedEventSource") is not None or p.get("Topics") is not None:
                kind = "kafka"
            elif p.get("Queues") is not None:
                kind = "mq"
            elif p.get("StartingPosition") is not None:
                kind = "stream"
            else:
                kind = "unknown"
        cls = KIND_CLASS.get(kind, QUEUE)
        trig = Trigger(res.logical_id, res.logical_id, kind, cls, p, res.line, res.column, res.logical_id,
                       "esm", fn, source)
        if fn is not None:
            from lambda_lint.iac.invocation import qualifier_of

            trig.qualifier = qualifier_of(self, p.get("FunctionName"), fn)
        if kind == "sqs" and source is not None and source.is_resource:
            trig.queue = self.queues.get(source.value)
        self._add_trigger(trig)

    def _alarm(self, res: Resource) -> None:
        p = res.props
        assert p is not None
        stats = []
        if p.get("MetricName") is not None:
            stats.append((p.get("Namespace"), p.get("MetricName"), p.get("Dimensions")))
        metrics = p.get("Metrics")
        if isinstance(metrics, Seq):
            for m in metrics:
                ms = m.get("MetricStat") if isinstance(m, Map) else None
                metric = ms.get("Metric") if isinstance(ms, Map) else None
                if isinstance(metric, Map):
                    stats.append((metric.get("Namespace"), metric.get("MetricName"), metric.get("Dimensions")))
        for ns, name, dims in stats:
            nsr = self.resolver.resolve(ns)
            mr = self.resolver.resolve(name)
            namespace = nsr.value if nsr.is_literal else "?"
            metric = mr.value if mr.is_literal else "?"
            func: Optional[str] = None
            if isinstance(dims, Seq):
                for d in dims:
                    if isinstance(d, Map) and self.resolver.text_hint(d.get("Name")) == "FunctionName":
                        func = self._alarm_function(d.get("Value"))
                        if func is None and metric != "?":
                            by_arn = self.function_for(d.get("Value"))
                            if by_arn is not None:  # names it, but by ARN: no such metric exists
                                by_arn.arn_alarms.setdefault(str(metric), []).append(res.logical_id)
            alarm = Alarm(res, namespace, metric, func)
            self.alarms.append(alarm)
            if namespace not in ("AWS/Lambda", "?") or func is None or metric is None:
                continue  # no MetricName: an alarm on no metric
            targets = self.functions.values() if func == "?" else [self.functions[func]]
            cond = res.condition if isinstance(res.condition, str) else None
            for fn in targets:
                key = str(metric) if metric != "?" else "*"
                fn.alarm_metrics.add(key)
                fn.alarm_conditions.setdefault(key, []).append(cond)

    def _alarm_function(self, value: Any) -> Optional[str]:
        """The function an alarm's ``FunctionName`` dimension names: its name, never its ARN.
        ``!Ref Fn``, ``!Sub "${Fn}"``, the literal FunctionName, or the same ``!Sub`` text as the
        function's FunctionName. ``!GetAtt Fn.Arn`` (or any ARN) matches no metric: None.
        A value we can't read (a parameter without default, an import) is ``"?"``: every
        function."""
        r = self.resolver.resolve(value)
        if r.is_resource:
            if r.value in self.functions and r.attr is None:
                return r.value
            return None
        if r.is_literal:
            if not isinstance(r.value, str) or ":" in r.value:
                return None
            for fn in self.functions.values():
                fr = fn.function_name
                if (fr.is_literal and fr.value == r.value) or (fn.prop("FunctionName") is None
                                                                and r.value == fn.logical_id):
                    return fn.logical_id
            return None
        text = r.text or ""
        if ":function:" in text or text.startswith("arn:"):
            return None
        if text:
            for fn in self.functions.values():
                if text == "${%s}" % fn.logical_id:
                    return fn.logical_id
                fr = fn.function_name
                if fr.text is not None and fr.text == text:
                    return fn.logical_id
        return "?"

    def _link_queues(self) -> None:
        """Mark queues that receive failures: redrive targets, DLQs, on-failure destinations."""
        targets: set = set()
        for q in self.queues.values():
            rp = q.get("RedrivePolicy")
            if isinstance(rp, Map):
                dl = rp.get("deadLetterTargetArn")
                if dl is not None:
                    targets |= self.resolver.refs_in(dl) or {str(self.resolver.resolve(dl).value)}
        for fn in self.functions.values():
            for key in ("DeadLetterQueue", "DeadLetterConfig", "EventInvokeConfig"):
                v = fn.prop(key)
                if v is not None:
                    targets |= self.resolver.refs_in(v)
        for trig in self.triggers:
            if trig.props is not None:
                # DeadLetterConfig: EventBridge/Scheduler targets; RedrivePolicy: SNS subscriptions
                for key in ("DestinationConfig", "DeadLetterConfig", "RedrivePolicy"):
                    dc = trig.props.get(key)
                    if dc is not None:
                        targets |= self.resolver.refs_in(dc)
        for ic in self.invoke_configs:
            if ic.props is not None:
                targets |= self.resolver.refs_in(ic.props.get("DestinationConfig"))
        for lid in targets:
            q = self.queues.get(lid)
            if q is not None:
                q.is_dlq = True
        # a queue with no template definition of its own is matched by name/ARN literal
        for q in self.queues.values():
            if not q.is_dlq and q.props is not None:
                qn = self.resolver.resolve(q.props.get("QueueName")) if "QueueName" in q.props else None
                if qn is not None and qn.is_literal and isinstance(qn.value, str):
                    if any(isinstance(t, str) and t.endswith(":" + qn.value) for t in targets):
                        q.is_dlq = True


def _ignores(metadata: Any) -> FrozenSet[str]:
    if not isinstance(metadata, dict):
        return frozenset()
    ll = metadata.get("lambda-lint")
    if not isinstance(ll, dict):
        return frozenset()
    ign = ll.get("ignore")
    if isinstance(ign, str):
        ign = [x.strip() for x in ign.split(",")]
    if not isinstance(ign, list):
        return frozenset()
    return frozenset(str(x).strip() for x in ign if isinstance(x, (str, int)) and str(x).strip())


def _uses_foreach(tree: Map) -> bool:
    res = tree.get("Resources")
    return isinstance(res, Map) and any(isinstance(k, str) and k.startswith("Fn::ForEach::") for k in res)


def build_model(tree: Any, settings: Optional[Dict[str, Any]] = None) -> TemplateModel:
    """Normalize a loaded template (never raises on odd shapes). ``settings``: the run's
    ``posture_scope`` ("runaway" | "all") and ``external_alarms`` (bool)."""
    return TemplateModel(tree, settings)
