"""How a function is invoked, and so which runaway rules can apply to it.

Kept apart from :mod:`lambda_lint.iac.model` (which builds the objects) because these
are judgements about AWS semantics, each with its reason:

* **Retrying triggers.** Only a stream, a queue or an asynchronous invoker retries a failing
  function on its own; that is what can run away. A function behind an API, a Cognito
  user-pool trigger or any other synchronous caller fails back to its caller.
* **Deploy time.** A function whose only invoker is a CloudFormation custom resource
  (``ServiceToken``) runs while the stack deploys: the runaway rules (LL206–LL211) don't
  apply to it, whatever the posture scope.
* **Posture scope.** LL208–LL211 (and any rule that uses ``in_posture_scope``) apply by
  default to functions with a retrying trigger (``posture-scope = "runaway"``), or to every
  function that is not deploy-time only (``"all"``).
* **Alarms managed elsewhere.** ``external-alarms = true`` declares that alarms live in
  another stack or are made by tagging: ``alarms_in_template`` is false and the alarm rules
  stay silent.
* **Qualifiers.** An ``EventInvokeConfig`` with ``Qualifier: live`` covers invocations of the
  alias ``live`` only; one with ``$LATEST`` covers the unqualified function.
* **Alarms under a Condition** exist only when the condition holds: the evaluator tries both
  branches (:mod:`lambda_lint.iac.conditions`).
"""

from __future__ import annotations

from typing import Any, List, Optional

RETRYING = ("stream", "queue", "async")
POSTURE_SCOPES = ("runaway", "all")
UNQUALIFIED = None  # the function itself ($LATEST)
UNKNOWN_QUALIFIER = "?"

DEFAULT_SETTINGS = {"posture_scope": "runaway", "external_alarms": False}


def function_attr(fn: Any, name: str) -> Any:
    from lambda_lint.iac.kinds import KIND_DISPLAY

    if name == "async_trigger_kinds":
        kinds = sorted({t.kind for t in fn.triggers if t.trigger_class == "async"})
        return [KIND_DISPLAY.get(k, k) for k in kinds]
    if name == "has_retrying_trigger":
        return has_retrying_trigger(fn)
    if name == "deploy_time_only":
        return deploy_time_only(fn)
    if name == "custom_resources":
        return list(fn.custom_resources)
    if name == "in_posture_scope":
        return in_posture_scope(fn)
    if name == "alarm_by_arn":
        return alarm_by_arn_notes(fn)
    if name == "alarms_in_template":
        settings = fn.model.settings if fn.model is not None else DEFAULT_SETTINGS
        return not settings.get("external_alarms", False)
    return None


def has_retrying_trigger(fn: Any) -> bool:
    return any(t.trigger_class in RETRYING for t in fn.triggers)


def deploy_time_only(fn: Any) -> bool:
    """Invoked by a custom resource and by nothing else the template shows."""
    return bool(fn.custom_resources) and not fn.triggers


def in_posture_scope(fn: Any) -> bool:
    if deploy_time_only(fn):
        return False
    settings = fn.model.settings if fn.model is not None else DEFAULT_SETTINGS
    if settings.get("posture_scope", "runaway") == "all":
        return True
    return has_retrying_trigger(fn)


# --- custom resources ------------------------------------------------------------------

def is_custom_resource_type(t: Optional[str]) -> bool:
    return isinstance(t, str) and (t.startswith("Custom::") or t == "AWS::CloudFormation::CustomResource")


def link_custom_resources(model: Any) -> None:
    for res in model.resources.values():
        if is_custom_resource_type(res.type) and res.props is not None:
            token = res.props.get("ServiceToken")
            fn = model.function_for(token) if token is not None else None
            if fn is not None:
                fn.custom_resources.append(res.logical_id)


# --- SES ---------------------------------------------------------------------------------

