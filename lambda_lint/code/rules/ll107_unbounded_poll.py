from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from lambda_lint.code.analysis import ModuleAnalysis
    from lambda_lint.findings import Reporter


class UnboundedPoll:
    """A polling loop that leaves only when the answer is the success value, with no limit, deadline or failure exit.

    ## What it catches
    A loop that asks a service (or any call) for a state every round, sleeps, and leaves
    only when the answer is the one it hopes for:
    - `while True:` (or `1`, `itertools.count()`) whose every `break`/`return` is behind a
      positive test of what this round polled: `if status == "READY": break`,
      `if job.done(): return`, `if resp["Status"] in ("ACTIVE", "AVAILABLE"): break`;
    - `while status != "COMPLETE":`, `while status not in ("ACTIVE",)`, `while not ready:`,
      `while result is None:` loops whose condition is re-read from a call in the body;

    with a sleep in the loop (`time.sleep`, `asyncio.sleep`, any `.sleep(...)`) and none of:
    - an attempt counter compared with a limit (`attempts < 30`, `if tries >= MAX: break`);
    - a deadline (`context.get_remaining_time_in_millis()`, `time.time()`/`monotonic()`
      comparisons);
    - an exit or a `raise` on a failure state (`if status == "FAILED": raise`, a test that
      names `FAILED`, `ERROR`, `CANCELLED`, `TIMED_OUT`, `ROLLBACK`...).

    Not reported: pagination and draining loops that end when a token or a page is missing
    (`if not token: break`, `while "NextToken" in resp`), loops that leave on any state but
    the running one (`while status == "RUNNING"`, `if status != "PENDING": break`),
    `for attempt in range(N)`, and boto3 waiters (`client.get_waiter(...).wait(...)`, which
    have their own `MaxAttempts`).

    How it relates to the other loop rules, so that one loop gets one finding: a loop with
    no exit at all is LL101 (unbounded-loop); a polling loop that also catches an outage and
    goes round is LL102 (unbounded-retry); LL107 is the rest: a loop with an exit that only
    success can take.

    ## Why it matters
    If the job fails, is stuck, or the resource never reaches the hoped-for state, the loop
    polls until the function times out (up to 15 minutes of billed duration), the
    invocation fails, and a retrying trigger starts it again: twice more for async events,
    until `maxReceiveCount` for SQS, until the record expires for streams. Each retry polls
    the same dead job, and the polling calls themselves can be throttled or billed.

    ## Example
    ```python
    def handler(event, context):
        job_id = glue.start_job_run(JobName=JOB)["JobRunId"]
        while True:
            state = glue.get_job_run(JobName=JOB, RunId=job_id)["JobRun"]["JobRunState"]
            if state == "SUCCEEDED":
                break
            time.sleep(20)
    ```

    ## Fix
    Leave on failure states, and bound the wait by attempts or by the time left; for long
    waits, use a boto3 waiter or a Step Functions wait state instead of billed sleep:
    ```python
    def handler(event, context):
        job_id = glue.start_job_run(JobName=JOB)["JobRunId"]
        while context.get_remaining_time_in_millis() > 30_000:
            state = glue.get_job_run(JobName=JOB, RunId=job_id)["JobRun"]["JobRunState"]
            if state == "SUCCEEDED":
                return
            if state in ("FAILED", "ERROR", "STOPPED", "TIMEOUT"):
                raise RuntimeError(f"job {job_id} ended {state}")
            time.sleep(20)
        raise TimeoutError(f"job {job_id} still running")
    ```

    ## References
    - Lambda timeouts and billing: https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html
    - boto3 waiters: https://boto3.amazonaws.com/v1/documentation/api/latest/guide/clients.html#waiters
    - Step Functions wait-for-job patterns: https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-sync
    - Lambda retry behaviour: https://docs.aws.amazon.com/lambda/latest/dg/invocation-retries.html
    """

    code = "LL107"
    name = "unbounded-poll"
    severity = "warning"
    summary = "a polling loop that leaves only on the success value, with no attempt limit, deadline or failure exit"

    def check(self, analysis: "ModuleAnalysis", reporter: "Reporter", options: Mapping[str, Any]) -> None:
        import libcst as cst

        from lambda_lint.code.checks import function_name, poll_loops, where

        for loop, call in sorted(poll_loops(analysis).values(), key=lambda v: analysis.position(v[0].node)):
            node = loop.node
            if isinstance(node, cst.While):
                what = f"while {analysis.code(node.test).strip()} loop"
            else:
                what = f"for loop over {analysis.code(node.iter).strip()}"
            polled = analysis.code(call.func).strip()
            line, col, _, _ = analysis.position(node)
            reporter.report(
                self.code, line, col,
                f"{where(loop.func)}: {what} polls {polled}() and leaves only on success, sleeping otherwise; "
                f"no attempt limit, deadline or failure state ends it, so a failed or stuck job keeps the function "
                f"running until its timeout (and the trigger retries it); bound it with for attempt in range(N) or "
                f"context.get_remaining_time_in_millis(), raise on failure states, or use a waiter or a Step "
                f"Functions wait",
                function=function_name(loop.func), anchor=f"{self.code}:{where(loop.func)}:{what}",
            )
