from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from lambda_lint.code.analysis import ModuleAnalysis
    from lambda_lint.findings import Reporter


class SwallowedException:
    """A broad except (or contextlib.suppress(Exception)) that silently discards the error.

    ## What it catches
    An `except` that catches broadly (bare `except:`, `Exception`, `BaseException`, or a tuple
    containing one of them) whose body does nothing observable: only `pass`, `...`,
    `continue`, `break`, a bare `return` / `return None`, or a string or constant.
    `with contextlib.suppress(Exception):` (or `BaseException`; `from contextlib import
    suppress` too) is the same swallow and is reported at the `with`.

    Not reported:
    - narrow excepts (`except KeyError: pass` is a decision, not an accident);
    - excepts that log, print, re-raise (`raise`, `raise X from exc`), return a value
      (an error response) or assign an error value;
    - best-effort cleanup: a swallow inside a `finally`, or inside an `except` that already
      handles the failure (logs, records or re-raises it), or around teardown calls only
      (`conn.close()`, `os.unlink(tmp)`, `.shutdown()`, `.disconnect()`; `.stop()`,
      `.delete()` and `.cancel()` only in a `finally` or teardown function, since they can
      be the work itself), or in a
      function that tears something down (`close`, `cleanup_*`, `__exit__`, `__del__`, an
      `atexit` hook; never the handler itself);
    - a try that only improves on a default the code after it reads
      (`region = DEFAULT` ... `try: region = imds.region()` / `except Exception: pass` ...
      `use(region)`): the failure keeps the default, like `except Exception: region = DEFAULT`;
    - the except that sends an unbounded retry loop round again: it is part of an LL102
      finding;
    - an except inside the per-record loop of a batch handler that drops the record: it is
      reported as the more specific LL106 (batch-error-swallowed).

    ## Why it matters
    A swallowed exception makes a failed invocation look like a success. Lambda then never
    retries it, never sends it to the DLQ or on-failure destination, and the `Errors` metric
    and its alarms stay flat while data is lost. When the error is in a loop, it usually
    hides a retry storm too.

    ## Example
    ```python
    def handler(event, context):
        try:
            save(event)
        except Exception:
            pass
    ```

    ## Fix
    Catch what you expect, and let the rest fail the invocation (or log and re-raise):
    ```python
    def handler(event, context):
        try:
            save(event)
        except DuplicateItem:
            logger.info("already saved")
        except Exception:
            logger.exception("save failed")
            raise
    ```

    ## References
    - Lambda error handling in Python: https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html
    - Retries and destinations: https://docs.aws.amazon.com/lambda/latest/dg/invocation-retries.html
    - flake8-bugbear B001 / ruff S110 (`try`-`except`-`pass`): https://docs.astral.sh/ruff/rules/try-except-pass/
    """

    code = "LL105"
    name = "swallowed-exception"
    severity = "warning"
    summary = "a broad except whose body does nothing observable, or contextlib.suppress(Exception)"

    def check(self, analysis: "ModuleAnalysis", reporter: "Reporter", options: Mapping[str, Any]) -> None:
        import libcst as cst

        from lambda_lint.code.analysis import block_body, dotted, is_broad_except, is_swallow_body
        from lambda_lint.code.checks import (dropped_record_excepts, function_name, is_best_effort_cleanup,
                                             is_best_effort_suppress, keeps_default, retry_loops, where)

        retried = {id(ex.node) for _, exs in retry_loops(analysis).values() for ex in exs}
        dropped = dropped_record_excepts(analysis)
        for ex in analysis.excepts:
            node = ex.node
            if not is_broad_except(node) or not is_swallow_body(block_body(node.body)):
                continue
            if id(node) in retried or id(node) in dropped or is_best_effort_cleanup(analysis, ex) \
                    or keeps_default(analysis, ex):
                continue
            caught = "everything" if node.type is None else analysis.code(node.type).strip()
            line, col, _, _ = analysis.position(node)
            reporter.report(
                self.code, line, col,
                f"{where(ex.func)}: except catching {caught} discards the error without a trace; a failure here "
                f"never reaches Lambda, so it triggers no retry, DLQ or error alarm; catch the exceptions you "
                f"expect, or log and re-raise",
                function=function_name(ex.func), anchor=f"{self.code}:{where(ex.func)}:{caught}",
            )
        for with_node, func in analysis.withs:
            for item in with_node.items:
                call = item.item
                if not isinstance(call, cst.Call):
                    continue
                if analysis.qualify(call.func) not in ("contextlib.suppress",):
                    continue
                names = [dotted(a.value) for a in call.args]
                if not any(n in ("Exception", "BaseException", "builtins.Exception") for n in names):
                    continue
                if is_best_effort_suppress(analysis, with_node, func):
                    continue
                line, col, _, _ = analysis.position(with_node)
                reporter.report(
                    self.code, line, col,
                    f"{where(func)}: contextlib.suppress({', '.join(n or '?' for n in names)}) discards every error "
                    f"in its block without a trace; a failure there never reaches Lambda, so it triggers no retry, "
                    f"DLQ or error alarm; suppress only the exceptions you expect",
                    function=function_name(func), anchor=f"{self.code}:{where(func)}:suppress",
                )
