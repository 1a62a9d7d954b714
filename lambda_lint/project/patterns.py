"""Does a write provably miss a filter? EventBridge patterns, SNS filter policies and Lambda
event-source-mapping ``FilterCriteria`` share one matching language; this decides it for
the part of an event that the code makes known.

An event is a :class:`Doc`: the fields a write sets, each a list of string alternatives
(:mod:`.strings` parts), a nested :class:`Doc`, or :data:`UNKNOWN`; ``closed`` when no other
field can be present. :func:`may_match` returns False only when the pattern can't match any
event the write can make; everything it does not understand may match.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from lambda_lint.project import strings as S

UNKNOWN = object()


class Doc:
    def __init__(self, fields: Optional[Dict[str, Any]] = None, closed: bool = False) -> None:
        self.fields: Dict[str, Any] = fields or {}
        self.closed = closed

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Doc({self.fields!r}, closed={self.closed})"


def may_match(pattern: Any, doc: Any) -> bool:
    """False when no event described by ``doc`` matches ``pattern``."""
    if not isinstance(pattern, dict) or not isinstance(doc, Doc):
        return True
    if "$or" in pattern:
        alts = pattern.get("$or")
        rest = {k: v for k, v in pattern.items() if k != "$or"}
        if isinstance(alts, list) and alts:
            return may_match(rest, doc) and any(may_match(a, doc) for a in alts)
        return True
    for key, want in pattern.items():
        have = doc.fields.get(key, None if doc.closed else UNKNOWN)
        if have is UNKNOWN:
            continue
        if isinstance(want, dict):
            if have is None:
                if not _allows_absent_nested(want):
                    return False
                continue
            if isinstance(have, Doc):
                if not may_match(want, have):
                    return False
            continue
        if isinstance(want, list):
            if not _field_may_match(want, have):
                return False
    return True


def _allows_absent_nested(pattern: Any) -> bool:
    if isinstance(pattern, list):
        return any(isinstance(m, dict) and (m.get("exists") is False or "anything-but" in m) for m in pattern)
    if isinstance(pattern, dict):
        return all(_allows_absent_nested(v) for v in pattern.values()) if pattern else True
    return True


def _field_may_match(matchers: List[Any], have: Any) -> bool:
    """One field: any matcher of the list may match the value (None: the field is absent)."""
    if not matchers:
        return True
    for m in matchers:
        if _one(m, have):
            return True
    return False


def _one(m: Any, have: Any) -> bool:
    if isinstance(have, Doc):
        return True  # an object where a value is wanted: leave it to AWS
    if have is None:  # the field is absent
        if isinstance(m, dict):
            if "exists" in m:
                return m.get("exists") is False
            return "anything-but" in m  # EventBridge and SNS differ here: may
        return False
    alts = have if isinstance(have, list) else S.UNKNOWN_STR
    if isinstance(m, bool) or m is None:
        # JSON true/false/null (a string "true" may match too: we only cut what can't match)
        text = "null" if m is None else ("true" if m else "false")
        return any(S.may_equal(p, text) or not S.known(p) for p in alts)
    if isinstance(m, (int, float)):
        return any(S.may_equal(p, str(m)) or not S.known(p) for p in alts)
    if isinstance(m, str):
        return any(S.may_equal(p, m) for p in alts)
    if not isinstance(m, dict) or len(m) != 1:
        return True
    op, arg = next(iter(m.items()))
    if op == "exists":
        return arg is not False
    if op == "prefix" and isinstance(arg, str):
        return any(S.may_start_with(p, arg) for p in alts)
    if op == "suffix" and isinstance(arg, str):
        return any(S.may_end_with(p, arg) for p in alts)
    if op == "equals-ignore-case" and isinstance(arg, str):
        return any(S.literal(p) is None or S.literal(p).lower() == arg.lower() for p in alts)  # type: ignore[union-attr]
    if op == "anything-but":
        return any(_anything_but(arg, p) for p in alts)
    return True  # numeric, cidr, wildcard, ...: may


def _anything_but(arg: Any, p: S.Parts) -> bool:
    """May the string differ from everything ``arg`` excludes?"""
    lit = S.literal(p)
    if isinstance(arg, str):
        return lit is None or lit != arg
    if isinstance(arg, list):
        return lit is None or all(lit != str(a) for a in arg)
    if isinstance(arg, dict) and len(arg) == 1:
        op, val = next(iter(arg.items()))
        if op == "prefix" and isinstance(val, str):
            pre, whole = S.prefix(p)
            return not pre.startswith(val)
        if op == "suffix" and isinstance(val, str):
            suf, whole = S.suffix(p)
            return not suf.endswith(val)
    return True


def parse_pattern(value: Any) -> Optional[dict]:
    """A pattern given as a mapping or as JSON text (FilterCriteria, FilterPolicy)."""
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        import json

        try:
            got = json.loads(value)
        except ValueError:
            return None
        return got if isinstance(got, dict) else None
    return None
