"""Evaluating declarative rules over a :class:`TemplateModel` (language: docs/rule-language.md).

A lookup walks a dotted field path from a model object: lower-case segments are computed
attributes (``kind``, ``function``, ``queue``, ``timeout``...), capitalised segments are
template properties (``DestinationConfig.OnFailure.Destination``). Its outcome is one of
MISSING (with the nearest object that lacks it), UNKNOWN (an intrinsic we can't resolve, a
shape we don't understand) or FOUND (value and the position of its key). Unknown never
produces a finding.
"""

from __future__ import annotations

import re
from typing import Any, List, Optional, Tuple

from lambda_lint.template.loader import Map
from lambda_lint.template.model import Entity, Found, TemplateModel
from lambda_lint.template.resolve import Resolved, is_intrinsic

MISSING, UNKNOWN, FOUND = "missing", "unknown", "found"
PASS, FAIL = "pass", "fail"


class Lookup:
    __slots__ = ("status", "value", "line", "column", "anchor", "nearest")

    def __init__(self, status: str, value: Any = None, line: int = 0, column: int = 0, anchor: str = "",
                 nearest: Optional[Entity] = None) -> None:
        self.status = status
        self.value = value
        self.line = line
        self.column = column
        self.anchor = anchor
        self.nearest = nearest


def lookup(model: TemplateModel, entity: Entity, path: str) -> Lookup:
    cur: Any = entity
    nearest = entity
    line, col, anchor = entity.line, entity.column, entity.anchor
    for seg in path.split("."):
        if isinstance(cur, Entity):
            nearest = cur
            line, col, anchor = cur.line, cur.column, cur.anchor
            if seg[:1].islower() or seg == "Kind":
                val = cur.attr(seg)
                if val is None:
                    return Lookup(MISSING, nearest=nearest, anchor=f"{anchor}/{seg}")
                if isinstance(val, Found):
                    if val.value is None:
                        return Lookup(UNKNOWN)
                    cur, line, col, anchor = val.value, val.line, val.column, val.anchor
                else:
                    cur = val
                    anchor = f"{anchor}/{seg}"
                continue
            if cur.props is None:
                if cur.props_raw is None:
                    return Lookup(MISSING, nearest=nearest, anchor=f"{anchor}/{seg}")
                return Lookup(UNKNOWN)
            cur = cur.props
        if isinstance(cur, Map) and not is_intrinsic(cur):
            if seg not in cur:
                return Lookup(MISSING, nearest=nearest, anchor=f"{anchor}/{seg}")
            line, col = cur.kpos.get(seg, (line, col))
            anchor = f"{anchor}/{seg}"
            cur = cur[seg]
            continue
        return Lookup(UNKNOWN)
    if isinstance(cur, dict) and is_intrinsic(cur):
        cur = model.resolver.resolve(cur)
    if isinstance(cur, Resolved) and cur.is_literal:
        cur = cur.value
    return Lookup(FOUND, cur, line, col, anchor, nearest)


# --- values ------------------------------------------------------------------------------

def _num(v: Any) -> Any:
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, str):
        s = v.strip()
        try:
            return int(s)
        except ValueError:
            try:
                return float(s)
            except ValueError:
                return v
    return v


def _comparable(v: Any) -> bool:
    return not isinstance(v, (Resolved, Entity))


