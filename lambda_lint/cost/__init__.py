"""Edges: the worst-case impact of runaway-class findings (issue 18).

    lambda_lint.cost.impact.annotate(result, config) -> RunResult   # RUNAWAY findings gain an ``impact``

Why it is computed after the run, in the edge layer: the impact needs the function a finding
belongs to (its memory, timeout, architecture, triggers, reserved concurrency), which for a
code finding is known only by joining the handler file with its template; and it is a
presentation of a finding, never a reason for one. :mod:`.pricing` holds the arithmetic and
its assumptions; :mod:`.impact` finds the function and its triggers.
"""

from __future__ import annotations

#: the rules whose findings carry an impact: each can keep a function running and billing
RUNAWAY = frozenset({"LL102", "LL107", "LL201", "LL202", "LL205", "LL206", "LL214", "LL217", "LL301"})
