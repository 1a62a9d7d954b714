"""A finding's words, split for reading: the short message, the help (why and fix), the URL.

Rule authors write the two halves apart (``help:`` in a YAML rule, ``help=`` to
``Reporter.report``). Every rule written before that wrote one line in the house style,
``what is wrong; the why and the fix`` (DESIGN.md, Messages), so the fallback splits there:
at the first "; " outside brackets and quotes. A message without one stays whole, with no
help. The one-line form (``concise``) is always ``short; help``, so it reads as before.

The docs address of every built-in rule is built here and only here (``DOCS_BASE``), from
the anchor GitHub derives from the heading ``### LL201 stream-retries-unbounded`` in
``docs/rules.md``; ``docs/rules.md`` also carries the short ``#ll201`` anchor.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Optional, Tuple

# The one place that says where the rule docs are published.
DOCS_BASE = "https://github.com/lambda-lint/lambda-lint/blob/main/docs/rules.md"

_OPEN, _CLOSE = "([{", ")]}"


def split_message(message: str) -> Tuple[str, Optional[str]]:
    """``(short, help)``: split at the first top-level "; " (help None when there is none)."""
    depth = 0
    quote = ""
    i, n = 0, len(message)
    while i < n:
        ch = message[i]
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "`\"":
            quote = ch
        elif ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif ch == ";" and depth == 0 and message.startswith("; ", i):
            short, rest = message[:i].rstrip(), message[i + 2:].strip()
            if short and rest:
                return short, rest
            break
        i += 1
    return message, None


def parts(finding) -> Tuple[str, Optional[str]]:
    """The finding's short message and its help."""
    if finding.help:
        return finding.message, finding.help
    return split_message(finding.message)


def one_line(finding) -> str:
    """The whole message on one line (``concise``, GitHub's and SARIF's text)."""
    if finding.help:
        return f"{finding.message}; {finding.help}"
    return finding.message


def anchor(code: str, name: str) -> str:
    """GitHub's heading slug of ``### LL201 stream-retries-unbounded``."""
    return f"{code}-{name}".lower()


def rule_url(code: str, name: str, meta=None) -> Optional[str]:
    """The docs of a rule: its own ``url:`` when it has one, the built-in docs for built-in
    rules, None for a user's rule that names none (a link to our docs would be a 404)."""
    if meta is not None:
        if getattr(meta, "url", ""):
            return meta.url
        if not _builtin(meta):
            return None
    return f"{DOCS_BASE}#{anchor(code, name)}"


def url_of(finding, registry) -> Optional[str]:
    meta = None
    if registry is not None and finding.code in registry:
        meta = registry[finding.code]
    return rule_url(finding.code, finding.name, meta)


def _builtin(meta) -> bool:
    origin = getattr(meta, "origin", "") or ""
    if not origin or origin.startswith("lambda_lint."):
        return True  # meta rules and Python rule classes of the package
    return _builtin_file(origin)


@functools.lru_cache(maxsize=256)
def _builtin_file(origin: str) -> bool:
    """Once per rule file, not per finding (two ``resolve`` calls each: issue 17's profile)."""
    try:
        from lambda_lint.run.registry import builtin_rules_dir

        return Path(origin).resolve().parent == builtin_rules_dir().resolve()
    except (OSError, ValueError):
        return False
