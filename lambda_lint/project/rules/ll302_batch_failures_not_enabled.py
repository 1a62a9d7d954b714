"""LL302 batch-failures-not-enabled."""

from __future__ import annotations

from typing import Any


class BatchFailuresNotEnabled:
    """The handler returns `batchItemFailures` but its trigger does not ask for them.

    ## What it catches
    A handler that returns `{"batchItemFailures": [...]}` (or uses AWS Lambda Powertools'
    `process_partial_response` / `BatchProcessor`) while its SQS, Kinesis or DynamoDB
    streams trigger lacks `FunctionResponseTypes: [ReportBatchItemFailures]`. It needs the
    handler's code: a `CodeUri` that is a `.zip` (or an S3 URI, an image) leaves the code
    unknown, and the rule says nothing.

    ## Why it matters
    Without the setting Lambda ignores the response: a returned list of failed items reads as
    a complete success, so SQS deletes the failed messages and a stream moves past the
    failed records. They are lost without a trace, and the DLQ or on-failure destination never
    sees them.

    ## Example
    ```yaml
    Events:
      Queue:
        Type: SQS
        Properties: {Queue: !GetAtt Jobs.Arn}
    ```
    ```python
    def handler(event, context):
        failures = []
        ...
        return {"batchItemFailures": failures}
    ```

    ## Fix
    Add `FunctionResponseTypes: [ReportBatchItemFailures]` to the trigger.

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting
    - https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html
    """

    code = "LL302"
    name = "batch-failures-not-enabled"
    severity = "error"
    summary = "the handler returns batchItemFailures but the trigger lacks ReportBatchItemFailures"

    def check(self, project: Any, out: Any) -> None:
        from lambda_lint.project.rules._common import (batch_triggers_reporting, functions_with_units, kind_name,
                                                       reachable_any, report_at_code_or_trigger)

        for lid, fn, unit in functions_with_units(project):
            if not reachable_any(unit, "returns_batch_item_failures"):
                continue
            for trig in batch_triggers_reporting(project, fn, False):
                msg = (f"{lid}: the handler returns batchItemFailures but its {kind_name(trig)} trigger {trig.name} "
                       f"lacks FunctionResponseTypes: [ReportBatchItemFailures], so Lambda reads every batch as a "
                       f"success and the failed records are lost; add FunctionResponseTypes: [ReportBatchItemFailures]")
                report_at_code_or_trigger(out, self.code, lid, msg, trig, project.locator.bif_return(unit),
                                          f"{lid}/{trig.name}")
