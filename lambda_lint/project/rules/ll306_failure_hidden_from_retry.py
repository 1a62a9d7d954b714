"""LL306 failure-hidden-from-retry."""

from __future__ import annotations

from typing import Any


class FailureHiddenFromRetry:
    """A retried handler catches every exception at its top level and returns normally.

    ## What it catches
    A handler whose trigger retries on failure (async: S3, SNS, EventBridge, schedules...;
    streams; SQS) with a top-level `try` whose broad `except` (bare, `Exception`,
    `BaseException`) returns normally: no re-raise and no `batchItemFailures`. Handlers behind
    an API (sync) that return an error response (`statusCode` 500) are fine, and AWS Lambda
    Powertools' batch utilities (`process_partial_response`, `BatchProcessor`) count as
    reporting failures.
    Not a catch-all either: an `except` that substitutes a fallback for what the `try`
    computes (not a constant status) and falls through to more work that uses it (a
    failure there still fails the invocation), or one that
    forwards the failure (a boto3 send/put such as a DLQ message or a Config
    `put_evaluations`, or a call named for it such as `send_task_failure`).
    Nor an async trigger that the template itself gives no second chance: an
    `EventInvokeConfig` with `MaximumRetryAttempts: 0` and neither an `OnFailure` destination
    nor a dead-letter queue (a failure would be dropped just the same; the author chose that).

    ## Why it matters
    Lambda only sees a success. The retries, the dead-letter queue and the on-failure
    destination configured in the template never fire, and the event is lost: the template's
    safety net is cut by one `except`.

    ## Example
    ```python
    def handler(event, context):
        try:
            process(event)
        except Exception:
            logger.exception("failed")
            return {"ok": False}
    ```

    ## Fix
    Log and re-raise (`raise`), or for SQS/streams return `batchItemFailures` for the
    failed records.

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
    - https://docs.aws.amazon.com/lambda/latest/dg/invocation-retries.html
    """

    code = "LL306"
    name = "failure-hidden-from-retry"
    severity = "warning"
    summary = "a retried handler catches everything at its top level and returns normally"

    def check(self, project: Any, out: Any) -> None:
        from lambda_lint.project.rules._common import (functions_with_units, kind_name, reachable_any,
                                                       report_at_code_or_trigger)

        for lid, fn, unit in functions_with_units(project):
            f = unit.handler_facts or {}
            catch = f.get("catch_all")
            if not catch:
                continue
            if reachable_any(unit, "returns_batch_item_failures") or reachable_any(unit, "powertools_batch"):
                continue
            async_net = _async_safety_net(project.model, fn)
            retrying = [t for t in fn.triggers
                        if t.trigger_class in ("stream", "queue") or (t.trigger_class == "async" and async_net)]
            if not retrying:
                continue
            if catch.get("returns_http_error") and any(t.trigger_class == "sync" for t in fn.triggers):
                continue
            trig = retrying[0]
            msg = (f"{lid}: the handler {unit.handler}() catches every exception at its top level and returns normally, "
                   f"so its {kind_name(trig)} trigger {trig.name} records a success: retries, DLQ and on-failure "
                   f"destination never fire and the event is lost; re-raise after logging"
                   + (" (or return batchItemFailures)" if trig.trigger_class != "async" else ""))
            report_at_code_or_trigger(out, self.code, lid, msg, trig,
                                      (unit.module, catch["line"], catch["column"]), lid)


def _async_safety_net(model: Any, fn: Any) -> bool:
    """Whether an async invocation that fails gets anything: a retry, an on-failure
    destination or a DLQ. False only when the covering config says `MaximumRetryAttempts: 0`
    (a literal) and there is neither; anything unknown counts as a safety net."""
    from lambda_lint.project.model import resolve_literal

    cfg = fn.invoke_config
    props = cfg.props if cfg is not None and isinstance(cfg.props, dict) else None
    if props is None or "MaximumRetryAttempts" not in props:
        return True
    retries = resolve_literal(model, props.get("MaximumRetryAttempts"))
    if retries is None or isinstance(retries, bool) or str(retries) != "0":
        return True
    dc = props.get("DestinationConfig")
    if dc is not None and (not isinstance(dc, dict) or dc.get("OnFailure") is not None):
        return True
    return fn.prop("DeadLetterQueue" if fn.is_sam else "DeadLetterConfig") is not None
