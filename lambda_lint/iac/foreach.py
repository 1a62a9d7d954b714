"""``AWS::LanguageExtensions`` ``Fn::ForEach``: the loops expanded into plain resources.

``Fn::ForEach::Topics: [Name, [A, B], {"Queue${Name}": {...}}]`` in ``Resources`` makes one
resource per item, with ``${Name}``/``&{Name}`` in the key, ``${Name}`` in ``Fn::Sub`` and
``!Ref Name`` replaced by the item. Unexpanded, the resources were invisible to every rule.

A collection we can't read (a parameter without default, an import) still gets one copy, with
the identifier left unresolved (``Queue${Name}``, ``!Ref Name`` unknown): the resource is
checked once, with what can be known of it. Positions are kept: findings point into the loop.
"""

from __future__ import annotations

import re
from typing import Any, List, Optional

from lambda_lint.iac.tree import Map, Seq

PREFIX = "Fn::ForEach::"
MAX_DEPTH = 5
MAX_ITEMS = 200


def expand_template(tree: Map) -> None:
    res = tree.get("Resources")
    if isinstance(res, Map):
        params = tree.get("Parameters")
        tree["Resources"] = _expand_map(res, params if isinstance(params, Map) else Map(), 0)


def _collection(value: Any, params: Map) -> Optional[List[str]]:
    if isinstance(value, dict) and len(value) == 1 and "Ref" in value:
        p = params.get(value["Ref"]) if isinstance(value["Ref"], str) else None
        default = p.get("Default") if isinstance(p, dict) else None
        if isinstance(default, str):
            return [x.strip() for x in default.split(",") if x.strip()]
        if isinstance(default, list):
            value = default
        else:
            return None
    if isinstance(value, list) and all(isinstance(x, (str, int, float)) and not isinstance(x, bool) for x in value):
        return [str(x) for x in value][:MAX_ITEMS]
    return None


def _expand_map(m: Map, params: Map, depth: int) -> Map:
    out = Map()
    out.line, out.column = m.line, m.column
    for key, value in m.items():
        if isinstance(key, str) and key.startswith(PREFIX) and depth < MAX_DEPTH \
                and isinstance(value, list) and len(value) == 3 and isinstance(value[0], str) \
                and isinstance(value[2], Map):
            ident, coll, body = value
            items = _collection(coll, params)
            for item in (items if items is not None else [None]):
                expanded = _subst(body, ident, item)
                inner = _expand_map(expanded, params, depth + 1)
                for k, v in inner.items():
                    if k not in out:
                        out[k] = v
                        out.kpos[k] = inner.kpos.get(k, m.kpos.get(key, (0, 0)))
                        out.vpos[k] = inner.vpos.get(k, m.vpos.get(key, (0, 0)))
            continue
        out[key] = value
        out.kpos[key] = m.kpos.get(key, (0, 0))
        out.vpos[key] = m.vpos.get(key, (0, 0))
    return out


def _alnum(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", s)


def _key(key: Any, ident: str, item: Optional[str]) -> Any:
    if not isinstance(key, str) or item is None:
        return key
    return key.replace("${%s}" % ident, item).replace("&{%s}" % ident, _alnum(item))


def _subst(value: Any, ident: str, item: Optional[str]) -> Any:
    if isinstance(value, Map):
        if item is not None and len(value) == 1:
            k, arg = next(iter(value.items()))
            if k == "Ref" and arg == ident:
                return item
            if k == "Fn::Sub":
                out = Map()
                out.line, out.column = value.line, value.column
                out.kpos, out.vpos = dict(value.kpos), dict(value.vpos)
                if isinstance(arg, str):
                    out[k] = arg.replace("${%s}" % ident, item)
                elif isinstance(arg, Seq) and arg and isinstance(arg[0], str):
                    new = Seq([arg[0].replace("${%s}" % ident, item)] + [_subst(v, ident, item) for v in arg[1:]])
                    new.line, new.column, new.ipos = arg.line, arg.column, list(arg.ipos)
                    out[k] = new
                else:
                    out[k] = _subst(arg, ident, item)
                return out
        out = Map()
        out.line, out.column = value.line, value.column
        for k, v in value.items():
            nk = _key(k, ident, item)
            out[nk] = _subst(v, ident, item)
            out.kpos[nk] = value.kpos.get(k, (0, 0))
            out.vpos[nk] = value.vpos.get(k, (0, 0))
        if len(out) == 1 and isinstance(out.get("Fn::GetAtt"), Seq):
            # !GetAtt [!Sub "Queue${Name}", Arn]: the loop's documented way to name a copy
            parts = out["Fn::GetAtt"]
            for i, part in enumerate(parts):
                text = part.get("Fn::Sub") if isinstance(part, Map) and len(part) == 1 else None
                if isinstance(text, str) and "${" not in text:
                    parts[i] = text
        return out
    if isinstance(value, Seq):
        new = Seq([_subst(v, ident, item) for v in value])
        new.line, new.column, new.ipos = value.line, value.column, list(value.ipos)
        return new
    return value
