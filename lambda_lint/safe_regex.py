"""Regular expressions from rule files and options, run in linear time.

A rule file's ``matches:`` and an option bound into one both come from the repository being
linted (its pyproject, its rules folder), so they are untrusted: ``^(a+)+$`` against 28 ``a``
took 34 s with Python's backtracking ``re``, doubling with every character (issue 20).

RE2 (``google-re2``, a dependency) matches in time linear in the text and refuses the
features that need backtracking (backreferences, lookaround). Where its wheel is missing,
Python's ``re`` is used on a safe subset: a pattern with a quantified group that itself
contains a quantifier (the shape of every catastrophic pattern) is refused, and the text
searched is bounded.
"""

from __future__ import annotations

import re
from typing import Any, Dict

#: Template values are short; a longer one is searched on its first MAX_TEXT characters
#: only by the fallback engine (RE2 needs no bound).
MAX_TEXT = 10_000

_CACHE: Dict[str, Any] = {}


class RegexError(ValueError):
    """A pattern that is invalid or not allowed; the message says why, in one line."""


def _re2() -> Any:
    try:
        import re2  # google-re2
    except ImportError:
        return None
    return re2


# a group (or class) followed by a quantifier, whose body holds a quantifier: (a+)+, (a*b?)*, (x{2,})+
_NESTED = re.compile(r"\((?:[^()\\]|\\.)*[+*?}](?:[^()\\]|\\.)*\)\s*(?:[+*]|\{\d*,)")


def compile(pattern: str) -> Any:  # noqa: A001 - the module's verb
    """A compiled pattern with ``.search(text)``; :class:`RegexError` when not usable."""
    if not isinstance(pattern, str):
        raise RegexError(f"a regular expression is a string, not {type(pattern).__name__}")
    hit = _CACHE.get(pattern)
    if hit is not None:
        return hit
    re2 = _re2()
    if re2 is not None:
        opts = re2.Options()
        opts.log_errors = False  # RE2 would print to stderr itself
        try:
            compiled = re2.compile(pattern, options=opts)
        except Exception as exc:  # noqa: BLE001 - re2.error, TypeError...
            reason = exc.args[0] if exc.args else exc
            if isinstance(reason, bytes):
                reason = reason.decode("utf-8", "replace")
            raise RegexError(f"invalid or unsupported regular expression {pattern!r}: {reason} (lambda-lint "
                             f"matches in linear time: no backreferences or lookaround)") from None
    else:
        if _NESTED.search(pattern):
            raise RegexError(f"regular expression {pattern!r} nests a repetition inside a repetition, which can "
                             f"take exponential time; rewrite it without the nested quantifier")
        try:
            compiled = _Bounded(re.compile(pattern))
        except (re.error, RecursionError, OverflowError) as exc:
            raise RegexError(f"invalid regular expression {pattern!r}: {exc}") from None
    if len(_CACHE) > 1024:
        _CACHE.clear()
    _CACHE[pattern] = compiled
    return compiled


class _Bounded:
    __slots__ = ("rx",)

    def __init__(self, rx: "re.Pattern[str]") -> None:
        self.rx = rx

    def search(self, text: str) -> Any:
        return self.rx.search(text[:MAX_TEXT])


def search(pattern: str, text: str) -> bool:
    return compile(pattern).search(text) is not None
