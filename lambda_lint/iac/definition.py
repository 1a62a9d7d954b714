"""Reading a state machine's definition, wherever SAM or CloudFormation keeps it.

* ``Definition``: the Amazon States Language as a mapping in the template (SAM and, since
  2021, ``AWS::StepFunctions::StateMachine``): positions are the template's own;
* ``DefinitionString``: JSON in a string, a ``Fn::Sub`` or a ``Fn::Join`` of lines: the JSON
  is parsed with positions and each line is mapped back to the template (a ``|`` block scalar
  line by line; a ``Fn::Join`` item by item; a one-line string to its own line);
* ``DefinitionUri`` (SAM) / ``DefinitionS3Location`` (CloudFormation, before ``aws
  cloudformation package``) naming a local file: that file's own positions, and findings
  are reported in that file.

References inside the text (``${Name}``) are kept with what they stand for: the Sub's
variables, the resources ``${Fn.Arn}``/``${Fn}`` name, ``DefinitionSubstitutions`` entries and
the intrinsics of a ``Fn::Join``. Anything we can't read yields no definition (never an error).
"""

from __future__ import annotations

import os
import re
from typing import Any, Callable, Dict, Optional, Tuple

from lambda_lint.iac.cloudformation.loader import Map, Seq
from lambda_lint.iac.resolve import is_intrinsic

Pos = Tuple[int, int]
_BLOCK = re.compile(r"^\s*(![A-Za-z:]+\s+)?[|>][-+0-9]*\s*(#.*)?$")
MAX_DEFINITION_BYTES = 2 * 1024 * 1024


class Definition:
    """A parsed definition: ``tree`` (Map with positions of its own text), ``pos(line, col)``
    mapping those to where findings go, ``path`` (display path of a local file, or None for
    the template), ``refs`` {name: raw template value} for ``${name}`` in the text,
    ``where`` (template position of the property holding the definition), ``key``."""

    def __init__(self, tree: Map, pos: Callable[[int, int], Pos], path: Optional[str], refs: Dict[str, Any],
                 where: Pos, key: str, digest: Optional[str] = None) -> None:
        self.tree = tree
        self.pos = pos
        self.path = path
        self.refs = refs
        self.where = where
        self.key = key
        self.digest = digest


def read_definition(model: Any, res: Any) -> Optional[Definition]:
    p = res.props
    if p is None:
        return None
    subst: Dict[str, Any] = {}
    ds = p.get("DefinitionSubstitutions")
    if isinstance(ds, Map) and not is_intrinsic(ds):
        subst = {str(k): v for k, v in ds.items()}
    for key in ("Definition", "DefinitionString", "DefinitionUri", "DefinitionS3Location"):
        if key not in p:
            continue
        value = p[key]
        where = p.kpos.get(key, (res.line, res.column))
        vpos = p.vpos.get(key, where)
        try:
            if key == "Definition":
                if isinstance(value, Map) and not is_intrinsic(value):
                    return Definition(value, _same, None, dict(subst), where, key)
                if isinstance(value, str):  # SAM accepts a JSON string here too
                    return _from_text(model, value, vpos, subst, where, key, {})
                return None
            if key == "DefinitionString":
                return _from_string_value(model, value, vpos, subst, where, key)
            if isinstance(value, str):
                return _from_file(model, value, subst, where, key)
        except (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError):
            return None
        return None
    return None


def _same(line: int, col: int) -> Pos:
    return (line, col)


