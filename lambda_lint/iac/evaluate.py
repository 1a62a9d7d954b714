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

from lambda_lint.iac.tree import Map
from lambda_lint.iac.model import Entity, Found, TemplateModel
from lambda_lint.iac.resolve import NO_VALUE, UNDECIDED, Resolved, is_intrinsic

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
    unwrap = model.resolver.unwrap
    for seg in path.split("."):
        if not isinstance(cur, Entity):
            # Fn::If takes the scenario's branch; AWS::NoValue is an absent property
            cur = unwrap(cur)
            if cur is NO_VALUE:
                return Lookup(MISSING, nearest=nearest, anchor=anchor)
            if cur is UNDECIDED:
                return Lookup(UNKNOWN)
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
                cur = unwrap(cur.props_raw)
                if cur is NO_VALUE:
                    return Lookup(MISSING, nearest=nearest, anchor=f"{anchor}/{seg}")
                if not isinstance(cur, Map):
                    return Lookup(UNKNOWN)
            else:
                cur = unwrap(cur.props)
                if cur is NO_VALUE:
                    return Lookup(MISSING, nearest=nearest, anchor=f"{anchor}/{seg}")
        if isinstance(cur, Map) and not is_intrinsic(cur):
            if seg not in cur:
                return Lookup(MISSING, nearest=nearest, anchor=f"{anchor}/{seg}")
            line, col = cur.kpos.get(seg, (line, col))
            anchor = f"{anchor}/{seg}"
            cur = cur[seg]
            continue
        return Lookup(UNKNOWN)
    if not isinstance(cur, Entity):
        cur = unwrap(cur)
        if cur is NO_VALUE:
            return Lookup(MISSING, nearest=nearest, anchor=anchor)
        if cur is UNDECIDED:
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
                # with present: true, `default` is what AWS uses instead: the message's {value}
                return Outcome(FAIL, where.line, where.column, lk.anchor, test.get("default"), path, True)
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
                items, unreadable = _list_items(model, value)
                if "*" in items:
                    continue
                if not any(_eq(v, arg) for v in items if _comparable(v)):
                    # an item we can't read (an import, a parameter without default) may be it
                    return Outcome(UNKNOWN) if unreadable else fail
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


def _list_items(model: TemplateModel, value: Any) -> Tuple[list, bool]:
    """A list's items with intrinsics resolved (``[!Ref TypesParam]``), and whether any item
    could not be read."""
    items, unreadable = [], False
    for v in value:
        if isinstance(v, dict) and is_intrinsic(v):
            v = model.resolver.unwrap(v)
            if v is NO_VALUE:
                continue
            r = model.resolver.resolve(v) if v is not UNDECIDED else None
            if r is None or not r.is_literal:
                unreadable = True
                continue
            v = r.value
        items.append(v)
    return items, unreadable


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


#: how a computed attribute that leads to a template property reads in a message: what the
#: user writes in the template, never our internal names
FIELD_LABELS = {"invoke_config": "EventInvokeConfig", "dead_letter": "DeadLetterQueue"}


def display_field(path: str) -> str:
    """``invoke_config.MaximumRetryAttempts`` -> ``EventInvokeConfig.MaximumRetryAttempts``."""
    return ".".join(FIELD_LABELS.get(seg, seg) for seg in path.split("."))


def format_message(model: TemplateModel, entity: Entity, template: str, out: Outcome) -> str:
    def sub(m: "re.Match[str]") -> str:
        name = m.group(1)
        if name == "value":
            return _fmt(out.value) if not out.missing or out.value is not None else "(not set)"
        if name == "field":
            return display_field(out.field)
        lk = lookup(model, entity, name)
        if lk.status == FOUND:
            return _fmt(lk.value)
        if name == "function":
            return entity.logical_id
        return "?"

    return _PLACEHOLDER.sub(sub, template)


def _judge(model: TemplateModel, entity: Entity, where: Any, require: Any) -> Tuple[Optional[Outcome], dict, str]:
    """The failure of ``require`` on ``entity`` (None when it holds) and its message, tried
    under every scenario of the ``Fn::If`` conditions met; the failure of one scenario is a
    finding, named by its conditions unless every scenario fails."""
    from lambda_lint.iac.conditions import describe, scenarios

    def run() -> Tuple[Optional[Outcome], Any]:
        if where and check(model, entity, where).status != PASS:
            return None, None
        out = check(model, entity, require)
        if out.status != FAIL:
            return None, None
        return out, dict(model.resolver.scenario)

    leaves = scenarios(model.resolver, run)
    failed = [(scen, res) for scen, res in leaves if res[0] is not None]
    if not failed:
        return None, {}, ""
    scen, (out, _) = failed[0]
    if len(failed) == len(leaves):
        return out, scen, ""
    return out, scen, describe(scen)


def _with_condition(msg: str, when: str) -> str:
    """``Fn: when `IsProd` is false, Kinesis trigger ...``: after the subject's name."""
    if not when:
        return msg
    head, sep, rest = msg.partition(": ")
    if sep:
        return f"{head}: {when}, {rest}"
    return f"{when}: {msg}"


def evaluate(rule: Any, model: TemplateModel, reporter: Any, options: Any = None) -> None:
    """Run one compiled rule over the model, reporting through ``reporter``."""
    where, require, message = rule.bound(options)
    help_template = rule.help_text(options) if getattr(rule, "help", "") else ""
    for entity in model.entities(rule.subject):
        out, scen, when = _judge(model, entity, where, require)
        if out is None:
            continue
        if rule.points_to == "subject":
            line, col = entity.line, entity.column
        else:
            line, col = (out.line or entity.line), (out.column or entity.column)
        # the message's lookups see the failing scenario's branches
        saved = model.resolver.scenario
        model.resolver.scenario = scen
        try:
            msg = _with_condition(format_message(model, entity, message, out), when)
        finally:
            model.resolver.scenario = saved
        # an entity read from another file (a state machine's local DefinitionUri) reports
        # there, with the template's reference to that file as the related location
        elsewhere = getattr(entity, "report_path", None)
        related = ()
        if elsewhere:
            from lambda_lint.findings import Location

            origin = getattr(entity, "origin", None)
            if origin is not None:
                related = (Location(reporter.path, origin[0], origin[1], message=origin[2]),)
        reporter.report(
            rule.meta.code, line, col, msg,
            resource=entity.logical_id,
            function=entity.function_id(),
            anchor=out.anchor or entity.anchor,
            path=elsewhere or None,
            related=related,
            help=format_message(model, entity, help_template, out) if help_template else None,
        )


def explain_paths(rule: Any) -> List[str]:  # pragma: no cover - debugging aid
    return list(rule.require)