def _eq(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return _bool(a) == _bool(b)
    na, nb = _num(a), _num(b)
    if isinstance(na, (int, float)) and isinstance(nb, (int, float)):
        return na == nb
    return a == b


def _bool(v: Any) -> Any:
    if isinstance(v, str) and v.lower() in ("true", "false"):
        return v.lower() == "true"
    return v


class Outcome:
    __slots__ = ("status", "line", "column", "anchor", "value", "field", "missing")

    def __init__(self, status: str, line: int = 0, column: int = 0, anchor: str = "", value: Any = None,
                 field: str = "", missing: bool = False) -> None:
        self.status = status
        self.line = line
        self.column = column
        self.anchor = anchor
        self.value = value
        self.field = field
        self.missing = missing


def _operand(model: TemplateModel, entity: Entity, spec: Any) -> Tuple[str, Any]:
    """A comparison operand: a literal, or {field: path, times: n, plus: n, default: v}."""
    if isinstance(spec, dict) and "field" in spec:
        lk = lookup(model, entity, spec["field"])
        if lk.status == MISSING:
            if "default" not in spec:
                return UNKNOWN, None
            val = spec["default"]
        elif lk.status == UNKNOWN:
            return UNKNOWN, None
        else:
            val = lk.value
        val = _num(val)
        if not isinstance(val, (int, float)) or isinstance(val, bool):
            return UNKNOWN, None
        return FOUND, val * spec.get("times", 1) + spec.get("plus", 0)
    return FOUND, spec


def test_field(model: TemplateModel, entity: Entity, path: str, test: Any, subject: Entity) -> Outcome:
    if not isinstance(test, dict):
        test = {"in": test} if isinstance(test, list) else {"equals": test}
    lk = lookup(model, entity, path)
    missing = lk.status == MISSING
    if lk.status == UNKNOWN:
        return Outcome(UNKNOWN)
    if missing:
        where = lk.nearest or subject
        if "present" in test:
            if test["present"]:
                return Outcome(FAIL, where.line, where.column, lk.anchor, None, path, True)
            return Outcome(PASS)
        if "default" not in test:
            return Outcome(PASS)
        value = test["default"]
        line, col, anchor = where.line, where.column, lk.anchor
    else:
        if "present" in test and not test["present"]:
            return Outcome(FAIL, lk.line, lk.column, lk.anchor, lk.value, path)
        value = lk.value
        line, col, anchor = lk.line, lk.column, lk.anchor
    fail = Outcome(FAIL, line, col, anchor, value, path, missing)
    for op, arg in test.items():
        if op in ("present", "default"):
            continue
        if op == "contains":
            if isinstance(value, (list, tuple, set, frozenset)):
                if "*" in value:
                    continue
                if not any(_eq(v, arg) for v in value if _comparable(v)):
                    return fail
                continue
            return Outcome(UNKNOWN)
        if not _comparable(value) or isinstance(value, (dict, list)):
            return Outcome(UNKNOWN)
        if op == "equals":
            if not _eq(value, arg):
                return fail
        elif op == "not":
            if _eq(value, arg):
                return fail
        elif op == "in":
            if not any(_eq(value, a) for a in arg):
                return fail
        elif op == "not_in":
            if any(_eq(value, a) for a in arg):
                return fail
        elif op in ("gt", "gte", "lt", "lte"):
            status, other = _operand(model, subject, arg)
            if status == UNKNOWN:
                return Outcome(UNKNOWN)
            a, b = _num(value), _num(other)
            if not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
                return Outcome(UNKNOWN)
            ok = {"gt": a > b, "gte": a >= b, "lt": a < b, "lte": a <= b}[op]
            if not ok:
                return fail
        elif op == "matches":
            from lambda_lint.safe_regex import RegexError, search

            if not isinstance(value, str):
                return fail
            try:
                if not search(arg, value):  # linear time: the pattern may come from the repository
                    return fail
            except RegexError:
                return Outcome(UNKNOWN)  # checked at load; a bad pattern never decides a finding
    return Outcome(PASS)


def check(model: TemplateModel, entity: Entity, cond: Any) -> Outcome:
    """Evaluate a condition mapping: every entry must pass. Returns the first failure."""
    unknown = False
    for key, test in cond.items():
        if key == "any_of":
            fails = []
            ok = False
            for sub in test:
                out = check(model, entity, sub)
                if out.status == FAIL:
                    fails.append(out)
                else:
                    ok = True
                    break
            if not ok:
                return fails[0]
            continue
        if key == "all_of":
            for sub in test:
                out = check(model, entity, sub)
                if out.status == FAIL:
                    return out
                if out.status == UNKNOWN:
                    unknown = True
            continue
        if key == "none_of":
            for sub in test:
                out = check(model, entity, sub)
                if out.status == PASS:
                    return Outcome(FAIL, entity.line, entity.column, entity.anchor)
                if out.status == UNKNOWN:
                    unknown = True
            continue
        out = test_field(model, entity, key, test, entity)
        if out.status == FAIL:
            return out
        if out.status == UNKNOWN:
            unknown = True
    return Outcome(UNKNOWN if unknown else PASS)


_PLACEHOLDER = re.compile(r"\{([A-Za-z_][\w.]*)\}")


def _fmt(v: Any) -> str:
    if isinstance(v, Entity):
        return v.logical_id
    if isinstance(v, Resolved):
        return str(v)
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (list, tuple)):
        return ", ".join(_fmt(x) for x in v)
    if isinstance(v, dict):
        return "{...}"
    if v is None:
        return "(not set)"
    return str(v)


def format_message(model: TemplateModel, entity: Entity, template: str, out: Outcome) -> str:
    def sub(m: "re.Match[str]") -> str:
        name = m.group(1)
        if name == "value":
            return _fmt(out.value) if not out.missing or out.value is not None else "(not set)"
        if name == "field":
            return out.field
        lk = lookup(model, entity, name)
        if lk.status == FOUND:
            return _fmt(lk.value)
        if name == "function":
            return entity.logical_id
        return "?"

    return _PLACEHOLDER.sub(sub, template)


def evaluate(rule: Any, model: TemplateModel, reporter: Any, options: Any = None) -> None:
    """Run one compiled rule over the model, reporting through ``reporter``."""
    where, require, message = rule.bound(options)
    for entity in model.entities(rule.subject):
        if where:
            if check(model, entity, where).status != PASS:
                continue
        out = check(model, entity, require)
        if out.status != FAIL:
            continue
        if rule.points_to == "subject":
            line, col = entity.line, entity.column
        else:
            line, col = (out.line or entity.line), (out.column or entity.column)
        msg = format_message(model, entity, message, out)
        reporter.report(
            rule.meta.code, line, col, msg,
            resource=entity.logical_id,
            function=entity.function_id(),
            anchor=out.anchor or entity.anchor,
        )


def explain_paths(rule: Any) -> List[str]:  # pragma: no cover - debugging aid
    return list(rule.require)
