"""Code facts: what the project layer (LL3xx) knows of a Python module.

``lint_python`` returns :func:`build_facts`'s dict. It is JSON-serialisable (plain dicts,
lists, str, int, bool, None), cached and shipped across processes, so keep it small and
stable. Lines and columns are 1-based, in the file's own coordinates (inline code: relative
to the inline text; add the reporter's offsets).

Schema (version 1)::

    {
      "version": 1,
      "module": "app",                      # file stem
      "imports": {"local": "qualified"},    # import map: "b": "boto3", "helper": "utils.helper",
                                            # relative imports keep their dots: ".utils.helper"
      "functions": [                        # module-level functions, in source order
        {"name": "handler", "line": 12,     # line of the `def` keyword
         "params": ["event", "context"],
         "is_handler": true,                # see "handlers"
         "decorators": ["logger.inject_lambda_context"],
         "calls": ["helper", "utils.save", "boto3.client"],   # name-level call graph: local
                                            # functions by name, imported ones qualified
                                            # (through the import map), calls in nested defs included
         "returns_batch_item_failures": false,   # a "batchItemFailures" literal in a function
                                            # that returns a value, or Powertools batch utilities
         "powertools_batch": false,         # process_partial_response / BatchProcessor /
                                            # batch_processor / async variants used here
                                            # (or the processor is built at module level)
         "iterates_records": false,         # for r in event["Records"] / event.get("Records")
                                            # (through variables and enumerate)
         "reads_first_record": false,       # event["Records"][0] read
         "first_record_only": false,        # reads_first_record and not iterates_records
         "call_guards": [{"callee": "process", "guards": [GUARD, ...]}],   # optional: calls of
                                            # other functions made under `if` tests
         "catch_all": null |                # handlers only: a top-level try whose broad except returns
           {"line": 20, "column": 5,        # normally (no raise in the except): the except's
            "returns_http_error": true}     # position; true when it returns statusCode >= 400
        }, ...],
      "handlers": ["handler"],              # template-named (handler_names) or (event, context)
      "boto3_clients": [                    # boto3 clients/resources/resource objects bound to names
        {"name": "s3", "function": null, "type": "client"|"resource"|"resobj",
         "service": "s3", "rtype": "Bucket"|null, "line": 3}],
      "boto3_calls": [
        {"service": "s3", "operation": "put_object",  # resource objects: the action name
         "rtype": null | "Table" | "Bucket" | "Object" | "Queue" | "Topic",
         "function": "handler" | "Cls.method" | null (module level),
         "line": 30, "column": 5, "end_line": 30, "end_column": 60,
         "targets": {"Bucket": ORIGIN, "Key": ORIGIN, ...},   # only the target arguments present
         "key_prefix": "processed/" | null, # literal prefix of Key, when knowable
         "entries": [{"EventBusName": ORIGIN, "Source": ORIGIN, "DetailType": ORIGIN,
                      "Detail": DOC}],      # put_events (Detail: a literal json.dumps mapping)
         "payload": {"attributes": DOC, "item": DOC, "key": DOC, "body": DOC, "data": DOC,
                     "**": true},           # what is written (optional; see below)
         "guards": [GUARD, ...]             # the tests the call runs under (optional)
        }],
      "has_boto3": true,
      "units": {"<module>": {...}, "handler": {...}}   # what each top-level unit refers to:
                                            # lambda_lint/code/units.py
    }

Target arguments: Bucket, Key, QueueUrl, TopicArn, TargetArn, StreamName, StreamARN,
TableName, FunctionName, stateMachineArn, EventBusName (and per entry of a literal
``put_events(Entries=[...])``: EventBusName, Source, DetailType). Positional S3 transfer
calls (``upload_file(f, bucket, key)``, ``upload_fileobj``, ``download_file``, ``copy``) are
mapped to Bucket/Key. A resource object carries the names it was built with:
``dynamodb.Table(name).put_item`` -> TableName, ``s3.Bucket(b).put_object(Key=k)`` -> Bucket and
Key, ``s3.Object(b, k).put()`` -> Bucket and Key, ``sqs.Queue(url)`` -> QueueUrl.

ORIGIN (where a value comes from)::

    {"kind": "literal", "value": "my-bucket"}
    {"kind": "env", "name": "BUCKET"}                    # os.environ[...], .get, os.getenv;
                                                          # "default": ORIGIN when given
    {"kind": "context", "attr": "function_name"}          # the Lambda context object
    {"kind": "event", "path": ["Records", "*", "s3", "bucket", "name"]}   # "*" = any element
    {"kind": "param", "function": "save", "name": "bucket", "index": 0, "path": []}
                                                          # a helper's parameter: follow the
                                                          # call graph to resolve it
    {"kind": "concat", "parts": [ORIGIN, ...]}            # a + b, "/".join([...]), os.path.join
    {"kind": "format", "parts": [ORIGIN, ...]}            # f-strings, "%" and str.format, split into
                                                          # literal text and the arguments in order
    {"kind": "sep", "value": "/"}                         # os.path.join's "/" after a part whose
                                                          # value is known later (dropped when it
                                                          # ends with "/")
    {"kind": "replace", "base": ORIGIN, "old": "a", "new": "b"}   # base.replace("a", "b")
    {"kind": "any", "options": [ORIGIN, ...]}             # the returns of a module function
    {"kind": "unknown"}

Origins follow local assignments, ``for`` targets, enclosing functions, module constants and
the ``return`` of module functions of the same file.

Payload (the loop rule matches it against SNS FilterPolicy and ESM FilterCriteria): the
keyword arguments ``MessageAttributes`` (attributes), ``Item`` (item), a DynamoDB ``Key``
(key), ``MessageBody``/``Message`` (body), ``Data``/``Record`` (data). A DOC is a literal
mapping (through a name, ``json.dumps``, ``.encode()``) as {key: ORIGIN or {"kind": "doc",
"doc": DOC}}, with "**": {"kind": "unknown"} when it has keys we can't see; DynamoDB client
values ``{"S": v}`` stand for ``v``. A payload entry is null when the argument is given but
not a literal mapping, absent when not given; "**": true when the call has ``**kwargs``.

GUARD (see :mod:`lambda_lint.code.guards`)::

    {"op": "startswith"|"endswith", "value": ORIGIN, "arg": "product#" | "args": [...], "holds": true}
    {"op": "eq"|"in", "value": ORIGIN, "arg": "x" | "args": [...], "holds": false}
    {"op": "compare", "value": ORIGIN, "text": "hops", "cmp": ">=", "bound": 5 | null, "holds": false}
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any, Dict, List, Optional

import libcst as cst

from lambda_lint.code.analysis import (Func, ModuleAnalysis, block_body, dotted, is_broad_except,
                                       own_statements)
from lambda_lint.code.checks import record_loops  # noqa: F401 - part of this module's API
from lambda_lint.code.values import (boto_object, literal_prefix, literal_value, NOLIT, origin,
                                     uses_boto3)

FACTS_VERSION = 1

TARGET_ARGS = ("Bucket", "Key", "QueueUrl", "TopicArn", "TargetArn", "StreamName", "StreamARN",
               "TableName", "FunctionName", "stateMachineArn", "EventBusName", "DeliveryStreamName")
_POSITIONAL_S3 = {
    "upload_file": (None, "Bucket", "Key"),
    "upload_fileobj": (None, "Bucket", "Key"),
    "download_file": ("Bucket", "Key", None),
    "download_fileobj": ("Bucket", "Key", None),
    "copy": (None, "Bucket", "Key"),
}
_CREATORS = frozenset({"client", "resource", "Session"}) | {
    "Bucket", "Object", "ObjectSummary", "Table", "Queue", "Topic", "PlatformEndpoint"}
POWERTOOLS_BATCH = frozenset({
    "process_partial_response", "async_process_partial_response", "BatchProcessor", "AsyncBatchProcessor",
    "SqsFifoPartialProcessor", "batch_processor", "async_batch_processor",
})


# --------------------------------------------------------------------------- boto3 calls

def boto3_calls(an: ModuleAnalysis) -> List[Dict[str, Any]]:
    """Every call on a boto3 client/resource/resource object, with targets (cached)."""
    cached = getattr(an, "_boto3_calls", None)
    if cached is not None:
        return cached
    out: List[Dict[str, Any]] = []
    if uses_boto3(an):
        for call, func in an.calls:
            f = call.func
            if not isinstance(f, cst.Attribute) or f.attr.value in _CREATORS:
                continue
            obj = boto_object(an, f.value, func)
            if obj is None or obj["type"] == "session":
                continue
            out.append(_call_fact(an, call, func, obj))
    an._boto3_calls = out  # type: ignore[attr-defined]
    return out


def _call_fact(an: ModuleAnalysis, call: cst.Call, func: Func, obj: Dict[str, Any]) -> Dict[str, Any]:
    op = call.func.attr.value  # type: ignore[union-attr]
    targets: Dict[str, Any] = dict(obj.get("args", {})) if obj["type"] == "resobj" else {}
    entries: Optional[List[Dict[str, Any]]] = None
    positional = [a for a in call.args if a.keyword is None and not a.star]
    if (obj.get("service") in ("s3", None)) and op in _POSITIONAL_S3:
        for name, a in zip(_POSITIONAL_S3[op], positional):
            if name:
                targets[name] = origin(an, a.value, func)
    payload: Dict[str, Any] = {}
    for a in call.args:
        if a.keyword is None:
            if a.star == "**":
                payload["**"] = True  # publish(**kwargs): more arguments than we see
            continue
        kw = a.keyword.value
        if kw == "Key" and obj.get("service") == "dynamodb":
            pass  # a DynamoDB key is what is written (below), an S3 key a target
        elif kw in TARGET_ARGS:
            targets[kw] = origin(an, a.value, func)
            continue
        if kw == "Entries" and op == "put_events":
            entries = _entries(an, a.value, func)
        elif kw in _PAYLOAD_ARGS:
            # None: given, but not a literal mapping (unknown); absent: not given at all
            payload[_PAYLOAD_ARGS[kw]] = payload_doc(an, a.value, func,
                                                     typed=kw in ("Item", "Key") and obj["type"] == "client")
    line, col, eline, ecol = an.position(call)
    fn = _owner_name(func)
    fact: Dict[str, Any] = {
        "service": obj.get("service"), "operation": op, "rtype": obj.get("rtype"), "function": fn,
        "line": line, "column": col, "end_line": eline, "end_column": ecol,
        "targets": targets,
        "key_prefix": literal_prefix(targets["Key"]) if "Key" in targets else None,
    }
    if entries is not None:
        fact["entries"] = entries
    if payload:
        fact["payload"] = payload
    guards = _guards(an, call, func)
    if guards:
        fact["guards"] = guards
    return fact


# the arguments that carry what a write writes: the loop rule matches them against the
# trigger's filters (SNS FilterPolicy, ESM FilterCriteria)
_PAYLOAD_ARGS = {"MessageAttributes": "attributes", "Item": "item", "Key": "key", "Data": "data",
                 "MessageBody": "body", "Message": "body", "Record": "data"}


def payload_doc(an: ModuleAnalysis, node: cst.BaseExpression, func: Func, typed: bool = False,
                depth: int = 0) -> Optional[Dict[str, Any]]:
    """A literal dict written (through a name, ``json.dumps``, ``{"Data": ...}`` of Firehose),
    as {key: ORIGIN}; nested dicts become {"kind": "doc", "doc": {...}}. None when not a literal
    dict. ``typed``: DynamoDB client values ``{"S": v}`` stand for ``v``."""
    from lambda_lint.code.values import find_assignment

    if depth > 4:
        return None
    if isinstance(node, cst.Name):
        found = find_assignment(an, node.value, func)
        if found and found[0] == "assign":
            return payload_doc(an, found[1], found[2], typed, depth + 1)
        return None
    if isinstance(node, cst.Call):
        q = an.qualify(node.func) or ""
        if q in ("json.dumps", "dumps") and node.args:
            return payload_doc(an, node.args[0].value, func, typed, depth + 1)
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "encode":
            return payload_doc(an, node.func.value, func, typed, depth + 1)
        return None
    if not isinstance(node, cst.Dict):
        return None
    out: Dict[str, Any] = {}
    for el in node.elements:
        if not isinstance(el, cst.DictElement):
            out["**"] = {"kind": "unknown"}  # a ** spread: more keys than we see
            continue
        key = literal_value(el.key)
        if not isinstance(key, str):
            out["**"] = {"kind": "unknown"}
            continue
        value = el.value
        if typed and isinstance(value, cst.Dict) and len(value.elements) == 1 \
                and isinstance(value.elements[0], cst.DictElement) \
                and literal_value(value.elements[0].key) in ("S", "N", "BOOL"):
            value = value.elements[0].value
        if isinstance(value, cst.Dict):
            sub = payload_doc(an, value, func, typed, depth + 1)
            out[key] = {"kind": "doc", "doc": sub} if sub is not None else {"kind": "unknown"}
        else:
            out[key] = origin(an, value, func)
    return out


def call_guards(an: ModuleAnalysis, func: Func) -> List[Dict[str, Any]]:
    """Calls of other functions made under ``if`` tests: {"callee": "process", "guards": [...]}.
    The loop rule reads a helper's writes under its caller's guards."""
    from lambda_lint.code.guards import conditions, summarise

    conds = conditions(func)
    out: List[Dict[str, Any]] = []
    count: Dict[str, int] = {}
    for call in func.calls:
        d = dotted(call.func)
        if d is not None:
            count[d.split(".")[-1]] = count.get(d.split(".")[-1], 0) + 1
    for call in func.calls:
        cs = conds.get(id(call))
        d = dotted(call.func)
        if not cs or d is None or d.split(".")[-1] in _CREATORS or count[d.split(".")[-1]] > 1:
            continue  # a helper called twice may run under either call's tests
        guards = summarise(an, cs, func)
        if guards:
            out.append({"callee": d.split(".")[-1], "guards": guards})
    return out[:20]


def _guards(an: ModuleAnalysis, call: cst.Call, func: Func) -> List[Dict[str, Any]]:
    from lambda_lint.code.guards import conditions, summarise

    f = func
    while f is not None and f.kind != "function":
        f = f.parent
    if f is None:
        return []
    cache = an.__dict__.setdefault("_conditions", {})
    if id(f) not in cache:
        cache[id(f)] = conditions(f)
    conds = cache[id(f)].get(id(call))
    return summarise(an, conds, f) if conds else []


def _entries(an: ModuleAnalysis, node: cst.BaseExpression, func: Func) -> List[Dict[str, Any]]:
    if isinstance(node, cst.Name):
        from lambda_lint.code.values import find_assignment
        found = find_assignment(an, node.value, func)
        if found and found[0] == "assign":
            node, func = found[1], found[2]
    out: List[Dict[str, Any]] = []
    if isinstance(node, (cst.List, cst.Tuple)):
        for el in node.elements:
            d = el.value
            if isinstance(d, cst.Name):
                from lambda_lint.code.values import find_assignment
                found = find_assignment(an, d.value, func)
                if found and found[0] == "assign":
                    d = found[1]
            if isinstance(d, cst.Dict):
                entry: Dict[str, Any] = {}
                for de in d.elements:
                    if isinstance(de, cst.DictElement):
                        key = literal_value(de.key)
                        if key in ("EventBusName", "Source", "DetailType"):
                            entry[key] = origin(an, de.value, func)
                        elif key == "Detail":
                            doc = payload_doc(an, de.value, func)
                            if doc is not None:
                                entry["Detail"] = doc
                out.append(entry)
            else:
                out.append({})
    return out


def _owner_name(func: Optional[Func]) -> Optional[str]:
    f = func
    while f is not None and f.kind != "function":
        f = f.parent
    return f.qualname if f is not None else None


def boto3_clients(an: ModuleAnalysis) -> List[Dict[str, Any]]:
    out: List[Dict[str, Any]] = []
    if not uses_boto3(an):
        return out
    funcs: List[Func] = [an.module_func] + an.functions
    for f in funcs:
        for name, values in f.assigns.items():
            for v in values:
                if not isinstance(v, cst.Call):
                    continue
                obj = boto_object(an, v, f)
                if obj is not None and obj["type"] != "session":
                    out.append({"name": name, "function": _owner_name(f), "type": obj["type"],
                                "service": obj.get("service"), "rtype": obj.get("rtype"),
                                "line": an.position(v)[0]})
    return out


# --------------------------------------------------------------------------- function summaries

def _descendant_funcs(an: ModuleAnalysis, func: Func) -> List[Func]:
    """``func`` and every def nested in it, in source order.

    The index is built once per module (O(functions x nesting)), not once per call: a
    30,000-line module with 10,000 functions was quadratic here (issue 8).
    """
    index = an.__dict__.get("_descendants_index")
    if index is None:
        index = {}
        for f in an.functions:
            p = f.parent
            while p is not None:
                index.setdefault(id(p), []).append(f)
                p = p.parent
        an.__dict__["_descendants_index"] = index
    return [func, *index.get(id(func), ())]


def uses_powertools(an: ModuleAnalysis, func: Func) -> bool:
    for f in _descendant_funcs(an, func):
        for d in f.decorators:
            if d.split(".")[-1] in POWERTOOLS_BATCH:
                return True
        for call in f.calls:
            d = dotted(call.func)
            if d and d.split(".")[-1] in POWERTOOLS_BATCH:
                return True
    return False


def _module_uses_powertools(an: ModuleAnalysis) -> bool:
    return any((dotted(c.func) or "").split(".")[-1] in POWERTOOLS_BATCH for c in an.module_func.calls)


def returns_batch_item_failures(an: ModuleAnalysis, func: Func) -> bool:
    if uses_powertools(an, func):
        return True
    if func.bif and any(r.value is not None for r in func.returns):
        return True
    return False


def reads_first_record(an: ModuleAnalysis, func: Func) -> bool:
    for sub in func.zero_subscripts:
        org = origin(an, sub.value, func)
        if org.get("kind") == "event" and org.get("path") and org["path"][-1] == "Records":
            return True
    return False


def catch_all(an: ModuleAnalysis, func: Func) -> Optional[Dict[str, Any]]:
    """A top-level try (directly in the function body) whose broad except returns normally.

    Not one: an except that substitutes a fallback and falls through to more work after
    the try (a failure there still fails the invocation), or one that forwards the
    failure (a boto3 send/put such as a DLQ message or a Config evaluation, or a call
    named for it: ``send_task_failure``, ``send_to_dlq``)."""
    from lambda_lint.code.checks import does_work, falls_through, forwards_failure, substitutes_fallback

    body = block_body(func.node.body)  # type: ignore[union-attr]
    for i, stmt in enumerate(body):
        if not isinstance(stmt, (cst.Try, cst.TryStar)):
            continue
        for h in stmt.handlers:
            if not is_broad_except(h):
                continue
            smalls = [s for s, _ in own_statements(block_body(h.body))]
            if any(isinstance(s, cst.Raise) for s in smalls):
                continue
            if forwards_failure(an, block_body(h.body)):
                continue
            if falls_through(an, block_body(h.body)) and does_work(an, body[i + 1:]) \
                    and substitutes_fallback(block_body(h.body), block_body(stmt.body), body[i + 1:]):
                continue
            http = False
            for s in smalls:
                if isinstance(s, cst.Return) and s.value is not None:
                    http = http or _is_http_error(an, s.value, func)
            line, col = an.start(h)  # no position pass for this (issue 12)
            return {"line": line, "column": col, "returns_http_error": http}
    return None


def _is_http_error(an: ModuleAnalysis, value: cst.BaseExpression, func: Func) -> bool:
    if isinstance(value, cst.Name):
        from lambda_lint.code.values import find_assignment
        found = find_assignment(an, value.value, func)
        if found and found[0] == "assign":
            value = found[1]
    if isinstance(value, cst.Dict):
        for el in value.elements:
            if isinstance(el, cst.DictElement) and literal_value(el.key) in ("statusCode", "status_code"):
                code = literal_value(el.value)
                return isinstance(code, int) and code >= 400
        return False
    if isinstance(value, cst.Call):  # error_response(500, ...), Response(status_code=500)
        for a in value.args:
            v = literal_value(a.value)
            if isinstance(v, int) and not isinstance(v, bool) and 400 <= v <= 599:
                return True
    return False


def call_names(an: ModuleAnalysis, func: Func) -> List[str]:
    seen: Dict[str, None] = {}
    for f in _descendant_funcs(an, func):
        for call in f.calls:
            d = dotted(call.func)
            if d is None:
                continue
            head = d.split(".")[0]
            if head in an.imports:
                seen[an.qualify(call.func) or d] = None
            elif "." not in d:
                seen[d] = None
    return list(seen)


def build_facts(an: ModuleAnalysis) -> Dict[str, Any]:
    from lambda_lint.code.units import build_units

    lines = an.def_lines()
    module_pt = _module_uses_powertools(an)
    functions = []
    for f in an.module_functions.values():
        iterates = bool(record_loops(an, f))
        first = reads_first_record(an, f)
        pt = uses_powertools(an, f) or (module_pt and bool(f.decorators) and any(
            d.split(".")[-1] in POWERTOOLS_BATCH for d in f.decorators))
        functions.append({
            "name": f.name,
            "line": lines.get(f.name),
            "params": list(f.params),
            "is_handler": f.is_handler,
            "decorators": list(f.decorators),
            "calls": call_names(an, f),
            "returns_batch_item_failures": pt or returns_batch_item_failures(an, f),
            "powertools_batch": pt,
            "iterates_records": iterates,
            "reads_first_record": first,
            "first_record_only": first and not iterates,
            "catch_all": catch_all(an, f) if f.is_handler else None,
        })
        cg = call_guards(an, f)
        if cg:
            functions[-1]["call_guards"] = cg
    return {
        "version": FACTS_VERSION,
        "module": PurePath(an.path).stem if an.path else "",
        "imports": dict(an.imports),
        "functions": functions,
        "handlers": [f.name for f in an.handlers],
        "boto3_clients": boto3_clients(an),
        "boto3_calls": boto3_calls(an),
        "has_boto3": uses_boto3(an),
        "units": build_units(an),  # code reachability (issue 12): lambda_lint/code/units.py
    }


__all__ = ["build_facts", "boto3_calls", "record_loops", "returns_batch_item_failures", "catch_all",
           "uses_powertools", "NOLIT"]
