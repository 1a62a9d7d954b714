"""Naming findings the way CDK users do, and ignoring them by construct path.

A finding in a synthesized template names its resource by logical ID
(``ForwarderE6AEDC44``), which nobody wrote; the construct path
(``OrdersStack/Forwarder/Resource``, metadata ``aws:cdk:path``) is what the user searches
for. Every such finding gets ``construct`` (JSON) and the path in its message, with the
hashed logical ID kept as the second name: ``OrdersStack/Forwarder (ForwarderE6AEDC44): ...``.

``[tool.lambda-lint.construct-ignores]`` (``"*/LegacyFn/*" = ["LL208"]``) drops findings by
construct-path glob, matched against the full path (``OrdersStack/LegacyFn/Resource``).
Functions the CDK itself adds (singleton providers such as ``BucketNotificationsHandler<uuid>``
or ``...CustomResourceProvider``) are the library's code, not the user's: their findings are
dropped.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import replace
from typing import Any, Callable, Dict, Iterable, List, Sequence, Tuple

_WORD_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_HASHED_RE = re.compile(r"[0-9A-F]{8}$")
_CDK_OWN_RE = re.compile(r"(^|/)(?:[A-Za-z]+[0-9a-f]{32}|[A-Za-z0-9]*CustomResourceProvider|Custom::[^/]*)(/|$)")


def short(path: str) -> str:
    """``OrdersStack/Forwarder/Resource`` -> ``OrdersStack/Forwarder`` (the construct the user made)."""
    return path[: -len("/Resource")] if path.endswith("/Resource") else path


def is_cdk_own(path: str) -> bool:
    return bool(_CDK_OWN_RE.search(path))


def decorate(findings: Iterable[Any], paths_of: Callable[[str], Dict[str, str]],
             ignores: Sequence[Tuple[str, frozenset]]) -> List[Any]:
    """Findings with ``construct`` set and named by construct path; ignored ones dropped.
    ``paths_of(display)`` gives {logical ID: construct path} of a CDK template, else {}."""
    out: List[Any] = []
    for f in findings:
        constructs = paths_of(f.path) if f.resource or f.function else {}
        lid = f.resource if f.resource in constructs else f.function if f.function in constructs else None
        if lid is None:
            out.append(f)
            continue
        path = constructs[lid]
        if is_cdk_own(path):
            continue
        if any(f.code in codes and fnmatch.fnmatchcase(path, pattern) for pattern, codes in ignores):
            continue
        named = {f.resource, f.function}
        out.append(replace(f, construct=path, message=_message(f.message, lid, constructs, named)))
    return out


def _message(message: str, lid: str, constructs: Dict[str, str], named: set) -> str:
    """Each logical ID the CDK made (hash suffix) or the finding names, said as its construct
    path first; a user's own logical ID such as ``Orders`` is a word too, left alone."""
    done = set()

    def sub(m: "re.Match[str]") -> str:
        word = m.group(0)
        if word in constructs and word not in done and (word in named or _HASHED_RE.search(word)):
            done.add(word)
            return f"{short(constructs[word])} ({word})"
        return word

    text = _WORD_RE.sub(sub, message)
    if lid not in done:
        text = f"{short(constructs[lid])} ({lid}): {text}"
    return text
