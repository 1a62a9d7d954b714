"""LL305 first-record-only."""

from __future__ import annotations

from typing import Any


class FirstRecordOnly:
    """The handler reads only `Records[0]` while its trigger delivers batches.

    ## What it catches
    A handler (or the code it calls) that reads `event["Records"][0]` and never iterates
    the records, while an SQS, Kinesis or DynamoDB streams trigger delivers batches
    (`BatchSize` greater than 1; the defaults are 10 for SQS and 100 for streams). S3 and SNS
    deliver one record per event and are fine.

    ## Why it matters
    The function succeeds, so the whole batch is acknowledged: SQS deletes the other
    messages, a stream moves past the other records. Up to 99 of every 100 events are
    dropped silently.

    ## Example
    ```python
    def handler(event, context):
        body = json.loads(event["Records"][0]["body"])
    ```

    ## Fix
    Iterate: `for record in event["Records"]:`, or set `BatchSize: 1` on the trigger (and pay
    for one invocation per message).

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html
    - https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html
    """

    code = "LL305"
    name = "first-record-only"
    severity = "warning"
    summary = "the handler reads only Records[0] while its SQS/stream trigger delivers batches"

    def check(self, project: Any, out: Any) -> None:
        from lambda_lint.project.rules._common import (BATCH_KINDS, batch_size, functions_with_units, kind_name,
                                                       reachable_any, report_at_code_or_trigger)

        for lid, fn, unit in functions_with_units(project):
            if not reachable_any(unit, "reads_first_record") or reachable_any(unit, "iterates_records"):
                continue
            for trig in fn.triggers:
                if trig.kind not in BATCH_KINDS:  # SNS with SqsSubscription too: it delivers SQS batches
                    continue
                size = batch_size(project, trig)
                if size is None or size <= 1:
                    continue
                msg = (f"{lid}: handler reads only Records[0] but {kind_name(trig)} trigger {trig.name} delivers "
                       f"up to {size} records a batch, so the others are acknowledged and lost; iterate "
                       f"event['Records'] (or set BatchSize: 1)")
                report_at_code_or_trigger(out, self.code, lid, msg, trig, project.locator.first_record(unit),
                                          f"{lid}/{trig.name}")
                break
