from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from lambda_lint.code.analysis import ModuleAnalysis
    from lambda_lint.findings import Reporter


class BatchErrorSwallowed:
    """In a batch handler, a broad except inside the per-record loop drops the failed record.

    ## What it catches
    In a function that iterates the batch (`for record in event["Records"]`,
    `event.get("Records")`, `records = event["Records"]; for r in records`,
    `enumerate(...)` of those), a broad `except` (bare, `Exception`, `BaseException`) inside
    the per-record loop that does none of:
    - re-raise (any `raise` in the except);
    - record a batch item failure: append to a list that flows into the returned
      `batchItemFailures` (a list under another key, such as an `errors` field of the
      response body, reports nothing), or mention `batchItemFailures` / `itemIdentifier` in
      the except;
    - send the record elsewhere: a boto3 send/put call (`send_message`, `put_record(s)`,
      `publish`, `put_item`, `put_object`, `put_events`, `start_execution`, ...) or a call to a
      function whose name says so (`send_to_dlq`, `record_failure`, `requeue`, ...).

    Not a drop: an except that substitutes a fallback value that the code after the `try`
    goes on processing (`except ValueError: payload = {"raw": body}` then `save(payload)`;
    a constant such as `status = "failed"` is a status, not a fallback, and still a drop),
    and a `try` nested in an outer `except` (or `finally`): the outer one decides.

    Logging is not enough: the log line is all that is left of the record. Such an except
    is reported as LL106 only, not also as LL105; an except that makes an inner retry loop
    unbounded is reported as LL102 instead.

    ## Why it matters
    For SQS, Kinesis and DynamoDB streams, a batch handler that returns normally acknowledges
    every record in the batch: SQS deletes the messages, streams advance the iterator. A
    record whose processing failed is then gone: no retry, no DLQ, no on-failure
    destination, no `Errors` metric.

    ## Example
    ```python
    def handler(event, context):
        for record in event["Records"]:
            try:
                process(json.loads(record["body"]))
            except Exception:
                logger.exception("bad record")
    ```

    ## Fix
    Report partial batch failures (and set `FunctionResponseTypes: [ReportBatchItemFailures]`
    on the trigger), or use Powertools' `BatchProcessor`:
    ```python
    def handler(event, context):
        failures = []
        for record in event["Records"]:
            try:
                process(json.loads(record["body"]))
            except Exception:
                logger.exception("bad record")
                failures.append({"itemIdentifier": record["messageId"]})
        return {"batchItemFailures": failures}
    ```

    ## References
    - SQS partial batch responses: https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting
    - Kinesis partial batch responses: https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html
    - Powertools batch processing: https://docs.powertools.aws.dev/lambda/python/latest/utilities/batch/
    """

    code = "LL106"
    name = "batch-error-swallowed"
    severity = "warning"
    summary = "a broad except in the per-record loop of a batch handler that drops the record"

    def check(self, analysis: "ModuleAnalysis", reporter: "Reporter", options: Mapping[str, Any]) -> None:
        from lambda_lint.code.checks import dropped_record_excepts, function_name, where

        for ex, _loop in sorted(dropped_record_excepts(analysis).values(),
                                key=lambda v: analysis.position(v[0].node)):
            line, col, _, _ = analysis.position(ex.node)
            reporter.report(
                self.code, line, col,
                f"{where(ex.func)}: a failed record is caught here and dropped while the batch reports success "
                f"(SQS deletes it, streams move on); re-raise, append it to batchItemFailures and return them "
                f"(with ReportBatchItemFailures on the trigger), or send it to a DLQ",
                function=function_name(ex.func), anchor=f"{self.code}:{where(ex.func)}",
            )
