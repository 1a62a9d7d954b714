from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from lambda_lint.code.analysis import ModuleAnalysis
    from lambda_lint.findings import Reporter


class UnboundedLoop:
    """A loop that can never end: `while True` (or `1`, or a non-empty literal) or a `for` over a never-ending iterator, with no way out.

    ## What it catches
    A `while` loop whose condition is constant-true (`True`, `1`, a non-empty string, tuple,
    list or dict literal), or a `for` loop over a never-ending iterator
    (`itertools.count()`, `itertools.cycle(...)`, `itertools.repeat(x)` without a count;
    `from itertools import count` too), whose body has no `break`, `return`, `raise`,
    `sys.exit()`/`os._exit()` of its own. A `break` inside a nested loop does not count (it
    leaves only the inner loop), nor does anything inside a nested function or class; a
    `return`, `raise` or `sys.exit()` inside a nested loop does count (it leaves every
    enclosing loop), and so does a `break` in the `else:` of a nested loop (it belongs to
    the outer loop).

    Not reported:
    - `while True` pagination and polling loops that `break` or `return` somewhere (a
      polling loop whose only exit is the success value is LL107, unbounded-poll);
    - `iter(callable, sentinel)`, which ends at the sentinel;
    - generator loops that `yield` (the consumer decides when to stop);
    - loops inside a `try` whose `except` clauses are all narrow: the expected exception
      ends the loop (`try: while True: q.get_nowait()` / `except queue.Empty:`);
    - loops that are also unbounded retries: they are reported once, as the more specific
      LL102 (unbounded-retry).

    The rule applies to every function in the file, not only handlers: any code in a Lambda
    deployment package runs inside some invocation and is billed by the millisecond.

    ## Why it matters
    Lambda bills duration in 1 ms steps up to the function's timeout (max 900 s). A loop that
    cannot end runs every invocation to its timeout; the invocation then fails, and the
    trigger retries it: async events twice more by default, SQS until the message's retention
    ends, Kinesis and DynamoDB streams until the record expires (24 h to 365 days by
    default), blocking the shard all the while. With 1,000 concurrent executions at 10 GB,
    that is about $600 an hour of pure spin.

    ## Example
    ```python
    def handler(event, context):
        while True:
            for msg in poll():
                if msg == "done":
                    break          # leaves the for, not the while
            time.sleep(1)
    ```

    ## Fix
    Give the loop an exit: a `break`/`return` when the work is done, a bounded
    `for attempt in range(N)`, or a deadline check such as
    `if context.get_remaining_time_in_millis() < 10_000: return`.
    ```python
    def handler(event, context):
        while context.get_remaining_time_in_millis() > 10_000:
            if any(msg == "done" for msg in poll()):
                return
            time.sleep(1)
    ```

    ## References
    - Lambda timeouts and billing: https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html
    - Lambda pricing: https://aws.amazon.com/lambda/pricing/
    - Stream retries: https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html#services-kinesis-errors
    - `itertools.count`: https://docs.python.org/3/library/itertools.html#itertools.count
    """

    code = "LL101"
    name = "unbounded-loop"
    severity = "error"
    summary = "a while True / itertools.count() loop with no break, return, raise or exit of its own"

    def check(self, analysis: "ModuleAnalysis", reporter: "Reporter", options: Mapping[str, Any]) -> None:
        import libcst as cst

        from lambda_lint.code.checks import (ended_by_expected_exception, function_name, has_own_exit,
                                             has_own_yield, is_never_ending, retry_loops, where)

        retry = retry_loops(analysis)
        for loop in analysis.loops:
            if not is_never_ending(analysis, loop) or id(loop.node) in retry:
                continue
            if has_own_exit(analysis, loop) or has_own_yield(loop) or ended_by_expected_exception(loop):
                continue
            line, col, eline, ecol = analysis.position(loop.node)
            if isinstance(loop.node, cst.While):
                what = f"while {analysis.code(loop.node.test).strip()} loop"
            else:
                what = f"for loop over {analysis.code(loop.node.iter).strip()}"
            reporter.report(
                self.code, line, col,
                f"{where(loop.func)}: {what} has no break, return, raise or exit of its own; it runs until the "
                f"function times out on every invocation (and the trigger retries it); add an exit or bound it "
                f"with for _ in range(N) or a deadline check",
                function=function_name(loop.func), anchor=f"{self.code}:{where(loop.func)}:{what}",
            )
