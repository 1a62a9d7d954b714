"""The posture scope for rules written against ``can_run_away`` (LL218).

One definition, :func:`lambda_lint.iac.invocation.in_posture_scope` (issue 14): a function
with a stream, queue or asynchronous trigger, not a deploy-time-only custom resource
function, or every function with ``posture-scope = "all"``. ``can_run_away`` is that same
test under the name the log-retention rule reads well with.
"""

from __future__ import annotations

from typing import Any


def can_run_away(fn: Any) -> bool:
    from lambda_lint.iac.invocation import in_posture_scope

    return in_posture_scope(fn)
