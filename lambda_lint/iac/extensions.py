"""Computed attributes and subjects that live outside :mod:`lambda_lint.iac.model`.

The model's classes stay small: an attribute or a whole subject that needs a module of its own
(state machine definitions, log groups, the posture scope) is registered here, and
:meth:`Entity.attr` / :meth:`TemplateModel.entities` fall back to this table. The rule
loader (:mod:`lambda_lint.iac.ruleset`) validates rule files against the same table, so
an attribute exists for the language exactly when it exists here.

Everything is imported lazily: the modules behind these attributes are only loaded when a
rule asks for them.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, FrozenSet, List

#: subject -> attribute name -> "module:function" taking the entity
_ATTRS: Dict[str, Dict[str, str]] = {
    "function": {
        "can_run_away": "lambda_lint.iac.posture:can_run_away",
        "log_group": "lambda_lint.iac.logs:log_group_of",
    },
}

#: new subjects: name -> ("module:function" giving the entities of a model, "module:Class")
_SUBJECTS: Dict[str, tuple] = {
    "retrier": ("lambda_lint.iac.statemachine:retriers", "lambda_lint.iac.statemachine:Retrier"),
    "state_machine": ("lambda_lint.iac.statemachine:state_machines",
                      "lambda_lint.iac.statemachine:StateMachine"),
}

_RESOLVED: Dict[str, Any] = {}


def _load(ref: str) -> Any:
    if ref not in _RESOLVED:
        import importlib

        mod, _, name = ref.partition(":")
        _RESOLVED[ref] = getattr(importlib.import_module(mod), name)
    return _RESOLVED[ref]


def extra_attr(entity: Any, name: str) -> Any:
    """The value of an attribute registered for the entity's subject, or None (missing)."""
    ref = _ATTRS.get(entity.subject, {}).get(name)
    if ref is None:
        return None
    fn: Callable[[Any], Any] = _load(ref)
    return fn(entity)


def extra_entities(model: Any, subject: str) -> List[Any]:
    entry = _SUBJECTS.get(subject)
    if entry is None:
        return []
    return list(_load(entry[0])(model))


def subject_attrs(base: Dict[str, FrozenSet[str]]) -> Dict[str, FrozenSet[str]]:
    """The language's subjects and attribute names: the model's, plus the ones registered here."""
    out = dict(base)
    for subject, attrs in _ATTRS.items():
        out[subject] = frozenset(out.get(subject, frozenset())) | frozenset(attrs)
    for subject, (_, cls) in _SUBJECTS.items():
        out[subject] = frozenset(_load(cls).ATTRS) | frozenset(_ATTRS.get(subject, {}))
    return out
