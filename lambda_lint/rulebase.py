"""What a Python rule is, and the guard that turns a crashing rule into LL002.

A Python rule is a class with ``code``, ``name``, ``severity`` and optionally ``summary``
class attributes, a docstring in the ruff style (What it catches / Why it matters /
Example / Fix / References: it is what ``--explain`` prints) and a ``check`` method whose
arguments depend on its layer. Rule modules must not import libcst, PyYAML or cfn-lint at
module level: the registry imports them to list metadata, and start-up matters.
"""

from __future__ import annotations

from typing import Any, Callable

from lambda_lint.findings import Reporter


def run_guarded(reporter: Reporter, code: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run one rule; an exception becomes an LL002 finding naming the rule, never a crash."""
    try:
        return fn(*args, **kwargs)
    except RecursionError:
        reporter.report("LL002", 1, 1, f"rule {code} gave up on this file: it is nested too deeply (RecursionError)")
    except Exception as exc:  # noqa: BLE001 - the point is to survive any rule bug
        reporter.report(
            "LL002", 1, 1, f"rule {code} raised {type(exc).__name__}: {exc}; the other rules still ran",
            anchor=f"{code}:{type(exc).__name__}",
        )
    return None