def ses_class(model: Any, fn: Any) -> str:
    """``sync`` when every SES receipt rule of the template that invokes ``fn`` says
    ``InvocationType: RequestResponse``; ``async`` otherwise (``Event`` is the default)."""
    types = []
    for res in model.resources.values():
        if res.type != "AWS::SES::ReceiptRule" or res.props is None:
            continue
        rule = res.props.get("Rule")
        actions = rule.get("Actions") if isinstance(rule, dict) else None
        if not isinstance(actions, list):
            continue
        for action in actions:
            lam = action.get("LambdaAction") if isinstance(action, dict) else None
            if isinstance(lam, dict) and model.function_for(lam.get("FunctionArn")) is fn:
                r = model.resolver.resolve(lam.get("InvocationType", "Event"))
                types.append(r.value if r.is_literal else None)
    if types and all(t == "RequestResponse" for t in types):
        return "sync"
    return "async"


# --- qualifiers --------------------------------------------------------------------------

def sam_alias(fn: Any) -> Optional[str]:
    """The alias SAM's AutoPublishAlias makes (its events and EventInvokeConfig use it)."""
    if not fn.is_sam or fn.props is None or "AutoPublishAlias" not in fn.props:
        return UNQUALIFIED
    r = fn.model.resolver.resolve(fn.props["AutoPublishAlias"]) if fn.model else None
    if r is not None and r.is_literal and isinstance(r.value, str) and r.value:
        return r.value
    return UNKNOWN_QUALIFIER


def qualifier_of(model: Any, value: Any, fn: Any) -> Optional[str]:
    """Which version of ``fn`` a FunctionName/Arn value invokes: None for the function itself
    ($LATEST), an alias or version name, or ``"?"`` when we can't tell."""
    r = model.resolver.resolve(value)
    if r.is_resource:
        if r.value == fn.logical_id:
            return sam_alias(fn) if r.attr in ("Alias",) else (UNKNOWN_QUALIFIER if r.attr == "Version"
                                                               else UNQUALIFIED)
        res = model.resources.get(r.value)
        if res is not None and res.type == "AWS::Lambda::Alias":
            name = model.resolver.resolve(res.get("Name"))
            return name.value if name.is_literal and isinstance(name.value, str) else UNKNOWN_QUALIFIER
        if res is not None and res.type == "AWS::Lambda::Version":
            return UNKNOWN_QUALIFIER
        return UNQUALIFIED
    text = r.text if r.text is not None else (r.value if r.is_literal and isinstance(r.value, str) else None)
    if isinstance(text, str) and ":function:" in text:
        parts = text.split(":function:", 1)[1].split(":")
        if len(parts) >= 2:
            q = parts[1]
            if "${" in q or not q:
                return UNKNOWN_QUALIFIER
            return UNQUALIFIED if q == "$LATEST" else q
        return UNQUALIFIED
    if r.is_unknown:
        # a Sub/Join around an alias resource, or something we can't read
        for x in r.refs:
            res = model.resources.get(x)
            if res is not None and res.type in ("AWS::Lambda::Alias", "AWS::Lambda::Version"):
                return UNKNOWN_QUALIFIER
    return UNQUALIFIED


def config_qualifier(model: Any, ic: Any, fn: Any) -> Optional[str]:
    if ic.origin == "sam":
        return sam_alias(fn)
    q = ic.props.get("Qualifier") if ic.props is not None else None
    if q is None:
        return UNKNOWN_QUALIFIER  # required by CloudFormation; a broken template
    r = model.resolver.resolve(q)
    if r.is_literal and isinstance(r.value, (str, int)):
        return UNQUALIFIED if str(r.value) == "$LATEST" else str(r.value)
    return UNKNOWN_QUALIFIER


def _covers(cq: Optional[str], tq: Optional[str]) -> bool:
    return cq == tq or UNKNOWN_QUALIFIER in (cq, tq)


def covering_invoke_config(fn: Any) -> Any:
    """The EventInvokeConfig that applies to the function's async invocations: for each
    async trigger the config of the qualifier it invokes. None when one of them is covered by
    no config (the AWS defaults apply to it)."""
    configs = list(fn.invoke_configs)
    if not configs or fn.model is None:
        return None
    asyncs = [t for t in fn.triggers if t.trigger_class == "async"]
    if not asyncs:
        return configs[0]
    chosen = None
    for t in asyncs:
        match = [ic for ic in configs if _covers(config_qualifier(fn.model, ic, fn), t.qualifier)]
        if not match:
            return None
        chosen = chosen or match[0]
    return chosen


