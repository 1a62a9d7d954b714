"""Template ``Conditions`` and the scenarios the evaluator tries for ``Fn::If``.

A value under ``Fn::If`` is neither of its branches until the stack is deployed. Counting it
as "set" (what a plain lookup does) lets ``!If [IsProd, 3, -1]`` silence a rule that the
non-prod stack breaks; guessing one branch is wrong half the time. So a rule is evaluated
once per scenario (a truth value for each undecided condition it met), and a finding applies
when any scenario fails, naming the condition ("when `IsProd` is false").

A condition is decided without a scenario when the parameter defaults decide it
(``!Equals [!Ref Env, prod]`` with ``Env`` defaulting to ``dev`` is false): the issue's rule,
and what a deploy without overrides does.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

#: a rule meets at most this many undecided conditions on one subject before we stop forking
MAX_FORKED = 4
MAX_SCENARIOS = 16


class Conditions:
    """Truth values of the template's ``Conditions`` under the resolver's scenario."""

    def __init__(self, raw: Dict[str, Any], resolver: Any) -> None:
        self.raw = raw
        self.resolver = resolver
        self._active: set = set()

    def value(self, name: str) -> Optional[bool]:
        """True/False when decided (by the scenario, or the parameter defaults), else None."""
        scenario = self.resolver.scenario
        if name in scenario:
            return scenario[name]
        if name not in self.raw or name in self._active:
            return None
        self._active.add(name)
        try:
            return self._eval(self.raw[name], 0)
        finally:
            self._active.discard(name)

    def _eval(self, expr: Any, depth: int) -> Optional[bool]:
        if depth > 20 or not isinstance(expr, dict) or len(expr) != 1:
            return None
        key, arg = next(iter(expr.items()))
        if key == "Condition" and isinstance(arg, str):
            return self.value(arg)
        if key == "Fn::Equals" and isinstance(arg, list) and len(arg) == 2:
            a, b = (self.resolver.resolve(x) for x in arg)
            if a.is_literal and b.is_literal and not isinstance(a.value, (dict, list)) \
                    and not isinstance(b.value, (dict, list)):
                return _text(a.value) == _text(b.value)
            return None
        if key == "Fn::Not" and isinstance(arg, list) and len(arg) == 1:
            v = self._eval(arg[0], depth + 1)
            return None if v is None else not v
        if key in ("Fn::And", "Fn::Or") and isinstance(arg, list) and arg:
            values = [self._eval(x, depth + 1) for x in arg]
            if key == "Fn::And":
                if any(v is False for v in values):
                    return False
                return True if all(v is True for v in values) else None
            if any(v is True for v in values):
                return True
            return False if all(v is False for v in values) else None
        return None


def _text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


Scenario = Dict[str, bool]


def scenarios(resolver: Any, run: Callable[[], Any]) -> List[Tuple[Scenario, Any]]:
    """Run ``run()`` under every scenario of the undecided conditions it meets.

    Starts with no assumption; each undecided condition ``run`` meets splits the scenario in
    two (true / false). Returns the leaves: (scenario, result). Nested ``Fn::If`` are met only
    in the branch that holds them, so the tree stays small; it is capped all the same.
    """
    pending: List[Scenario] = [{}]
    leaves: List[Tuple[Scenario, Any]] = []
    saved = resolver.scenario, resolver.encountered
    try:
        while pending:
            scen = pending.pop(0)
            resolver.scenario = scen
            resolver.encountered = set()
            result = run()
            new = sorted(c for c in resolver.encountered if c not in scen)
            if new and len(scen) < MAX_FORKED and len(leaves) + len(pending) + 2 <= MAX_SCENARIOS:
                pending.append({**scen, new[0]: True})
                pending.append({**scen, new[0]: False})
            else:
                leaves.append((scen, result))
    finally:
        resolver.scenario, resolver.encountered = saved
    return leaves


def describe(scen: Scenario) -> str:
    """``when `IsProd` is false`` (and ``and`` for more)."""
    parts = [f"`{name}` is {'true' if val else 'false'}" for name, val in scen.items()]
    return "when " + " and ".join(parts) if parts else ""
