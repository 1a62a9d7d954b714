from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from lambda_lint.code.analysis import ModuleAnalysis
    from lambda_lint.findings import Reporter


class UnboundedRetry:
    """A retry loop that catches an exception and goes round again, with the success path as its only way out.

    ## What it catches
    A loop that catches an exception and tries again (the `except` falls through,
    `continue`s, sleeps or logs) and that ends only when the call succeeds:
    - `while True:` (or `1`) and `for _ in itertools.count():` retry loops;
    - `while result is None:` / `while not done:` loops whose condition only changes on the
      success path (it is assigned in the `try` body or its `else`, never in the `except`).

    A loop is bounded, and not reported, when it has any of:
    - a finite `for` (`for attempt in range(N)`, `for url in urls`);
    - an attempt counter compared with a limit, in the `while` condition
      (`while attempts < N`) or in an `if` anywhere in the loop that raises, breaks or
      returns (`if attempt >= MAX: raise`);
    - a deadline check: `context.get_remaining_time_in_millis()`, `time.time()`,
      `time.monotonic()`, `datetime.now()` comparisons;
    - a re-raise in the `except` (a conditional re-raise after N tries counts, and so does one
      behind a flag computed from the time left). An `except` that re-raises only the other
      errors (`if code == "Throttling": sleep` / `else: raise`) still retries the errors it
      keeps forever, and is reported; one that keeps only an interrupted system call
      (`if e.errno == errno.EINTR: continue` / `raise`) restarts the call, and is not.

    Not a retry either:
    - an `except` that assigns a fallback and falls through to a `break`/`return` after the
      `try` (the loop is left whatever happened);
    - a `while` whose condition reads shared state (`while not self._coord.exception:`, an
      attribute or a call): the failure, another thread or the callee can end it; only a
      plain local assigned on the success path alone is proof;
    - a work-queue consumer: `job = q.get()` at the top of the body and an exit on it
      (`if job is None: return`); every round is a new job, not the same call again.

    The `except` must look like an outage: broad (bare, `Exception`, `BaseException`), or an
    I/O, network, HTTP-client or AWS SDK error (`OSError`, `ConnectionError`, `TimeoutError`,
    `requests.RequestException`, `urllib.error.URLError`, `botocore` `ClientError`, a
    `...ThrottlingException`, `...Timeout`, ...). A loop that catches `ValueError`,
    `IndexError` or `KeyError` while it parses its input is consuming data, not retrying a
    dependency, and a custom exception type says nothing either way: neither is reported.
    Your own client's error types count too once you name them (class names, or dotted):
    ```toml
    [tool.lambda-lint.options.LL102]
    retry-exceptions = ["PartnerUnavailable", "partner.errors.Throttled"]
    ```
    Excepts that catch only exceptions that are not failures of the work do not make a
    retry loop: `InterruptedError` (EINTR), `BlockingIOError`, `FileExistsError` (retry with
    a new name), `queue.Empty`, `StopIteration`, `CancelledError`, `KeyboardInterrupt`.

    A loop that is both this and LL101-shaped (a `while True` retry with no exit at all), or
    this and LL107-shaped (a polling loop that also retries an outage), is reported once,
    as LL102; the `except` that sends the loop round is not also reported as
    LL105 (swallowed-exception) or LL106 (batch-error-swallowed).

    ## Why it matters
    This is the seed incident of lambda-lint: a Kinesis-triggered handler retried a partner
    API in `while True` with a `break` only on success. When the partner went down, every
    invocation spun until its timeout, failed, and Kinesis retried the batch, for the
    record's whole retention, on every shard. Retrying inside the function multiplies the
    retries the trigger already does (2 for async events, up to `maxReceiveCount` for SQS,
    until expiry for streams), and it does so at full duration price.

    ## Example
    ```python
    def handler(event, context):
        while True:
            try:
                resp = partner.post(event)
                break
            except Exception:
                log.warning("partner down, retrying")
                time.sleep(1)
    ```

    ## Fix
    Bound the attempts and let the last failure surface, so the trigger's own retry policy,
    DLQ and on-failure destination take over:
    ```python
    def handler(event, context):
        for attempt in range(3):
            try:
                return partner.post(event)
            except PartnerError:
                if attempt == 2:
                    raise
                time.sleep(2 ** attempt)
    ```
    Or use a library with a stop condition (tenacity `stop_after_attempt`, botocore's
    retry configuration).

    ## References
    - Lambda retry behaviour: https://docs.aws.amazon.com/lambda/latest/dg/invocation-retries.html
    - Kinesis error handling: https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html#services-kinesis-errors
    - Timeouts, retries and backoff with jitter: https://aws.amazon.com/builders-library/timeouts-retries-and-backoff-with-jitter/
    """

    code = "LL102"
    name = "unbounded-retry"
    severity = "error"
    summary = "a loop that catches an exception and retries with no attempt limit, deadline or re-raise"
    options = {"retry-exceptions": []}

    def check(self, analysis: "ModuleAnalysis", reporter: "Reporter", options: Mapping[str, Any]) -> None:
        import libcst as cst

        from lambda_lint.code.checks import caught_names, function_name, has_own_exit, is_never_ending, retry_loops, where

        for loop, excepts in sorted(retry_loops(analysis).values(), key=lambda v: analysis.position(v[0].node)):
            node = loop.node
            if isinstance(node, cst.While):
                what = f"while {analysis.code(node.test).strip()} loop"
            else:
                what = f"for loop over {analysis.code(node.iter).strip()}"
            leaves = has_own_exit(analysis, loop) or not is_never_ending(analysis, loop)
            exits = "and only leaves on success" if leaves else "and never leaves"
            line, col, _, _ = analysis.position(node)
            eline = analysis.position(excepts[0].node)[0]
            named = caught_names(analysis, excepts)
            caught = f"on {named}" if named else "on every exception"
            reporter.report(
                self.code, line, col,
                f"{where(loop.func)}: {what} retries {caught} (except at line {eline}) {exits}; an "
                f"outage keeps the function running until its timeout on every invocation (and the trigger "
                f"retries it); bound it with for attempt in range(N), a deadline check or a re-raise",
                function=function_name(loop.func), anchor=f"{self.code}:{where(loop.func)}:{what}",
            )