def _from_string_value(model: Any, value: Any, vpos: Pos, subst: Dict[str, Any], where: Pos,
                       key: str) -> Optional[Definition]:
    if isinstance(value, str):
        return _from_text(model, value, vpos, subst, where, key, {})
    if not is_intrinsic(value):
        return None
    fn, arg = next(iter(value.items()))
    if fn == "Fn::Sub":
        variables: Dict[str, Any] = {}
        spos = value.vpos.get(fn, vpos) if isinstance(value, Map) else vpos
        if isinstance(arg, Seq) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], dict):
            variables = {str(k): v for k, v in arg[1].items()}
            spos = arg.ipos[0] if arg.ipos else spos
            arg = arg[0]
        if not isinstance(arg, str):
            return None
        refs = dict(subst)
        refs.update(_implicit_sub_refs(model, arg))
        refs.update(variables)
        return _from_text(model, arg.replace("${!", "${"), spos, {}, where, key, refs)
    if fn == "Fn::Join":
        if not (isinstance(arg, Seq) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], Seq)):
            return None
        sep, items = arg[0], arg[1]
        text_parts = []
        starts = []  # (offset in the text, template position of the item)
        refs = dict(subst)
        offset = 0
        for i, item in enumerate(items):
            ipos = items.ipos[i] if i < len(items.ipos) else vpos
            if i:
                text_parts.append(sep)
                offset += len(sep)
            if isinstance(item, (str, int, float)) and not isinstance(item, bool):
                piece = str(item)
            elif is_intrinsic(item):
                name = f"__join{i}"
                refs[name] = item
                piece = "${%s}" % name
            else:
                return None
            starts.append((offset, ipos))
            text_parts.append(piece)
            offset += len(piece)
        text = "".join(text_parts)
        line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

        def pos(line: int, col: int) -> Pos:
            if line - 1 >= len(line_starts):
                return vpos
            off = line_starts[line - 1] + col - 1
            best = vpos
            for start, ip in starts:
                if start <= off:
                    best = ip
                else:
                    break
            return best

        tree = _parse(text)
        return Definition(tree, pos, None, refs, where, key) if tree is not None else None
    return None


def _implicit_sub_refs(model: Any, template: str) -> Dict[str, Any]:
    """``${Fn}`` / ``${Fn.Arn}`` in a Sub stand for a Ref / GetAtt of a resource."""
    out: Dict[str, Any] = {}
    for name in re.findall(r"\$\{([^}!][^}]*)\}", template):
        base, _, attr = name.partition(".")
        if base in model.resources:
            out[name] = {"Fn::GetAtt": [base, attr]} if attr else {"Ref": base}
    return out


def _from_text(model: Any, text: str, vpos: Pos, subst: Dict[str, Any], where: Pos, key: str,
               refs: Dict[str, Any]) -> Optional[Definition]:
    tree = _parse(text)
    if tree is None:
        return None
    allrefs = dict(subst)
    allrefs.update(refs)
    block = _block_indent(model, vpos)
    if block is not None and "\n" in text:
        first, indent = block

        def pos(line: int, col: int) -> Pos:
            return (first + line - 1, col + indent)
    else:
        def pos(line: int, col: int) -> Pos:
            return vpos
    return Definition(tree, pos, None, allrefs, where, key)


def _block_indent(model: Any, vpos: Pos) -> Optional[Tuple[int, int]]:
    """(first content line, indentation) when the scalar at ``vpos`` is a ``|`` block."""
    text = getattr(model, "text", None)
    if not text:
        return None
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig", errors="replace")
    lines = text.splitlines()
    line, col = vpos
    if not (0 < line <= len(lines)):
        return None
    rest = lines[line - 1][col - 1:]
    if not _BLOCK.match(rest) or ">" in rest.split("#", 1)[0]:
        return None
    for k in range(line, len(lines)):
        if lines[k].strip():
            return (line + 1, len(lines[k]) - len(lines[k].lstrip(" ")))
    return None


def _parse(text: str) -> Optional[Map]:
    from lambda_lint.errors import ParseFailure
    from lambda_lint.iac.cloudformation.loader import load

    if len(text) > MAX_DEFINITION_BYTES:
        return None
    try:
        tree = load(text, "<definition>")
    except (ParseFailure, RecursionError, ValueError):
        return None
    return tree if isinstance(tree, Map) else None


def _from_file(model: Any, uri: str, subst: Dict[str, Any], where: Pos, key: str) -> Optional[Definition]:
    """A local file named by DefinitionUri / DefinitionS3Location (not s3://, not a URL)."""
    base = getattr(model, "path", None)
    if base is None or "://" in uri or uri.startswith("s3:") or not uri.strip():
        return None
    display = os.path.normpath(os.path.join(os.path.dirname(base), uri))
    try:
        if not os.path.isfile(display) or os.path.getsize(display) > MAX_DEFINITION_BYTES:
            return None
        with open(display, "rb") as fh:
            data = fh.read(MAX_DEFINITION_BYTES + 1)
    except OSError:
        return None
    from lambda_lint.fileio import digest_bytes

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    tree = _parse(text)
    if tree is None:
        return None
    return Definition(tree, _same, display, dict(subst), where, key, digest=digest_bytes(data))
