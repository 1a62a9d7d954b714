"""Fixes in Terraform files: the same fixers, writing HCL attributes into the user's blocks.

The Terraform front-end lowers resources into CloudFormation shapes whose positions point
into the ``.tf`` files (encoded with the file: :meth:`UnitTree.position`). A fixer asks to
set ``MaximumRetryAttempts`` on a trigger; here that becomes ``maximum_retry_attempts = 3``
on the line after the block's opening line (at the block's indentation), or the value of an
existing attribute replaced in place. Only what has a Terraform attribute of its own is
fixed; anything else (a new resource for LL206, a registry module's inputs) is left to the
user, never guessed.
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Optional

from lambda_lint.fix.edits import Edit, Text

#: CloudFormation property -> the Terraform attribute the lowering read it from
ATTRIBUTES: Dict[str, str] = {
    "MaximumRetryAttempts": "maximum_retry_attempts",
    "MaximumRecordAgeInSeconds": "maximum_record_age_in_seconds",
    "BisectBatchOnFunctionError": "bisect_batch_on_function_error",
    "FunctionResponseTypes": "function_response_types",
    "VisibilityTimeout": "visibility_timeout_seconds",
    "RecursiveLoop": "recursive_loop",
}

_VALUE = re.compile(r'-?\d+(\.\d+)?|true|false|"(?:[^"\\]|\\.)*"')


def _render(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_render(v) for v in value) + "]"
    return json.dumps(str(value))


class HclCtx:
    """The fixers' context (:class:`lambda_lint.fix.fixers.Ctx`) for one ``.tf`` file."""

    def __init__(self, text: Text, tree: Any, model: Any, settings: Dict[str, Any], display: str,
                 options: Dict[str, Any]) -> None:
        self.text = text
        self.tree = tree
        self.model = model
        self.settings = settings
        self.display = display
        self.options = options
        self.is_json = False

    def _here(self, line: int) -> Optional[int]:
        """The line in this file of an encoded position, or None when it is another file's."""
        path, real = self.tree.position(line)
        return real if path == self.display else None

    def insert(self, mapping: Any, key: str, value: Any, rule: str) -> Optional[Edit]:
        attr = ATTRIBUTES.get(key)
        line = self._here(getattr(mapping, "line", 0)) if attr else None
        if line is None or not isinstance(mapping, dict) or key in mapping:
            return None
        header = self.text.lines[line - 1] if 1 <= line <= len(self.text.lines) else ""
        if not header.rstrip().endswith("{"):
            return None  # not a block opening line we understand (a module input, an object)
        indent = re.match(r"[ \t]*", header).group(0) + "  "
        if line < len(self.text.lines):
            nxt = self.text.lines[line]
            m = re.match(r"([ \t]+)\S", nxt)
            if m and not nxt.strip().startswith("}"):
                indent = m.group(1)
        start = self.text.offset(line + 1, 1) if line < len(self.text.lines) else len(self.text.text)
        if start is None:
            return None
        return Edit(start, start, f"{indent}{attr} = {_render(value)}{self.text.newline}", rule)

    def replace(self, mapping: Any, key: str, value: Any, rule: str, expect: List[Any]) -> Optional[Edit]:
        attr = ATTRIBUTES.get(key)
        vpos = getattr(mapping, "vpos", {}) or {}
        if not attr or key not in vpos:
            return None
        current = mapping.get(key)
        if isinstance(current, (dict, list)) or (current not in expect and str(current) not in map(str, expect)):
            return None
        line = self._here(vpos[key][0])
        if line is None:
            return None
        raw = self.text.lines[line - 1]
        m = re.match(r"\s*" + re.escape(attr) + r"\s*=\s*", raw)
        if not m:
            return None  # the value is not on its attribute's line as written: leave it
        v = _VALUE.match(raw, m.end())
        if not v or v.group(0).strip('"') != str(current).lower() and v.group(0).strip('"') != str(current):
            return None
        start = self.text.offset(line, v.start() + 1)
        end = self.text.offset(line, v.end() + 1)
        if start is None or end is None:
            return None
        return Edit(start, end, _render(value), rule)
