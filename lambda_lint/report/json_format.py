"""``--format json``: a list of finding objects with a stable key order, nothing else."""

from __future__ import annotations

import json
from typing import IO

# ``json.dump(..., indent=2)`` runs the pure-Python encoder (the C one only serves
# indent=None): 0.5 s for 3,500 findings. Scalars go through the C encoder here and the
# layout is written by hand; the bytes are the same as ``json.dump(data, out, indent=2,
# ensure_ascii=False)`` (tests/test_parallel.py checks it).
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


def _finding_text(d: dict) -> str:
    if any(isinstance(v, (dict, list, tuple)) for v in d.values()):
        nested = json.dumps(d, indent=2, ensure_ascii=False)
        return nested.replace("\n", "\n  ")
    body = ",\n".join(f"    {_ENCODE(k)}: {_ENCODE(v)}" for k, v in d.items())
    return "{\n" + body + "\n  }" if body else "{}"


def dumps(dicts: list) -> str:
    if not dicts:
        return "[]"
    return "[\n  " + ",\n  ".join(_finding_text(d) for d in dicts) + "\n]"


def public(finding, registry) -> dict:
    """DESIGN.md's shape: ``message`` is the short message, ``help`` the why and the fix
    (null when the message has none), ``url`` the rule's docs (null for a user's rule
    without one); both are always present so ``jq .help`` never needs a default."""
    from lambda_lint.report.messages import parts, url_of

    short, help_text = parts(finding)
    d = finding.to_dict()
    d.pop("help", None)
    related = d.pop("related", None)
    construct = d.pop("construct", None)
    impact = d.pop("impact", None)
    d["message"] = short
    # DESIGN.md's order: ..., resource, function, url, help, construct, impact (then related)
    d["url"] = url_of(finding, registry)
    d["help"] = help_text
    if construct is not None:
        d["construct"] = construct
    if impact is not None:
        d["impact"] = impact
    if related is not None:
        d["related"] = related
    return d


def render(result, config, out: IO[str]) -> None:
    registry = getattr(result, "registry", None)
    out.write(dumps([public(f, registry) for f in result.findings]))
    out.write("\n")
