"""The safe, mechanical fixes: one function per fixable rule, from a finding to text edits.

A fixer gets the finding, the template's text and loaded tree, and its normalized model,
and returns the edits (or nothing: a shape it can't see through is left to the user). It
never decides anything a human must (which DLQ, which alarm thresholds): those rules have no
fixer, and their ``--explain`` Fix shows the snippet instead.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional

from lambda_lint.fix.edits import Edit, Text
from lambda_lint.fix.insert import insert_key, replace_value

#: [tool.lambda-lint.fix] keys and their defaults: the values the fixes insert
DEFAULTS: Dict[str, Any] = {
    "stream-maximum-retry-attempts": 3,        # LL201
    "stream-maximum-record-age-seconds": 3600,  # LL202
    "async-maximum-retry-attempts": 2,          # LL206
    "async-maximum-event-age-seconds": 3600,    # LL206
}
#: the ranges AWS accepts for each
LIMITS: Dict[str, tuple] = {
    "stream-maximum-retry-attempts": (0, 10000),
    "stream-maximum-record-age-seconds": (60, 604800),
    "async-maximum-retry-attempts": (0, 2),
    "async-maximum-event-age-seconds": (60, 21600),
}


class Ctx:
    def __init__(self, text: Text, tree: Any, model: Any, settings: Dict[str, Any], is_json: bool,
                 options: Dict[str, Any]) -> None:
        self.text = text
        self.tree = tree
        self.model = model
        self.settings = settings
        self.is_json = is_json
        self.options = options

    def insert(self, mapping: Any, key: str, value: Any, rule: str) -> Optional[Edit]:
        return insert_key(self.text, mapping, key, value, rule, self.is_json)

    def replace(self, mapping: Any, key: str, value: Any, rule: str, expect: List[Any]) -> Optional[Edit]:
        return replace_value(self.text, mapping, key, value, rule, self.is_json, expect)


def _entity_for(finding: Any, entities: List[Any]) -> Any:
    """The model object a template finding is about: its anchor starts with the object's."""
    best = None
    for e in entities:
        a = getattr(e, "anchor", "")
        if a and (finding.anchor == a or finding.anchor.startswith(a + "/")):
            if best is None or len(a) > len(best.anchor):
                best = e
    return best


def _set_or_insert(ctx: Ctx, mapping: Any, key: str, value: Any, rule: str, bad: List[Any]) -> List[Edit]:
    if not isinstance(mapping, dict):
        return []
    if key in mapping:
        edit = ctx.replace(mapping, key, value, rule, bad)
    else:
        edit = ctx.insert(mapping, key, value, rule)
    return [edit] if edit is not None else []


def _trigger_fix(key: str, value: Callable[[Ctx], Any], bad: List[Any]) -> Callable[[Any, Ctx, str], List[Edit]]:
    def fix(finding: Any, ctx: Ctx, rule: str) -> List[Edit]:
        trig = _entity_for(finding, ctx.model.triggers)
        if trig is None:
            return []
        return _set_or_insert(ctx, trig.props, key, value(ctx), rule, bad)
    return fix


def _raw_props(ctx: Ctx, logical_id: str) -> Any:
    res = (ctx.tree.get("Resources") or {}).get(logical_id) if isinstance(ctx.tree, dict) else None
    return res.get("Properties") if isinstance(res, dict) else None


def fix_async(finding: Any, ctx: Ctx, rule: str) -> List[Edit]:
    """LL206: the async retry settings, set where the function's async config lives."""
    fn = ctx.model.functions.get(finding.function or finding.resource or "")
    if fn is None:
        return []
    wanted = {"MaximumRetryAttempts": ctx.settings["async-maximum-retry-attempts"],
              "MaximumEventAgeInSeconds": ctx.settings["async-maximum-event-age-seconds"]}
    configs = [c for c in getattr(fn, "invoke_configs", []) if isinstance(c.props, dict)]
    if configs:
        # an existing config (SAM property or resource): fill in only what it leaves unset
        cfg = configs[0]
        return [e for k, v in wanted.items() if k not in cfg.props
                for e in [ctx.insert(cfg.props, k, v, rule)] if e is not None]
    props = _raw_props(ctx, fn.logical_id)
    if getattr(fn, "is_sam", False):
        edit = ctx.insert(props, "EventInvokeConfig", wanted, rule)
        return [edit] if edit is not None else []
    resources = ctx.tree.get("Resources")
    name = f"{fn.logical_id}AsyncConfig"
    n = 2
    while isinstance(resources, dict) and name in resources:
        name, n = f"{fn.logical_id}AsyncConfig{n}", n + 1
    body = {"Type": "AWS::Lambda::EventInvokeConfig",
            "Properties": {"FunctionName": {"Ref": fn.logical_id}, "Qualifier": "$LATEST", **wanted}}
    edit = ctx.insert(resources, name, body, rule)
    return [edit] if edit is not None else []


