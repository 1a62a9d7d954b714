"""Resolving CloudFormation values once, into a small value type.

:class:`Resolved` is one of three things:

* ``literal``: a plain value (``value`` holds it: str/int/float/bool/None, or a Map/Seq for
  structured values that are not intrinsics);
* ``resource``: a reference to a resource of this template (``value`` is its logical ID,
  ``attr`` the attribute for ``Fn::GetAtt``/``${X.Arn}``, ``None`` for ``Ref``);
* ``unknown``: anything we can't know statically (imports, parameters without a default,
  pseudo parameters inside strings, an ``Fn::If`` whose condition is undecided, nested-stack
  outputs, broken intrinsics).

``Fn::If`` picks its branch when the condition is decided: by the parameter defaults, or by
the scenario the evaluator is trying (``scenario`` {condition: bool}); an undecided one is
unknown and its name is recorded in ``encountered`` so the evaluator can try both branches
(see :mod:`lambda_lint.iac.conditions`).

``refs`` is the set of logical IDs mentioned anywhere inside the value (also for unknowns:
``!Sub "arn:...:${Queue.QueueName}"`` is unknown but refs={"Queue"}); ``text`` is a textual
hint for pattern matching (the literal text, or a ``Fn::Sub`` template with its ``${..}``
kept), e.g. to recognise ``arn:${AWS::Partition}:kinesis:...``.

Rules never compare raw template values: they compare :class:`Resolved` values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, FrozenSet, Optional

LITERAL = "literal"
RESOURCE = "resource"
UNKNOWN = "unknown"

_SUB_RE = re.compile(r"\$\{([^}!][^}]*)\}")


@dataclass(frozen=True)
class Resolved:
    kind: str
    value: Any = None
    attr: Optional[str] = None
    refs: FrozenSet[str] = field(default_factory=frozenset)
    text: Optional[str] = None

    @property
    def is_literal(self) -> bool:
        return self.kind == LITERAL

    @property
    def is_resource(self) -> bool:
        return self.kind == RESOURCE

    @property
    def is_unknown(self) -> bool:
        return self.kind == UNKNOWN

    def __str__(self) -> str:
        if self.kind == LITERAL:
            return str(self.value)
        if self.kind == RESOURCE:
            return self.value + (f".{self.attr}" if self.attr else "")
        return "<unknown>"


def literal(value: Any) -> Resolved:
    return Resolved(LITERAL, value, text=value if isinstance(value, str) else None)


UNKNOWN_VALUE = Resolved(UNKNOWN)


class _Marker:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


#: an ``Fn::If`` whose condition is undecided in the current scenario
UNDECIDED = _Marker("UNDECIDED")
#: ``!Ref AWS::NoValue``: the property is absent
NO_VALUE = _Marker("NO_VALUE")

INTRINSIC_KEYS = frozenset({
    "Ref", "Condition", "Fn::GetAtt", "Fn::Sub", "Fn::Join", "Fn::If", "Fn::Select", "Fn::Split",
    "Fn::ImportValue", "Fn::FindInMap", "Fn::Base64", "Fn::Cidr", "Fn::GetAZs", "Fn::And", "Fn::Or",
    "Fn::Not", "Fn::Equals", "Fn::Transform", "Fn::Length", "Fn::ToJsonString", "Fn::ForEach",
})


def is_intrinsic(value: Any) -> bool:
    """A one-key mapping whose key is ``Ref`` or ``Fn::...``."""
    if isinstance(value, dict) and len(value) == 1:
        key = next(iter(value))
        return isinstance(key, str) and (key in INTRINSIC_KEYS or key.startswith("Fn::"))
    return False


class Resolver:
    """Resolves values against one template's parameters and resources."""

    def __init__(self, resources: Dict[str, Any], parameters: Dict[str, Any],
                 conditions: Optional[Dict[str, Any]] = None) -> None:
        self.resources = resources
        self.parameters = parameters if isinstance(parameters, dict) else {}
        self._depth = 0
        from lambda_lint.iac.conditions import Conditions

        self.conditions = Conditions(conditions if isinstance(conditions, dict) else {}, self)
        #: the branch taken for each condition while the evaluator tries one scenario
        self.scenario: Dict[str, bool] = {}
        #: undecided conditions met since the evaluator last cleared it
        self.encountered: set = set()

    def pick_if(self, arg: Any) -> Any:
        """The branch an ``Fn::If`` takes (raw value), or :data:`UNDECIDED`."""
        if not isinstance(arg, list) or len(arg) != 3 or not isinstance(arg[0], str):
            return UNDECIDED
        value = self.conditions.value(arg[0])
        if value is None:
            if arg[0] in self.conditions.raw:  # a condition the template doesn't define stays unknown
                self.encountered.add(arg[0])
            return UNDECIDED
        return arg[1] if value else arg[2]

    def unwrap(self, value: Any) -> Any:
        """``value`` with every decided ``Fn::If`` replaced by its branch: the raw value,
        :data:`NO_VALUE` for ``AWS::NoValue``, or :data:`UNDECIDED`."""
        for _ in range(20):
            if isinstance(value, dict) and len(value) == 1:
                if "Fn::If" in value:
                    value = self.pick_if(value["Fn::If"])
                    if value is UNDECIDED:
                        return UNDECIDED
                    continue
                if value.get("Ref") == "AWS::NoValue":
                    return NO_VALUE
            return value
        return UNDECIDED

    def resolve(self, value: Any) -> Resolved:
        if self._depth > 50:
            return UNKNOWN_VALUE
        self._depth += 1
        try:
            return self._resolve(value)
        finally:
            self._depth -= 1

    def _resolve(self, value: Any) -> Resolved:
        if not is_intrinsic(value):
            return literal(value)
        key, arg = next(iter(value.items()))
        if key == "Ref":
            return self._ref(arg)
        if key == "Fn::GetAtt":
            return self._getatt(arg)
        if key == "Fn::Sub":
            return self._sub(arg)
        if key == "Fn::Join":
            return self._join(arg)
        if key == "Fn::If":
            branch = self.pick_if(arg)
            if branch is not UNDECIDED:
                return self.resolve(branch)
        return Resolved(UNKNOWN, refs=frozenset(self.refs_in(arg)))

    def _ref(self, name: Any) -> Resolved:
        if not isinstance(name, str):
            return UNKNOWN_VALUE
        if name in self.resources:
            return Resolved(RESOURCE, name, None, frozenset({name}), text=None)
        if "." in name:
            # SAM's ``!Ref Fn.Alias`` / ``!Ref Fn.Version``: the generated alias or version
            base, attr = name.split(".", 1)
            if base in self.resources and attr in ("Alias", "Version"):
                return Resolved(RESOURCE, base, attr, frozenset({base}))
        param = self.parameters.get(name)
        if isinstance(param, dict) and "Default" in param:
            default = param["Default"]
            if not isinstance(default, (dict, list)):
                return literal(default)
        return UNKNOWN_VALUE

    def _getatt(self, arg: Any) -> Resolved:
        if isinstance(arg, str):
            arg = arg.split(".", 1)
        if not isinstance(arg, list) or len(arg) != 2 or not isinstance(arg[0], str):
            return UNKNOWN_VALUE
        name, attr = arg
        if name in self.resources and isinstance(attr, str):
            return Resolved(RESOURCE, name, attr, frozenset({name}))
        return UNKNOWN_VALUE

    def _sub(self, arg: Any) -> Resolved:
        variables: Dict[str, Any] = {}
        if isinstance(arg, list):
            if len(arg) != 2 or not isinstance(arg[0], str) or not isinstance(arg[1], dict):
                return Resolved(UNKNOWN, refs=frozenset(self.refs_in(arg)))
            template, variables = arg[0], arg[1]
        elif isinstance(arg, str):
            template = arg
        else:
            return UNKNOWN_VALUE
        names = _SUB_RE.findall(template)
        refs = set()
        for n in names:
            base = n.split(".", 1)[0]
            if base in self.resources:
                refs.add(base)
        for v in variables.values():
            refs |= self.refs_in(v)
        whole = _SUB_RE.fullmatch(template)
        if whole:
            n = whole.group(1)
            if n in variables:
                return self.resolve(variables[n])
            if "." in n:
                return self._getatt(n)
            return self._ref(n)
        parts = []
        pos = 0
        for m in _SUB_RE.finditer(template):
            parts.append(template[pos:m.start()])
            n = m.group(1)
            r = self.resolve(variables[n]) if n in variables else (self._getatt(n) if "." in n else self._ref(n))
            if not r.is_literal or isinstance(r.value, (dict, list)):
                return Resolved(UNKNOWN, refs=frozenset(refs), text=template)
            parts.append(str(r.value))
            pos = m.end()
        parts.append(template[pos:])
        return Resolved(LITERAL, "".join(parts).replace("${!", "${"), refs=frozenset(refs),
                        text="".join(parts))

    def _join(self, arg: Any) -> Resolved:
        if not isinstance(arg, list) or len(arg) != 2 or not isinstance(arg[0], str) or not isinstance(arg[1], list):
            return Resolved(UNKNOWN, refs=frozenset(self.refs_in(arg)))
        sep, items = arg
        out = []
        texts = []
        known = True
        for item in items:
            r = self.resolve(item)
            if r.is_literal and not isinstance(r.value, (dict, list)):
                out.append(str(r.value))
                texts.append(str(r.value))
            else:
                known = False
                texts.append("${%s}" % (r.value if r.is_resource else "?"))
        refs = frozenset(self.refs_in(items))
        if known:
            return Resolved(LITERAL, sep.join(out), refs=refs, text=sep.join(out))
        return Resolved(UNKNOWN, refs=refs, text=sep.join(texts))

    def refs_in(self, value: Any, _depth: int = 0) -> set:
        """Logical IDs of this template mentioned anywhere inside ``value``."""
        out: set = set()
        if _depth > 60:
            return out
        if isinstance(value, dict):
            if len(value) == 1:
                key, arg = next(iter(value.items()))
                if key == "Ref" and isinstance(arg, str) and arg.split(".", 1)[0] in self.resources:
                    out.add(arg.split(".", 1)[0])
                elif key == "Fn::GetAtt":
                    name = arg.split(".", 1)[0] if isinstance(arg, str) else (arg[0] if isinstance(arg, list) and arg else None)
                    if isinstance(name, str) and name in self.resources:
                        out.add(name)
                elif key == "Fn::Sub":
                    tmpl = arg if isinstance(arg, str) else (arg[0] if isinstance(arg, list) and arg else None)
                    if isinstance(tmpl, str):
                        for n in _SUB_RE.findall(tmpl):
                            base = n.split(".", 1)[0]
                            if base in self.resources:
                                out.add(base)
            for v in value.values():
                out |= self.refs_in(v, _depth + 1)
        elif isinstance(value, list):
            for v in value:
                out |= self.refs_in(v, _depth + 1)
        return out

    def text_hint(self, value: Any) -> str:
        """A string to pattern-match on: a literal's text, or a Sub/Join template."""
        r = self.resolve(value)
        if r.text is not None:
            return r.text
        if r.is_literal and isinstance(r.value, (str, int, float)):
            return str(r.value)
        return ""