# --- alarms ------------------------------------------------------------------------------

#: metrics a message may ask about with ``{alarm_by_arn.METRIC}``
LAMBDA_METRICS = ("Errors", "Throttles", "IteratorAge", "Duration", "Invocations", "ConcurrentExecutions")


def alarm_by_arn_notes(fn: Any) -> Any:
    """{metric: note} for messages: " (alarm X names it by its ARN, ...)" or "" per metric, so
    a finding about a missing alarm says why the alarm that is there does not count."""
    from lambda_lint.iac.tree import Map

    out = Map()
    for metric in LAMBDA_METRICS:
        names = fn.arn_alarms.get(metric)
        out[metric] = (f" (alarm {', '.join(names)} gives FunctionName as its ARN, which matches no metric)"
                       if names else "")
    return out

def alarm_metrics_now(fn: Any) -> List[str]:
    """The metrics watched by an alarm that exists in the scenario being tried: an alarm under
    ``Condition: C`` exists only when C holds (an undecided C is met, so both are tried)."""
    conds = fn.model.resolver.conditions if fn.model is not None else None
    out = set()
    for metric, names in fn.alarm_conditions.items():
        for name in names:
            if name is None or conds is None:
                out.add(metric)
                break
            v = conds.value(name)
            if v is None and name in conds.raw:
                fn.model.resolver.encountered.add(name)
            if v is not False:
                out.add(metric)
                break
    return sorted(out, key=str)


# --- what an event source keeps ------------------------------------------------------------

def stream_retention(model: Any, trig: Any) -> str:
    """How long a stream keeps records, for messages ("48 h, the stream's RetentionPeriodHours")."""
    src = trig.source
    res = model.resources.get(src.value) if src is not None and src.is_resource else None
    if trig.kind == "dynamodb" or (res is not None and res.type in ("AWS::DynamoDB::Table",
                                                                   "AWS::DynamoDB::GlobalTable")):
        return "24 h, DynamoDB Streams' retention"
    if res is not None and res.type == "AWS::Kinesis::StreamConsumer":
        sr = model.resolver.resolve(res.get("StreamARN"))
        res = model.resources.get(sr.value) if sr.is_resource else None
    if res is not None and res.type == "AWS::Kinesis::Stream":
        if res.props is not None and "RetentionPeriodHours" in res.props:
            r = model.resolver.resolve(res.props["RetentionPeriodHours"])
            if r.is_literal and _is_number(r.value):
                return f"{_num_text(r.value)} h, the stream's RetentionPeriodHours"
            return "the stream's RetentionPeriodHours, 24 h to 365 days"
        return "24 h, the stream's default retention"
    return "24 h by default, up to 365 days"


def queue_retention(queue: Any) -> str:
    """How long a queue keeps messages ("4 days, the default MessageRetentionPeriod")."""
    props = queue.props
    if props is not None and "MessageRetentionPeriod" in props and queue.model is not None:
        r = queue.model.resolver.resolve(props["MessageRetentionPeriod"])
        if r.is_literal and _is_number(r.value):
            return f"{_duration(float(r.value))}, its MessageRetentionPeriod"
        return "its MessageRetentionPeriod, up to 14 days"
    return "4 days, the default MessageRetentionPeriod"


def _is_number(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    try:
        float(v)
        return True
    except (TypeError, ValueError):
        return False


def _num_text(v: Any) -> str:
    f = float(v)
    return str(int(f)) if f.is_integer() else str(f)


def _duration(seconds: float) -> str:
    if seconds >= 86400 and seconds % 86400 == 0:
        d = int(seconds // 86400)
        return f"{d} day" + ("s" if d != 1 else "")
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{int(seconds // 3600)} h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{int(seconds // 60)} min"
    return f"{_num_text(seconds)} s"
