"""Inserting a key into a mapping, and replacing a scalar, in the style the file is written in.

Three layouts, told apart by the text at the mapping's own position:
* block YAML (``Key: value`` lines): a new line (or lines) before the mapping's first key, at
  its indentation;
* flow YAML or JSON spread over lines (the first key starts its own line): a new line before
  the first key, with a trailing comma;
* flow on one line (``{A: 1}``, minified JSON): right after the ``{``.
A new key goes first in its mapping: that is the one place whose indentation and syntax are
certain. An empty flow mapping (``{}``) gets the key between its braces. Anything else (a
mapping that is an item of a block sequence) is left to the user.
"""

from __future__ import annotations

import json
import re
from typing import Any, List, Optional

from lambda_lint.fix.edits import Edit, Text

_PLAIN = re.compile(r"^[A-Za-z0-9_$][A-Za-z0-9_.$/-]*$")


def indent_unit(text: Text) -> int:
    """The smallest indentation step the file uses (2 when it has none)."""
    steps = set()
    for line in text.lines[:2000]:
        stripped = line.lstrip(" ")
        if stripped.strip() and not stripped.startswith("#"):
            n = len(line) - len(stripped)
            if n:
                steps.add(n)
    return min(steps) if steps else 2


def _yaml_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    s = str(value)
    if _PLAIN.match(s) and s.lower() not in ("true", "false", "yes", "no", "on", "off", "null", "~") \
            and not re.match(r"^[-+]?[0-9]", s):
        return s
    return json.dumps(s)


def _yaml_inline(value: Any) -> str:
    if isinstance(value, dict) and list(value) == ["Ref"]:
        return f"!Ref {value['Ref']}"
    if isinstance(value, list):
        return "[" + ", ".join(_yaml_inline(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_yaml_scalar(k)}: {_yaml_inline(v)}" for k, v in value.items()) + "}"
    return _yaml_scalar(value)


def yaml_block(key: str, value: Any, indent: str, unit: int, nl: str) -> str:
    """``key: value`` as block YAML lines, each ending with ``nl``."""
    if isinstance(value, dict) and value and list(value) != ["Ref"]:
        out = f"{indent}{_yaml_scalar(key)}:{nl}"
        for k, v in value.items():
            out += yaml_block(k, v, indent + " " * unit, unit, nl)
        return out
    return f"{indent}{_yaml_scalar(key)}: {_yaml_inline(value)}{nl}"


def json_inline(key: str, value: Any, is_json: bool) -> str:
    if is_json:
        return f"{json.dumps(key)}: {json.dumps(value, separators=(', ', ': '))}"
    return f"{_yaml_scalar(key)}: {_yaml_inline(value)}"


def insert_key(text: Text, mapping: Any, key: str, value: Any, rule: str, is_json: bool) -> Optional[Edit]:
    """An edit that adds ``key: value`` to ``mapping`` (a loader Map with positions)."""
    kpos = getattr(mapping, "kpos", None)
    if not isinstance(mapping, dict) or key in mapping:
        return None
    if not kpos:
        return _into_empty_flow(text, mapping, key, value, rule, is_json)
    first_line, first_col = min(kpos.values())
    if first_line < 1 or first_line > len(text.lines):
        return None
    flow = text.char_at(getattr(mapping, "line", 0), getattr(mapping, "column", 0)) == "{"
    prefix = text.line_prefix(first_line, first_col)
    start = text.offset(first_line, 1)
    if start is None:
        return None
    if prefix.strip() == "":
        if flow:
            return Edit(start, start, prefix + json_inline(key, value, is_json) + "," + text.newline, rule)
        return Edit(start, start, yaml_block(key, value, prefix, indent_unit(text), text.newline), rule)
    if flow:
        brace = text.offset(mapping.line, mapping.column)
        if brace is None:
            return None
        return Edit(brace + 1, brace + 1, json_inline(key, value, is_json) + ", ", rule)
    return None  # a block mapping that shares its first line with something else ("- Key: v")


def _into_empty_flow(text: Text, mapping: Any, key: str, value: Any, rule: str, is_json: bool) -> Optional[Edit]:
    """``{}`` (YAML flow or JSON): the key goes between the braces, the one certain place.
    An empty block mapping has no text of its own (``Properties:`` with nothing under it is
    null, not a mapping), so this is the only empty shape there is."""
    if mapping:
        return None
    brace = text.offset(getattr(mapping, "line", 0), getattr(mapping, "column", 0))
    if brace is None or text.text[brace:brace + 1] != "{":
        return None
    close = brace + 1
    while close < len(text.text) and text.text[close] in " \t":
        close += 1
    if text.text[close:close + 1] != "}":
        return None  # a comment or a line break inside: leave it to the user
    return Edit(brace + 1, close, json_inline(key, value, is_json), rule, join=", ")


def replace_value(text: Text, mapping: Any, key: str, new: Any, rule: str, is_json: bool,
                  expect: Optional[List[Any]] = None) -> Optional[Edit]:
    """An edit that replaces the scalar value of ``key`` (only when it is one of ``expect``)."""
    from lambda_lint.fix.edits import scalar_span

    vpos = getattr(mapping, "vpos", {}) or {}
    if key not in vpos:
        return None
    current = mapping.get(key)
    if isinstance(current, (dict, list)):
        return None  # an intrinsic (!If, !Sub, !Ref) or a structure: not ours to rewrite
    if expect is not None and current not in expect and str(current) not in [str(e) for e in expect]:
        return None
    span = scalar_span(text, *vpos[key])
    if span is None:
        return None
    old = text.text[span[0]:span[1]]
    if str(current) not in old.strip("\"'") and old.strip("\"'") != str(current):
        return None  # the text is not the value we think it is
    rendered = json.dumps(new) if is_json else _yaml_scalar(new)
    if isinstance(new, str) and old[:1] in "\"'" and not is_json:
        rendered = old[0] + new + old[0]
    return Edit(span[0], span[1], rendered, rule)
