"""The conditions a call runs under, for the loop rule (LL301).

A write that happens only for records of another kind than the ones it writes, or only
while a hop counter is below a limit, does not make a runaway loop. Which ``if`` tests hold
when a call runs is found here, per function: the tests of the enclosing ``if``/``elif``/
``else`` branches (with their polarity) and of the early exits before it in the same or an
outer block (``if not key.startswith("product#"): continue``). Tests are summarised as
plain dicts (see :func:`summarise`); anything else is left out, so a guard is only ever
evidence, never a guess.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

import libcst as cst

from lambda_lint.code.analysis import Func, ModuleAnalysis, block_body, walk
from lambda_lint.code.values import NOLIT, literal_value, origin

Cond = Tuple[cst.BaseExpression, bool]  # (test, holds when True)


def _exits(stmts: Sequence[cst.CSTNode]) -> bool:
    """Does this block always leave (return/raise/continue/break as its last statement)?"""
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, cst.SimpleStatementLine) and last.body:
        return isinstance(last.body[-1], (cst.Return, cst.Raise, cst.Continue, cst.Break))
    return False


def conditions(func: Func) -> Dict[int, List[Cond]]:
    """id(call) -> the tests that hold when it runs (own statements of ``func`` only)."""
    out: Dict[int, List[Cond]] = {}
    body = getattr(func.node, "body", None)
    if func.kind != "function" or body is None:
        return out
    _block(block_body(body), [], out)
    return out


def _block(stmts: Sequence[cst.CSTNode], conds: List[Cond], out: Dict[int, List[Cond]]) -> None:
    conds = list(conds)
    for stmt in stmts:
        tp = type(stmt)
        if tp is cst.If:
            _if(stmt, conds, out)
            if stmt.orelse is None and _exits(block_body(stmt.body)):
                conds.append((stmt.test, False))  # an early exit: what follows runs when it is false
            continue
        if tp in (cst.FunctionDef, cst.ClassDef):
            continue
        if tp in (cst.For, cst.While, cst.With, cst.Try, cst.TryStar):
            _calls_in_header(stmt, conds, out)
            _block(block_body(stmt.body), conds, out)
            for h in getattr(stmt, "handlers", ()) or ():
                _block(block_body(h.body), conds, out)
            for extra in ("orelse", "finalbody"):
                part = getattr(stmt, extra, None)
                if part is not None:
                    _block(block_body(part.body), conds, out)
            continue
        if tp is cst.Match:
            for case in stmt.cases:
                _block(block_body(case.body), conds, out)
            continue
        for node in walk(stmt):
            if isinstance(node, cst.Call):
                out[id(node)] = list(conds)


def _calls_in_header(stmt: cst.CSTNode, conds: List[Cond], out: Dict[int, List[Cond]]) -> None:
    for attr in ("iter", "test", "items"):
        part = getattr(stmt, attr, None)
        if part is None:
            continue
        for node in walk(part) if isinstance(part, cst.CSTNode) else ():
            if isinstance(node, cst.Call):
                out[id(node)] = list(conds)


def _if(node: cst.If, conds: List[Cond], out: Dict[int, List[Cond]]) -> None:
    for n in walk(node.test):
        if isinstance(n, cst.Call):
            out[id(n)] = list(conds)
    _block(block_body(node.body), conds + [(node.test, True)], out)
    if isinstance(node.orelse, cst.If):
        _if(node.orelse, conds + [(node.test, False)], out)
    elif node.orelse is not None:
        _block(block_body(node.orelse.body), conds + [(node.test, False)], out)


def summarise(an: ModuleAnalysis, conds: List[Cond], func: Func) -> List[Dict[str, Any]]:
    """The tests a call runs under, as facts::

        {"op": "startswith"|"endswith", "value": ORIGIN, "arg": "product#", "holds": true}
        {"op": "eq", "value": ORIGIN, "arg": "ORDER", "holds": false}     # == (holds) / != (not)
        {"op": "in", "value": ORIGIN, "args": ["A", "B"], "holds": true}
        {"op": "compare", "value": ORIGIN, "text": "hops", "cmp": "<", "bound": 5|null}
    """
    out: List[Dict[str, Any]] = []
    for test, holds in conds:
        _summ(an, test, holds, func, out, 0)
    return out[:8]


def _summ(an: ModuleAnalysis, test: cst.BaseExpression, holds: bool, func: Func,
          out: List[Dict[str, Any]], depth: int) -> None:
    if depth > 4:
        return
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        _summ(an, test.expression, not holds, func, out, depth + 1)
        return
    if isinstance(test, cst.BooleanOperation):
        # (A and B) holding, or (A or B) failing: each side is known
        if (isinstance(test.operator, cst.And) and holds) or (isinstance(test.operator, cst.Or) and not holds):
            _summ(an, test.left, holds, func, out, depth + 1)
            _summ(an, test.right, holds, func, out, depth + 1)
        return
    if isinstance(test, cst.Call) and isinstance(test.func, cst.Attribute) \
            and test.func.attr.value in ("startswith", "endswith") and len(test.args) == 1:
        arg = literal_value(test.args[0].value)
        if isinstance(arg, str):
            out.append({"op": test.func.attr.value, "value": origin(an, test.func.value, func), "arg": arg,
                        "holds": holds})
        elif isinstance(test.args[0].value, cst.Tuple):
            args = [literal_value(e.value) for e in test.args[0].value.elements]
            if args and all(isinstance(a, str) for a in args):
                out.append({"op": test.func.attr.value, "value": origin(an, test.func.value, func),
                            "args": args, "holds": holds})
        return
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        comp = test.comparisons[0]
        op = comp.operator
        left, right = test.left, comp.comparator
        if isinstance(op, (cst.Equal, cst.NotEqual)):
            lit, other = _lit_side(left, right)
            if isinstance(lit, str):
                out.append({"op": "eq", "value": origin(an, other, func), "arg": lit,
                            "holds": holds if isinstance(op, cst.Equal) else not holds})
            return
        if isinstance(op, (cst.In, cst.NotIn)) and isinstance(right, (cst.Tuple, cst.List, cst.Set)):
            args = [literal_value(e.value) for e in right.elements]
            if args and all(isinstance(a, str) for a in args):
                out.append({"op": "in", "value": origin(an, left, func), "args": args,
                            "holds": holds if isinstance(op, cst.In) else not holds})
            return
        if isinstance(op, (cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual)):
            sym = {cst.LessThan: "<", cst.LessThanEqual: "<=", cst.GreaterThan: ">",
                   cst.GreaterThanEqual: ">="}[type(op)]
            bound = _int(an, right, func)
            value, text = left, an.code(left)
            if bound is None and _int(an, left, func) is not None:
                bound, value, text = _int(an, left, func), right, an.code(right)
            out.append({"op": "compare", "value": origin(an, value, func), "text": text[:80], "cmp": sym,
                        "bound": bound, "holds": holds})


def _lit_side(a: cst.BaseExpression, b: cst.BaseExpression) -> Tuple[Any, cst.BaseExpression]:
    la = literal_value(a)
    if la is not NOLIT:
        return la, b
    return literal_value(b), a


def _int(an: ModuleAnalysis, node: cst.BaseExpression, func: Func) -> Optional[int]:
    o = origin(an, node, func)
    v = o.get("value") if o.get("kind") == "literal" else None
    return v if isinstance(v, int) and not isinstance(v, bool) else None
