"""LL303 batch-failures-not-returned."""

from __future__ import annotations

from typing import Any


class BatchFailuresNotReturned:
    """The trigger sets `ReportBatchItemFailures` but the handler never returns `batchItemFailures`.

    ## What it catches
    An SQS, Kinesis or DynamoDB streams trigger with `FunctionResponseTypes:
    [ReportBatchItemFailures]` whose handler (and the code it calls) never returns
    `batchItemFailures` and uses none of AWS Lambda Powertools' batch utilities
    (`process_partial_response`, `BatchProcessor`).

    ## Why it matters
    The setting promises partial batch responses that never come: a handler that catches a
    record's error and returns normally reports the whole batch as processed (the failed
    records are deleted or skipped), and one that raises retries the whole batch, successes
    included, so one poison message re-runs its batch until it expires.

    ## Example
    ```yaml
    Events:
      Queue:
        Type: SQS
        Properties:
          Queue: !GetAtt Jobs.Arn
          FunctionResponseTypes: [ReportBatchItemFailures]
    ```
    ```python
    def handler(event, context):
        for record in event["Records"]:
            process(record)
    ```

    ## Fix
    Collect the failed records' `messageId` (SQS) or `sequenceNumber` (streams) and return
    `{"batchItemFailures": [{"itemIdentifier": ...}]}`, or use Powertools'
    `process_partial_response`; or remove the setting.

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting
    - https://docs.powertools.aws.dev/lambda/python/latest/utilities/batch/
    """

    code = "LL303"
    name = "batch-failures-not-returned"
    severity = "warning"
    summary = "the trigger sets ReportBatchItemFailures but the handler never returns batchItemFailures"

    def check(self, project: Any, out: Any) -> None:
        from lambda_lint.project.rules._common import (batch_triggers_reporting, functions_with_units, key_pos,
                                                       kind_name, reachable_any, report_at_code_or_trigger)

        for lid, fn, unit in functions_with_units(project):
            if reachable_any(unit, "returns_batch_item_failures") or reachable_any(unit, "powertools_batch"):
                continue
            for trig in batch_triggers_reporting(project, fn, True):
                msg = (f"{lid}: {kind_name(trig)} trigger {trig.name} sets ReportBatchItemFailures but the handler "
                       f"{unit.handler}() never returns batchItemFailures, so a caught failure is reported as success "
                       f"(the record is lost) and a raised one retries the whole batch; return "
                       f"{{'batchItemFailures': [...]}} (or use Powertools process_partial_response)")
                f = unit.handler_facts or {}
                report_at_code_or_trigger(
                    out, self.code, lid, msg, trig, (unit.module, f["line"], 1) if f.get("line") else None,
                    f"{lid}/{trig.name}", key_pos(trig.props, "FunctionResponseTypes", (trig.line, trig.column)))
