"""Loading a template into position-keeping values.

YAML and JSON alike go through libyaml's event parser (``yaml.CSafeLoader`` when the C
extension is present, the pure-Python ``SafeLoader`` otherwise); we build the tree from the
events ourselves, which gives us, in one pass:

* positions: :class:`Map` (a ``dict``) and :class:`Seq` (a ``list``) carry ``line``/``column``
  (1-based) of themselves, of every key and of every value; scalars stay plain Python values
  (``str``, ``int``, ``float``, ``bool``, ``None``), their positions live in their container;
* CloudFormation short-form tags (``!Ref X``, ``!GetAtt A.B``...) turned into their long form
  (``{"Ref": "X"}``, ``{"Fn::GetAtt": ["A", "B"]}``); unknown tags (``!!python/object``...)
  are never constructed: the value is kept as plain data;
* safety: a depth limit, a bound on the expanded size of aliases (a "billion laughs" file is
  refused quickly), a size limit, and duplicate mapping keys (CloudFormation rejects them).
  All of these raise :class:`lambda_lint.errors.ParseFailure` with a position.

The JSON case needs no code of its own: JSON is YAML flow style and libyaml accepts the tabs
that JSON allows (the pure-Python parser does not; without the C extension we fall back to a
``json`` parse that keeps positions through ``object_pairs_hook`` is not possible, so tabs are
replaced by spaces, which keeps line numbers and, for tab-free lines, columns).
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Tuple

from lambda_lint.errors import ParseFailure

MAX_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 200
MAX_NODES = 2_000_000  # expanded values (aliases count every time they are used)

from lambda_lint.iac.tree import Map, Pos, Seq  # noqa: F401 - the tree's types, re-exported


# Short-form tag -> long-form key. ``!GetAtt A.B`` additionally splits its scalar.
CFN_TAGS = {
    "!Ref": "Ref",
    "!Condition": "Condition",
    "!GetAtt": "Fn::GetAtt",
    "!Sub": "Fn::Sub",
    "!Join": "Fn::Join",
    "!If": "Fn::If",
    "!Select": "Fn::Select",
    "!Split": "Fn::Split",
    "!ImportValue": "Fn::ImportValue",
    "!FindInMap": "Fn::FindInMap",
    "!Base64": "Fn::Base64",
    "!Cidr": "Fn::Cidr",
    "!GetAZs": "Fn::GetAZs",
    "!And": "Fn::And",
    "!Or": "Fn::Or",
    "!Not": "Fn::Not",
    "!Equals": "Fn::Equals",
    "!Transform": "Fn::Transform",
    "!Length": "Fn::Length",
    "!ToJsonString": "Fn::ToJsonString",
    "!ForEach": "Fn::ForEach",
    "!Rain::Embed": "Rain::Embed",
}

_INT_RE = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$")
_FLOAT_RE = re.compile(r"^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$")
_BOOL = {"true": True, "false": False, "yes": True, "no": False, "on": True, "off": False}
_NULL = {"", "~", "null", "Null", "NULL"}


def _plain_scalar(value: str) -> Any:
    """YAML 1.1 implicit typing of a plain (unquoted) scalar, the safe subset CFN uses."""
    if value in _NULL:
        return None
    low = value.lower()
    if low in _BOOL and value in (low, low.capitalize(), low.upper()):
        return _BOOL[low]
    if _INT_RE.match(value):
        try:
            return int(value.replace("_", ""))
        except ValueError:  # pragma: no cover
            return value
    if _FLOAT_RE.match(value) and any(c.isdigit() for c in value):
        try:
            return float(value.replace("_", ""))
        except ValueError:  # pragma: no cover
            return value
    return value


def _loader_class():
    import yaml

    return getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader


def _pos(mark: Any) -> Pos:
    return (mark.line + 1, mark.column + 1)


def load(source: bytes | str, path: str = "<template>") -> Any:
    """Parse YAML or JSON text into :class:`Map`/:class:`Seq`/scalars; raises ParseFailure."""
    import yaml

    if isinstance(source, bytes):
        if len(source) > MAX_BYTES:
            raise ParseFailure(f"template is too large to load safely ({len(source)} bytes > {MAX_BYTES})")
        if source.startswith(b"\xef\xbb\xbf"):
            source = source[3:]
        try:
            text = source.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = source[: exc.start].count(b"\n") + 1
            raise ParseFailure(f"template is not valid UTF-8: {exc.reason}", line, 1) from None
    else:
        text = source
        if len(text) > MAX_BYTES:
            raise ParseFailure(f"template is too large to load safely ({len(text)} characters > {MAX_BYTES})")
    loader_cls = _loader_class()
    if loader_cls is yaml.SafeLoader and "\t" in text and text.lstrip()[:1] in ("{", "["):
        text = text.replace("\t", " ")
    loader = None
    try:
        loader = loader_cls(text)  # the pure-Python reader checks characters here already
        return _build(loader)
    except ParseFailure:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = _pos(mark) if mark is not None else (1, 1)
        msg = " ".join(str(p) for p in (exc.context, exc.problem) if p) or "invalid YAML"
        if "maximum nesting depth" in msg:
            # PyYAML >= 6.0.4 (libyaml 0.2.6) has a depth limit of its own; same finding as ours.
            raise ParseFailure("template is nested too deeply to load safely", line, col) from None
        raise ParseFailure(f"invalid YAML/JSON: {msg}", line, col) from None
    except yaml.reader.ReaderError as exc:  # a control character: no mark, only a position
        # libyaml counts UTF-8 bytes, the pure-Python reader characters
        buf: Any = text.encode("utf-8", "replace") if loader_cls is not yaml.SafeLoader else text
        nl = b"\n" if isinstance(buf, bytes) else "\n"
        pos = max(0, min(int(getattr(exc, "position", 0) or 0), len(buf)))
        line = buf.count(nl, 0, pos) + 1
        head = buf[buf.rfind(nl, 0, pos) + 1: pos]
        col = len(head.decode("utf-8", "replace") if isinstance(head, bytes) else head) + 1
        char = exc.character
        what = f"#x{ord(char):04x}" if isinstance(char, str) else f"#x{char:02x}" if isinstance(char, int) else "?"
        raise ParseFailure(f"invalid YAML/JSON: unacceptable character {what}: {exc.reason}", line, col) from None
    except yaml.YAMLError as exc:
        raise ParseFailure(f"invalid YAML/JSON: {exc}") from None
    except RecursionError:
        raise ParseFailure("template is nested too deeply to load safely") from None
    finally:
        try:
            if loader is not None:
                loader.dispose()
        except Exception:  # pragma: no cover
            pass


def _build(loader: Any) -> Any:
    import yaml

    ev = yaml.events
    anchors: Dict[str, Tuple[Any, int]] = {}
    # stack entries: [container, kind, size, pending_key, pending_key_pos, tag, anchor, start]
    stack: List[list] = []
    root: Any = None
    have_root = False
    total = 0

    def attach(value: Any, pos: Pos, size: int, cost: int) -> None:
        # ``size``: the values this one stands for (an anchored subtree counts whole, so an
        # alias of it costs that much); ``cost``: what it adds to the document. A container's
        # own values were counted as they arrived, so closing it costs 1; counting its size
        # again at every level refused an alias-free 850 KB template nested 30 deep (issue 20).
        nonlocal root, have_root, total
        total += cost
        if total > MAX_NODES:
            raise ParseFailure(
                f"template expands to more than {MAX_NODES} values (alias bomb?); refusing to load", pos[0], pos[1]
            )
        if not stack:
            if have_root:
                return  # a second document: CloudFormation reads only one; ignore the rest
            root, have_root = value, True
            return
        top = stack[-1]
        top[2] += size
        cont = top[0]
        if top[1] == "seq":
            cont.append(value)
            cont.ipos.append(pos)
            return
        if top[3] is _NOKEY:
            key = value
            if isinstance(key, (Map, Seq)):
                key = _hashable_key(key)
            if key in cont:
                kp = cont.kpos.get(key, (0, 0))
                if key == "<<" and False:  # merge keys are not CloudFormation
                    pass
                raise ParseFailure(
                    f"duplicate key {key!r} (first at line {kp[0]}); CloudFormation rejects duplicate keys",
                    pos[0], pos[1],
                )
            top[3] = key
            top[4] = pos
        else:
            key = top[3]
            cont[key] = value
            cont.kpos[key] = top[4]
            cont.vpos[key] = pos
            top[3] = _NOKEY

    while True:
        event = loader.get_event()
        if event is None:
            break
        cls = type(event)
        if cls is ev.ScalarEvent:
            pos = _pos(event.start_mark)
            tag = event.tag
            value: Any = event.value
            if tag is None or tag == "!":
                if event.implicit[0] and not event.style:
                    value = _plain_scalar(value)
            elif tag in CFN_TAGS:
                key = CFN_TAGS[tag]
                inner: Any = value
                if tag == "!GetAtt":
                    inner = Seq(value.split(".", 1))
                    inner.line, inner.column = pos
                    inner.ipos = [pos] * len(inner)
                elif event.implicit[0] and not event.style and tag not in ("!Ref", "!Sub", "!ImportValue"):
                    inner = _plain_scalar(value)
                wrapped = Map()
                wrapped.line, wrapped.column = pos
                wrapped[key] = inner
                wrapped.kpos[key] = pos
                wrapped.vpos[key] = pos
                value = wrapped
            elif tag.startswith("tag:yaml.org,2002:"):
                short = tag[18:]
                if short == "int":
                    value = _plain_scalar(value) if _INT_RE.match(value) else value
                elif short == "float":
                    value = _plain_scalar(value)
                elif short == "bool":
                    value = _BOOL.get(value.lower(), value)
                elif short == "null":
                    value = None
                # str, binary, timestamp, python/* ...: kept as the plain text
            # unknown local tags (!Foo): plain text
            if event.anchor is not None:
                anchors[event.anchor] = (value, 1)
            attach(value, pos, 1, 1)
        elif cls is ev.MappingStartEvent or cls is ev.SequenceStartEvent:
            if len(stack) >= MAX_DEPTH:
                line, col = _pos(event.start_mark)
                raise ParseFailure(f"template is nested too deeply to load safely (more than {MAX_DEPTH} levels)",
                                   line, col)
            pos = _pos(event.start_mark)
            cont = Map() if cls is ev.MappingStartEvent else Seq()
            cont.line, cont.column = pos
            stack.append([cont, "map" if cls is ev.MappingStartEvent else "seq", 1, _NOKEY, None,
                          event.tag, event.anchor, pos])
        elif cls is ev.MappingEndEvent or cls is ev.SequenceEndEvent:
            cont, _kind, size, _k, _kp, tag, anchor, pos = stack.pop()
            value = cont
            if tag in CFN_TAGS:
                key = CFN_TAGS[tag]
                wrapped = Map()
                wrapped.line, wrapped.column = pos
                wrapped[key] = cont
                wrapped.kpos[key] = pos
                wrapped.vpos[key] = pos
                value = wrapped
            if anchor is not None:
                anchors[anchor] = (value, size)
            attach(value, pos, size, 1)
        elif cls is ev.AliasEvent:
            pos = _pos(event.start_mark)
            if event.anchor not in anchors:
                raise ParseFailure(f"unknown alias *{event.anchor}", pos[0], pos[1])
            value, size = anchors[event.anchor]
            attach(value, pos, size, size)  # a real expansion: every value it stands for
        elif cls is ev.DocumentEndEvent:
            anchors.clear()
        elif cls is ev.StreamEndEvent:
            break
    return root


class _NoKey:
    __slots__ = ()

    def __repr__(self) -> str:  # pragma: no cover
        return "<no key>"


_NOKEY = _NoKey()


def _hashable_key(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple((k, _hashable_key(v)) for k, v in value.items())
    if isinstance(value, list):
        return tuple(_hashable_key(v) for v in value)
    return value
