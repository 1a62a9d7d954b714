"""The posture scope: which functions can run away on their own.

A function invoked only synchronously (API Gateway, ALB, a function URL) or only at deploy
time has a caller that waits for the answer: an error goes back to that caller, and nothing
retries it on the function's behalf. A function with a **stream**, **queue** or
**asynchronous** trigger is retried by AWS itself (until the record expires, the message's
retention ends, or the async retries run out), so a bug becomes a bill without anyone
calling. The posture rules (LL218, and LL208-LL211 per ``posture-scope``) apply by default
to these functions only.

Kept apart from the model on purpose: the lead reconciles this with the posture-scope work
of issue 14 (``--posture-scope runaway|all``) at merge.
"""

from __future__ import annotations

from typing import Any

RUNAWAY_CLASSES = frozenset({"stream", "queue", "async"})


def can_run_away(fn: Any) -> bool:
    """True when a trigger of the function is a stream, a queue or an asynchronous source."""
    return any(t.trigger_class in RUNAWAY_CLASSES for t in fn.triggers)
