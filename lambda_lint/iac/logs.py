"""Which ``AWS::Logs::LogGroup`` of the template a function writes to.

Lambda writes to ``/aws/lambda/<function name>`` unless ``LoggingConfig.LogGroup`` names
another group; when no such group is declared, Lambda creates it on first write with no
retention (logs kept, and billed, forever).

A group is an ``AWS::Logs::LogGroup``, or the CDK's ``Custom::LogRetention`` (which sets the
retention of the group Lambda creates). A function's group is found by:

* ``LoggingConfig.LogGroup``: ``!Ref Group`` (a group of this template), or a name equal to
  a declared group's ``LogGroupName``;
* otherwise a group whose ``LogGroupName`` is ``/aws/lambda/`` followed by the function's
  name: a literal (``FunctionName: orders`` and ``/aws/lambda/orders``), the same ``Fn::Sub``
  text (``${AWS::StackName}-orders``), or a reference to the function itself
  (``!Sub /aws/lambda/${OrdersFunction}``, ``!Join ["", [/aws/lambda/, !Ref OrdersFunction]]``).

A group whose name can't be read (a parameter without default, ``Fn::If``, an import) might
be any function's: functions without a group of their own are then *unknown*, never reported.
"""

from __future__ import annotations

import re
from typing import Any, List, Optional, Tuple

from lambda_lint.iac.cloudformation.loader import Map
from lambda_lint.iac.model import Found
from lambda_lint.iac.resolve import is_intrinsic

PREFIX = "/aws/lambda/"
# the CDK sets a retention on the group Lambda creates with a custom resource of its own
GROUP_TYPES = ("AWS::Logs::LogGroup", "Custom::LogRetention")
_VAR = re.compile(r"\$\{([^}!][^}]*)\}")


def name_text(value: Any) -> Optional[str]:
    """A comparable text for a name: literals as they are, references as ``${X}``/``${X.Attr}``,
    ``Fn::Sub`` as its template, ``Fn::Join`` joined. None for anything else (Fn::If...)."""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    if not is_intrinsic(value):
        return None
    key, arg = next(iter(value.items()))
    if key == "Ref" and isinstance(arg, str):
        return "${%s}" % arg
    if key == "Fn::GetAtt":
        parts = arg.split(".", 1) if isinstance(arg, str) else arg
        if isinstance(parts, list) and len(parts) == 2 and all(isinstance(p, str) for p in parts):
            return "${%s.%s}" % (parts[0], parts[1])
        return None
    if key == "Fn::Sub":
        if isinstance(arg, str):
            return arg
        if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], dict):
            text = arg[0]
            for var, v in arg[1].items():
                sub = name_text(v)
                if sub is None:
                    return None
                text = text.replace("${%s}" % var, sub)
            return text
        return None
    if key == "Fn::Join":
        if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], list):
            parts = [name_text(v) for v in arg[1]]
            if any(p is None for p in parts):
                return None
            return arg[0].join(parts)  # type: ignore[arg-type]
    return None


def _groups(model: Any) -> List[Tuple[Any, Optional[str], Any]]:
    """(resource, literal-or-text name or None, resolved) of every log group, once per model."""
    if "log_groups" not in model.derived:
        out = []
        for res in model.resources.values():
            if res.type not in GROUP_TYPES:
                continue
            raw = res.get("LogGroupName")
            if raw is None:
                out.append((res, "", None))  # a generated name: only LoggingConfig can point at it
                continue
            r = model.resolver.resolve(raw)
            if r.is_literal and isinstance(r.value, str):
                out.append((res, r.value, r))
            else:
                out.append((res, name_text(raw), r))
        model.derived["log_groups"] = out
    return model.derived["log_groups"]


def _function_names(fn: Any) -> List[str]:
    """Texts the function's name may be written as in a log group's name."""
    names = ["${%s}" % fn.logical_id]
    raw = fn.prop("FunctionName")
    if raw is not None:
        r = fn.model.resolver.resolve(raw)
        if r.is_literal and isinstance(r.value, (str, int)):
            names.append(str(r.value))
        text = name_text(raw)
        if text is not None:
            names.append(text)
    return names


def log_group_of(fn: Any) -> Any:
    """The function's log group (a Resource), None when it has none in the template, or a
    ``Found`` with value None when it can't be told (the rule then stays silent)."""
    model = fn.model
    if model is None:
        return Found(None, fn.line, fn.column, fn.anchor)
    groups = _groups(model)
    unknown = Found(None, fn.line, fn.column, f"{fn.logical_id}/LoggingConfig")
    lc = fn.prop("LoggingConfig")
    if lc is not None:
        if not isinstance(lc, Map) or is_intrinsic(lc):
            return unknown
        target = lc.get("LogGroup")
        if target is not None:
            r = model.resolver.resolve(target)
            if r.is_resource:
                res = model.resources.get(r.value)
                return res if res is not None and res.type in GROUP_TYPES else unknown
            if r.is_literal and isinstance(r.value, str):
                for res, name, _ in groups:
                    if name == r.value:
                        return res
            return unknown  # a group made elsewhere: it may well have a retention
    wanted = {PREFIX + n for n in _function_names(fn)}
    ambiguous = False
    for res, name, resolved in groups:
        if name is not None and name in wanted:
            return res
        if name == "":
            continue
        if name is None or _opaque(name, model):
            ambiguous = True  # a name we can't read might be this function's
    return unknown if ambiguous else None


def _opaque(text: str, model: Any) -> bool:
    """A name text holding a ``${X}`` that is neither a pseudo parameter (comparable as text)
    nor a resource of the template (another function's group, compared above)."""
    for var in _VAR.findall(text):
        if not var.startswith("AWS::") and var.split(".", 1)[0] not in model.resources:
            return True
    return False
