"""The strings a write can carry (S3 keys, event sources, attribute values), as far as known.

A code ORIGIN (see :mod:`lambda_lint.code.facts`) is resolved against the template into a
few alternatives, each a tuple of parts: literal text, or ``None`` for text we can't know.
``("processed/", None, ".csv")`` is any key that starts with ``processed/`` and ends with
``.csv``. Environment variables take their template values, helper parameters the values of
their call sites, and the incoming S3 key is known to start and end with the function's own
trigger filter. A filter is cut only when no alternative can match it.
"""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

Parts = Tuple[Optional[str], ...]
UNKNOWN_STR: List[Parts] = [(None,)]
_MAX_ALTS = 16

_S3_KEY_PATHS = (("Records", "s3", "object", "key"), ("detail", "object", "key"))


class Strings:
    """Resolves ORIGINs of one function's code to string alternatives."""

    def __init__(self, ctx: Any, fn_id: str, locator: Any, s3_filters: Any) -> None:
        self.ctx = ctx
        self.fn_id = fn_id
        self.locator = locator
        self.s3_filters = s3_filters  # fn_id -> [(prefix, suffix)] of its S3 triggers

    def resolve(self, org: Optional[dict], depth: int = 0) -> List[Parts]:
        if not org or depth > 8:
            return UNKNOWN_STR
        kind = org.get("kind")
        if kind == "literal":
            v = org.get("value")
            if isinstance(v, bool) or v is None:
                return UNKNOWN_STR
            return [(str(v),)]
        if kind == "env":
            return self._env(org, depth)
        if kind in ("concat", "format"):
            alts: List[Parts] = [()]
            for part in org.get("parts") or []:
                if part.get("kind") == "sep":  # os.path.join: "/" unless the left part ends with one
                    alts = [a if (a and a[-1] is not None and a[-1].endswith("/")) else _join(a, ("/",))
                            for a in alts]
                    continue
                sub = self.resolve(part, depth + 1)
                alts = [_join(a, b) for a in alts for b in sub][:_MAX_ALTS]
            return alts or UNKNOWN_STR
        if kind == "any":
            out: List[Parts] = []
            for o in org.get("options") or []:
                out += self.resolve(o, depth + 1)
            return out[:_MAX_ALTS] or UNKNOWN_STR
        if kind == "replace":
            return [replace(p, org.get("old") or "", org.get("new") or "")
                    for p in self.resolve(org.get("base"), depth + 1)]
        if kind == "event":
            tail = tuple(p for p in (org.get("path") or []) if p not in ("*", 0))
            if tail in _S3_KEY_PATHS:
                filters = self.s3_filters(self.fn_id)
                if filters:
                    return [_join(_join((pre,) if pre else (), (None,)), (suf,) if suf else ())
                            for pre, suf in filters][:_MAX_ALTS]
            return UNKNOWN_STR
        if kind == "param" and self.locator is not None:
            origins = self.locator.param_origins(self.ctx, self.fn_id, org)
            if not origins:
                return UNKNOWN_STR
            out = []
            for o in origins:
                out += self.resolve(o, depth + 1)
            return out[:_MAX_ALTS] or UNKNOWN_STR
        return UNKNOWN_STR

    def _env(self, org: dict, depth: int) -> List[Parts]:
        fn = self.ctx.model.functions.get(self.fn_id)
        env = fn.environment if fn is not None else {}
        name = org.get("name")
        if name in env:
            r = env[name]
            if not hasattr(r, "is_literal"):
                r = self.ctx.model.resolver.resolve(r)
            if r.is_literal and isinstance(r.value, (str, int)) and not isinstance(r.value, bool):
                return [(str(r.value),)]
            if r.text:
                return [sub_parts(r.text)]
            return UNKNOWN_STR
        if org.get("default") is not None:
            return self.resolve(org["default"], depth + 1)
        return UNKNOWN_STR


def sub_parts(text: str) -> Parts:
    """``!Sub`` text -> parts: ``${...}`` is unknown."""
    import re

    out: List[Optional[str]] = []
    pos = 0
    for m in re.finditer(r"\$\{[^}]*\}", text):
        if m.start() > pos:
            out.append(text[pos:m.start()])
        out.append(None)
        pos = m.end()
    if pos < len(text):
        out.append(text[pos:])
    return _norm(tuple(out))


def _norm(parts: Tuple[Optional[str], ...]) -> Parts:
    out: List[Optional[str]] = []
    for p in parts:
        if p == "":
            continue
        if out and p is None and out[-1] is None:
            continue
        if out and p is not None and out[-1] is not None:
            out[-1] = out[-1] + p
            continue
        out.append(p)
    return tuple(out)


def _join(a: Parts, b: Parts) -> Parts:
    return _norm(a + b)


def prefix(p: Parts) -> Tuple[str, bool]:
    """(the literal text the string starts with, whether that is the whole string)."""
    if not p:
        return "", True
    if p[0] is None:
        return "", False
    return p[0], len(p) == 1


def suffix(p: Parts) -> Tuple[str, bool]:
    if not p:
        return "", True
    if p[-1] is None:
        return "", False
    return p[-1], len(p) == 1


def literal(p: Parts) -> Optional[str]:
    if not p:
        return ""
    return p[0] if len(p) == 1 and p[0] is not None else None


def may_start_with(p: Parts, want: str) -> bool:
    pre, whole = prefix(p)
    if whole:
        return pre.startswith(want)
    return pre.startswith(want) or want.startswith(pre)


def may_end_with(p: Parts, want: str) -> bool:
    suf, whole = suffix(p)
    if whole:
        return suf.endswith(want)
    return suf.endswith(want) or want.endswith(suf)


def may_equal(p: Parts, want: str) -> bool:
    lit = literal(p)
    if lit is not None:
        return lit == want
    return may_start_with(p, want) and may_end_with(p, want)


def known(p: Parts) -> bool:
    """Is anything of the string known (a literal part)?"""
    return any(x for x in p if x is not None)


def replace(p: Parts, old: str, new: str) -> Parts:
    """``s.replace(old, new)`` where only some of ``s`` is known: literal parts are replaced;
    literal text next to an unknown part that could be the start (or end) of an ``old``
    straddling the two is dropped (it becomes unknown)."""
    if not old:
        return p
    out: List[Optional[str]] = []
    n = len(p)
    for i, part in enumerate(p):
        if part is None:
            out.append(None)
            continue
        text = part
        lead = trail = ""
        if i + 1 < n:  # an unknown follows: an `old` could start in our tail
            cut = max((k for k in range(1, len(old)) if text.endswith(old[:k])), default=0)
            if cut:
                text, trail = text[:-cut], None  # type: ignore[assignment]
        if i > 0:  # an unknown precedes: an `old` could end in our head
            cut = max((k for k in range(1, len(old)) if text.startswith(old[-k:])), default=0)
            if cut:
                text, lead = text[cut:], None  # type: ignore[assignment]
        if lead is None:
            out.append(None)
        out.append(text.replace(old, new))
        if trail is None:
            out.append(None)
    return _norm(tuple(out))


def describe(p: Parts) -> str:
    return "".join(x if x is not None else "…" for x in p) or "''"