def fix_recursive_loop(finding: Any, ctx: Ctx, rule: str) -> List[Edit]:
    fn = ctx.model.functions.get(finding.function or finding.resource or "")
    props = _raw_props(ctx, fn.logical_id) if fn is not None else None
    if not isinstance(props, dict):
        return []
    if "RecursiveLoop" not in props:
        # SAM: inherited from Globals.Function (the finding points there); Terminate there
        # is what every function inheriting it needs, as none of them overrides it
        glob = ctx.tree.get("Globals") if isinstance(ctx.tree, dict) and getattr(fn, "is_sam", False) else None
        props = glob.get("Function") if isinstance(glob, dict) else None
        if not isinstance(props, dict) or "RecursiveLoop" not in props:
            return []
    edit = ctx.replace(props, "RecursiveLoop", "Terminate", rule, ["Allow"])
    return [edit] if edit is not None else []


def fix_visibility(finding: Any, ctx: Ctx, rule: str) -> List[Edit]:
    """LL213: the queue's VisibilityTimeout raised to multiplier x the function's Timeout."""
    # the finding is anchored at the queue (``Jobs/VisibilityTimeout``) and names the function
    trig = next((t for t in ctx.model.triggers
                 if t.kind == "sqs" and t.queue is not None and t.function is not None
                 and t.function.logical_id == finding.function
                 and (finding.anchor == t.queue.logical_id or finding.anchor.startswith(t.queue.logical_id + "/"))),
                None)
    if trig is None:
        return []
    queue, fn = trig.queue, trig.function
    timeout = fn.attr("timeout") if hasattr(fn, "attr") else None
    timeout = getattr(timeout, "value", timeout)
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool):
        return []
    multiplier = (ctx.options.get("LL213") or {}).get("multiplier", 6)
    needed = int(timeout * multiplier)
    props = _raw_props(ctx, queue.logical_id)
    if not isinstance(props, dict):
        res = (ctx.tree.get("Resources") or {}).get(queue.logical_id) if isinstance(ctx.tree, dict) else None
        if not isinstance(res, dict) or "Properties" in res:
            return []  # Properties: null or an intrinsic: not ours to rewrite
        # a queue with every property at its default: it gets the one it needs
        edit = ctx.insert(res, "Properties", {"VisibilityTimeout": needed}, rule)
        return [edit] if edit is not None else []
    current = props.get("VisibilityTimeout")
    if "VisibilityTimeout" in props:
        if not isinstance(current, (int, str)) or isinstance(current, bool):
            return []
        try:
            if int(current) >= needed:
                return []
        except ValueError:
            return []
        edit = ctx.replace(props, "VisibilityTimeout", needed, rule, [current])
    else:
        edit = ctx.insert(props, "VisibilityTimeout", needed, rule)
    return [edit] if edit is not None else []


def fix_response_types(finding: Any, ctx: Ctx, rule: str) -> List[Edit]:
    """LL302 (a cross finding, reported at the handler): every batch trigger of the function."""
    fn = ctx.model.functions.get(finding.function or "")
    if fn is None:
        return []
    out = []
    for trig in getattr(fn, "triggers", []):
        if trig.trigger_class in ("stream", "queue") and trig.kind in ("sqs", "kinesis", "dynamodb") \
                and isinstance(trig.props, dict) and "FunctionResponseTypes" not in trig.props:
            edit = ctx.insert(trig.props, "FunctionResponseTypes", ["ReportBatchItemFailures"], rule)
            if edit is not None:
                out.append(edit)
    return out


FIXERS: Dict[str, Callable[[Any, Ctx, str], List[Edit]]] = {
    "LL201": _trigger_fix("MaximumRetryAttempts", lambda c: c.settings["stream-maximum-retry-attempts"], [-1]),
    "LL202": _trigger_fix("MaximumRecordAgeInSeconds",
                          lambda c: c.settings["stream-maximum-record-age-seconds"], [-1]),
    "LL204": _trigger_fix("BisectBatchOnFunctionError", lambda c: True, [False, "false"]),
    "LL206": fix_async,
    "LL212": fix_recursive_loop,
    "LL213": fix_visibility,
    "LL302": fix_response_types,
}

#: rules whose finding lives in code but whose fix edits the template
CROSS = frozenset({"LL302"})
