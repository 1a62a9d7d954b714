"""Where a value comes from (value origins) and which expressions are boto3 objects.

Both work on the name level, through local assignments, ``for`` targets, enclosing
functions and module constants, with the imports of :class:`ModuleAnalysis` resolving
aliases (``import boto3 as b``, ``from os import environ``). No scope analysis: the last
assignment of a name in the nearest function that assigns it wins, which is what handler
code looks like in practice. Every result is a plain JSON-friendly dict (see facts.py).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import libcst as cst

from lambda_lint.code.analysis import Func, ModuleAnalysis, dotted, walk

UNKNOWN: Dict[str, Any] = {"kind": "unknown"}
_MAX_DEPTH = 12
_PASS_THROUGH = frozenset({
    "str", "int", "float", "urllib.parse.unquote", "urllib.parse.unquote_plus", "unquote", "unquote_plus",
    "json.loads", "json.dumps", "base64.b64decode",
})
_ENV_GET = frozenset({"os.environ.get", "os.getenv", "environ.get", "getenv", "os.environ.__getitem__"})


def _literal(node: cst.BaseExpression) -> Any:
    try:
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            value = node.evaluated_value
            return value.decode("latin-1") if isinstance(value, bytes) else value
        if isinstance(node, cst.Integer):
            return node.evaluated_value
        if isinstance(node, cst.Name) and node.value in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[node.value]
    except Exception:  # noqa: BLE001 - odd literals are just unknown
        return _NOLIT
    return _NOLIT


_NOLIT = object()


def literal_value(node: Optional[cst.BaseExpression]) -> Any:
    """The Python value of a literal string/int/bool/None node, else the sentinel ``NOLIT``."""
    if node is None:
        return _NOLIT
    return _literal(node)


NOLIT = _NOLIT


def find_assignment(an: ModuleAnalysis, name: str, func: Optional[Func]
                    ) -> Optional[tuple]:
    """("assign", expr, func) or ("for", iter_expr, func) or ("param", index, func) for a name."""
    f = func
    while f is not None:
        if f.kind != "class":
            vals = f.assigns.get(name)
            if vals:
                return ("assign", vals[-1], f)
            if name in f.loop_binds:
                return ("for", f.loop_binds[name][0], f)
            if f.kind == "function" and name in f.params:
                return ("param", f.params.index(name), f)
        f = f.parent
    return None


def origin(an: ModuleAnalysis, node: Optional[cst.BaseExpression], func: Optional[Func],
           depth: int = 0) -> Dict[str, Any]:
    """The value origin of an expression (see the schema in facts.py)."""
    if node is None or depth > _MAX_DEPTH:
        return UNKNOWN
    lit = _literal(node)
    if lit is not _NOLIT:
        return {"kind": "literal", "value": lit}
    tp = type(node)
    if tp is cst.Name:
        found = find_assignment(an, node.value, func)
        if found is None:
            return UNKNOWN
        kind, value, owner = found
        if kind == "assign":
            return origin(an, value, owner, depth + 1)
        if kind == "for":
            base = origin(an, value, owner, depth + 1)
            return _extend(base, "*")
        # a parameter
        if node.value == owner.event_param:
            return {"kind": "event", "path": []}
        if node.value == owner.context_param:
            return {"kind": "context", "attr": None}
        return {"kind": "param", "function": owner.qualname, "name": node.value, "index": value, "path": []}
    if tp is cst.Attribute:
        base = origin(an, node.value, func, depth + 1)
        if base.get("kind") == "context" and base.get("attr") is None:
            return {"kind": "context", "attr": node.attr.value}
        return UNKNOWN
    if tp is cst.Subscript:
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
            return UNKNOWN
        key_node = node.slice[0].slice.value
        if an.qualify(node.value) in ("os.environ", "environ"):
            key = origin(an, key_node, func, depth + 1)
            if key.get("kind") == "literal":
                return {"kind": "env", "name": key["value"]}
            return UNKNOWN
        base = origin(an, node.value, func, depth + 1)
        key = _literal(key_node)
        if key is _NOLIT:
            key = "*"
        return _extend(base, key)
    if tp is cst.Call:
        q = an.qualify(node.func)
        args = node.args
        if q in _ENV_GET or (q or "").endswith("environ.get"):
            if args:
                key = origin(an, args[0].value, func, depth + 1)
                if key.get("kind") == "literal":
                    out: Dict[str, Any] = {"kind": "env", "name": key["value"]}
                    if len(args) > 1:
                        out["default"] = origin(an, args[1].value, func, depth + 1)
                    return out
            return UNKNOWN
        if q in _PASS_THROUGH and args:
            return origin(an, args[0].value, func, depth + 1)
        if isinstance(node.func, cst.Attribute):
            meth = node.func.attr.value
            if meth == "get" and args:
                base = origin(an, node.func.value, func, depth + 1)
                key = _literal(args[0].value)
                if base.get("kind") in ("event", "param") and key is not _NOLIT:
                    return _extend(base, key)
            if meth in ("strip", "lower", "upper", "rstrip", "lstrip", "decode", "encode"):
                return origin(an, node.func.value, func, depth + 1)
            if meth == "format":
                fmt = origin(an, node.func.value, func, depth + 1)
                if fmt.get("kind") == "literal" and isinstance(fmt.get("value"), str):
                    return _str_format(an, fmt["value"], args, func, depth)
                return UNKNOWN
            if meth == "replace" and len(args) >= 2:
                old, new = _literal(args[0].value), _literal(args[1].value)
                if isinstance(old, str) and isinstance(new, str) and old:
                    return {"kind": "replace", "base": origin(an, node.func.value, func, depth + 1),
                            "old": old, "new": new}
                return UNKNOWN
            if meth == "join" and len(args) == 1:
                sep = _literal(node.func.value)
                if isinstance(sep, str) and isinstance(args[0].value, (cst.List, cst.Tuple)):
                    return _joined(an, sep, [e.value for e in args[0].value.elements], func, depth)
        if q in _PATH_JOIN and args and all(a.keyword is None and not a.star for a in args):
            return _joined(an, "/", [a.value for a in args], func, depth, path=True)
        # a module function of this file: what it returns (helpers that build a key or a name)
        if isinstance(node.func, cst.Name) and q == node.func.value:
            target = an.module_functions.get(node.func.value)
            if target is not None and target is not func and target.returns:
                outs = [origin(an, r.value, target, depth + 1) for r in target.returns if r.value is not None]
                if len(outs) == 1:
                    return outs[0]
                if outs and len(outs) <= 4:
                    return {"kind": "any", "options": outs}
        return UNKNOWN
    if tp is cst.FormattedString:
        parts: List[Dict[str, Any]] = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                parts.append({"kind": "literal", "value": part.value})
            elif isinstance(part, cst.FormattedStringExpression):
                parts.append(origin(an, part.expression, func, depth + 1))
        return {"kind": "format", "parts": parts}
    if tp is cst.BinaryOperation and isinstance(node.operator, (cst.Add, cst.Modulo)):
        if isinstance(node.operator, cst.Modulo):
            fmt = origin(an, node.left, func, depth + 1)
            if fmt.get("kind") == "literal" and isinstance(fmt.get("value"), str):
                return _percent_format(an, fmt["value"], node.right, func, depth)
            return UNKNOWN
        left = origin(an, node.left, func, depth + 1)
        right = origin(an, node.right, func, depth + 1)
        parts = (left["parts"] if left.get("kind") == "concat" else [left]) + \
                (right["parts"] if right.get("kind") == "concat" else [right])
        return {"kind": "concat", "parts": parts}
    if tp is cst.BooleanOperation:  # x or DEFAULT: the first operand is what matters most
        return origin(an, node.left, func, depth + 1)
    return UNKNOWN


_PATH_JOIN = frozenset({"os.path.join", "posixpath.join", "path.join"})
_PERCENT_RE = None


def _joined(an: ModuleAnalysis, sep: str, items: List[cst.BaseExpression], func: Optional[Func],
            depth: int, path: bool = False) -> Dict[str, Any]:
    parts: List[Dict[str, Any]] = []
    for i, item in enumerate(items):
        o = origin(an, item, func, depth + 1)
        prev = parts[-1] if parts else None
        glued = prev is not None and prev.get("kind") == "literal" and str(prev.get("value")).endswith(sep)
        if i and not glued:
            known = prev is not None and prev.get("kind") == "literal"
            # os.path.join adds "/" only where the left part does not end with one: a part whose
            # value is known later (an environment variable) gets a "sep" the resolver decides
            parts.append({"kind": "literal" if known or sep != "/" or not path else "sep", "value": sep})
        parts.append(o)
    return {"kind": "concat", "parts": parts}


def _str_format(an: ModuleAnalysis, fmt: str, args: Any, func: Optional[Func], depth: int) -> Dict[str, Any]:
    """``"raw/{}/{name}.json".format(a, name=b)``: literal text and the arguments in order."""
    import string

    positional = [a.value for a in args if a.keyword is None and not a.star]
    named = {a.keyword.value: a.value for a in args if a.keyword is not None}
    parts: List[Dict[str, Any]] = []
    auto = 0
    try:
        parsed = list(string.Formatter().parse(fmt))
    except ValueError:
        return UNKNOWN
    for text, field, _spec, _conv in parsed:
        if text:
            parts.append({"kind": "literal", "value": text})
        if field is None:
            continue
        head = field.split(".")[0].split("[")[0]
        expr: Optional[cst.BaseExpression] = None
        if head == "":
            expr = positional[auto] if auto < len(positional) else None
            auto += 1
        elif head.isdigit():
            expr = positional[int(head)] if int(head) < len(positional) else None
        else:
            expr = named.get(head)
        simple = head == field
        parts.append(origin(an, expr, func, depth + 1) if expr is not None and simple else UNKNOWN)
    return {"kind": "format", "parts": parts}


def _percent_format(an: ModuleAnalysis, fmt: str, right: cst.BaseExpression, func: Optional[Func],
                    depth: int) -> Dict[str, Any]:
    """``"raw/%s/%s.json" % (a, b)``: literal text and the arguments in order."""
    import re

    global _PERCENT_RE
    if _PERCENT_RE is None:
        _PERCENT_RE = re.compile(r"%(\([^)]*\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?([diouxXeEfFgGcrsa%])")
    values: List[cst.BaseExpression] = []
    if isinstance(right, cst.Tuple):
        values = [e.value for e in right.elements]
    else:
        values = [right]
    parts: List[Dict[str, Any]] = []
    pos = 0
    k = 0
    for m in _PERCENT_RE.finditer(fmt):
        if m.start() > pos:
            parts.append({"kind": "literal", "value": fmt[pos:m.start()]})
        pos = m.end()
        if m.group(2) == "%":
            parts.append({"kind": "literal", "value": "%"})
            continue
        if m.group(1) is not None or k >= len(values):
            parts.append(UNKNOWN)
        else:
            parts.append(origin(an, values[k], func, depth + 1))
        k += 1
    if pos < len(fmt):
        parts.append({"kind": "literal", "value": fmt[pos:]})
    return {"kind": "format", "parts": parts}


def _extend(base: Dict[str, Any], key: Any) -> Dict[str, Any]:
    kind = base.get("kind")
    if kind in ("event", "param"):
        out = dict(base)
        out["path"] = list(base.get("path", [])) + [key]
        return out
    return UNKNOWN


def literal_prefix(org: Dict[str, Any]) -> Optional[str]:
    """The literal text a value is known to start with (for S3 key filters), else None."""
    kind = org.get("kind")
    if kind == "literal" and isinstance(org.get("value"), str):
        return org["value"]
    if kind in ("concat", "format") and org.get("parts"):
        first = org["parts"][0]
        if first.get("kind") == "literal" and isinstance(first.get("value"), str):
            return first["value"]
    return None


def mentions(org: Dict[str, Any], pred: Any) -> bool:
    """True when the origin, or any part of a concat/format, satisfies ``pred``."""
    if pred(org):
        return True
    for part in org.get("parts", ()) or ():
        if mentions(part, pred):
            return True
    return False


# --------------------------------------------------------------------------- boto3

_RESOURCE_TYPES = {
    "Bucket": ("s3", ["Bucket"]),
    "Object": ("s3", ["Bucket", "Key"]),
    "ObjectSummary": ("s3", ["Bucket", "Key"]),
    "Table": ("dynamodb", ["TableName"]),
    "Queue": ("sqs", ["QueueUrl"]),
    "Topic": ("sns", ["TopicArn"]),
    "PlatformEndpoint": ("sns", ["TargetArn"]),
}


def _service_arg(an: ModuleAnalysis, call: cst.Call, func: Optional[Func]) -> Optional[str]:
    for i, a in enumerate(call.args):
        if (a.keyword is None and i == 0) or (a.keyword is not None and a.keyword.value == "service_name"):
            o = origin(an, a.value, func)
            if o.get("kind") == "literal" and isinstance(o.get("value"), str):
                return o["value"]
            return None
    return None


def _self_attr_object(an: ModuleAnalysis, attr: str, func: Func, depth: int) -> Optional[Dict[str, Any]]:
    """``self.lam`` in a method: the boto3 object some method of the class assigns to it
    (``self.lam = boto3.client("lambda")`` in ``__init__``)."""
    cls = func.parent
    if cls is None or cls.kind != "class":
        return None
    for m in an.functions:
        if m.parent is not cls:
            continue
        for node in walk(m.node):
            if isinstance(node, cst.Assign) and any(dotted(t.target) == f"self.{attr}" for t in node.targets):
                obj = boto_object(an, node.value, m, depth + 1)
                if obj is not None:
                    return obj
    return None


def boto_object(an: ModuleAnalysis, node: Optional[cst.BaseExpression], func: Optional[Func],
                depth: int = 0) -> Optional[Dict[str, Any]]:
    """What boto3 object an expression is: ``{"type": "client"|"resource"|"session"|"resobj",
    "service": ..., "rtype": ..., "args": {...}}``, or None."""
    if node is None or depth > _MAX_DEPTH:
        return None
    tp = type(node)
    if tp is cst.Name:
        found = find_assignment(an, node.value, func)
        if found is None or found[0] != "assign":
            return None
        return boto_object(an, found[1], found[2], depth + 1)
    if tp is cst.Attribute:
        if node.attr.value == "client" and isinstance(node.value, cst.Attribute) and node.value.attr.value == "meta":
            base = boto_object(an, node.value.value, func, depth + 1)
            if base and base["type"] in ("resource", "resobj"):
                return {"type": "client", "service": base["service"]}
        if isinstance(node.value, cst.Name) and node.value.value == "self" and func is not None:
            return _self_attr_object(an, node.attr.value, func, depth)
        return None
    if tp is not cst.Call:
        return None
    q = an.qualify(node.func) or ""
    if q in ("boto3.client", "boto3.resource"):
        return {"type": q.split(".")[1], "service": _service_arg(an, node, func)}
    if q in ("boto3.Session", "boto3.session.Session"):
        return {"type": "session", "service": None}
    if isinstance(node.func, cst.Attribute):
        meth = node.func.attr.value
        if meth in ("client", "resource"):
            base = boto_object(an, node.func.value, func, depth + 1)
            if base and base["type"] == "session":
                return {"type": meth, "service": _service_arg(an, node, func)}
            return None
        if meth in _RESOURCE_TYPES:
            base = boto_object(an, node.func.value, func, depth + 1)
            if base is None:
                return None
            service, names = _RESOURCE_TYPES[meth]
            args: Dict[str, Any] = {}
            if base["type"] == "resobj":  # bucket.Object(key)
                args.update(base.get("args", {}))
                names = [n for n in names if n not in args]
            elif base["type"] != "resource":
                return None
            pos = [a for a in node.args if a.keyword is None and not a.star]
            for n, a in zip(names, pos):
                args[n] = origin(an, a.value, func)
            for a in node.args:
                if a.keyword is not None:
                    kw = {"name": names[0] if names else "", "bucket_name": "Bucket", "key": "Key",
                          "url": "QueueUrl", "arn": "TopicArn"}.get(a.keyword.value, a.keyword.value)
                    args[kw] = origin(an, a.value, func)
            return {"type": "resobj", "service": base.get("service") or service, "rtype": meth, "args": args}
        return None
    # a call to a module function that returns a boto3 object: get_client().invoke(...)
    if isinstance(node.func, cst.Name):
        target = an.module_functions.get(node.func.value)
        if target is not None:
            for ret in target.returns:
                obj = boto_object(an, ret.value, target, depth + 1)
                if obj is not None:
                    return obj
    return None


def uses_boto3(an: ModuleAnalysis) -> bool:
    return any(q == "boto3" or q.startswith("boto3.") for q in an.imports.values())
