"""LL301 trigger-feedback-loop."""

from __future__ import annotations

from typing import Any


class TriggerFeedbackLoop:
    """A function's code writes to a resource that triggers itself, directly or through other functions.

    ## What it catches
    A cycle in the event graph that the code makes: a function writes to a bucket, queue,
    topic, stream, table (with a stream), delivery stream or event bus, and that resource
    triggers the same function again, directly or through other functions. Every write on
    the cycle is proven: a boto3 call in the handler or in code it calls (in its module or in
    modules under the same `CodeUri`) whose target resolves to a template resource (through
    `Environment.Variables` and `!Ref`/`!GetAtt`/`!Sub`, module constants, helper parameters,
    literals equal to a resource's physical name, or the triggering event itself), or template
    wiring that is a write (an SNS subscription of a queue, an EventBridge rule target, a
    Pipe, a Firehose delivery stream, a Step Functions task). A permission alone is not a
    write: cycles that exist only through IAM grants are LL307 (off by default).

    Filters break the cycle when what is written provably misses them: S3 key prefix/suffix
    filters (keys followed through locals, f-strings, `str.format`, `%`, `os.path.join`,
    module constants, environment values, helper parameters and returns, `key.replace(...)`
    of the incoming key), S3 event types, EventBridge patterns (`source`, `detail-type`,
    `detail`: exact values, `prefix`, `suffix`, `anything-but`, lists) against `put_events`
    entries, SNS `FilterPolicy` against `MessageAttributes`, and event-source-mapping
    `FilterCriteria` against a literal item or message written. A write whose value can't be
    resolved stays a loop, and the message says what could not be resolved.

    Guards bound a loop: a write that happens only for records of another kind than the one
    it writes (`if pk.startswith("product#")` while writing a `total#` row) costs one extra
    round and is reported as `info`; a hop counter checked before the write
    (`if event["hops"] >= MAX_HOPS: return`) bounds intentional recursion and is silent.

    The message names the whole cycle and the API calls (`UpdateItem`, `PutObject`), and says
    whether AWS's runtime recursive loop detection would stop it.

    ## Why it matters
    Every round of the loop is another invocation (and another write, another event), at
    full concurrency, until someone notices. AWS's recursive loop detection stops loops
    through Lambda, SQS, SNS and S3 only after about 16 invocations, and only with a recent
    SDK in the function; it does not see loops through DynamoDB or Kinesis streams,
    EventBridge, Step Functions or Pipes, nor any loop of a function with
    `RecursiveLoop: Allow`: a stream handler updating its own table can run for days.

    ## Example
    ```yaml
    ThumbnailFunction:
      Type: AWS::Serverless::Function
      Properties:
        Environment: {Variables: {OUTPUT_BUCKET: !Ref PhotoBucket}}
        Events:
          Upload: {Type: S3, Properties: {Bucket: !Ref PhotoBucket, Events: s3:ObjectCreated:*}}
    ```
    ```python
    s3.put_object(Bucket=os.environ["OUTPUT_BUCKET"], Key=f"thumbs/{key}", Body=data)
    ```

    ## Fix
    Write to another bucket (or queue, topic, table), or give the trigger a filter that the
    writes avoid (an S3 prefix `uploads/` in and `thumbnails/` out; an ESM `FilterCriteria`
    on the record type; an EventBridge pattern on a `source` the function does not send). For
    intentional re-processing, carry a hop counter in the message and stop at a limit.

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/invocation-recursion.html
    - https://docs.aws.amazon.com/lambda/latest/dg/with-s3-tutorial.html#with-s3-tutorial-recursion
    - https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html
    """

    code = "LL301"
    name = "trigger-feedback-loop"
    severity = "error"
    summary = "a function's code writes to what triggers it again (a cycle in the event graph)"

    def check(self, project: Any, out: Any) -> None:
        from lambda_lint.findings import Severity
        from lambda_lint.project.rules import _loops as L

        for cycle in project.graph.cycles():
            if cycle.policy_only:
                continue  # LL307
            if cycle.bounded and not cycle.bounded.startswith("one extra round"):
                continue  # a hop counter bounds it
            rc, in_code = L.rotate(cycle)
            if not in_code:
                k = L.first_trigger_step(project, rc)
                from lambda_lint.project.graph import Cycle

                rc = Cycle(rc.steps[k:] + rc.steps[:k], rc.bounded, rc.bounded_at)
            severity = Severity.INFO if rc.bounded else None
            if rc.bounded:
                tail = f"{rc.bounded}; {_filter_hint(rc)} saves that invocation"
            else:
                tail = (f"every round bills another invocation; {L.detection(project, rc)}; write to another "
                        f"resource or prefix, or add a trigger filter that the writes avoid")
            message = f"feedback loop {rc.text()}: {L.what(rc)}{L.notes(rc)}; {tail}"
            related = L.related(project, out, rc)
            anchor = "LL301:" + rc.text()
            resource = L.resource_of(rc)
            h0 = rc.steps[0]
            w0 = h0.write
            if in_code:
                call = w0.call
                out.code(self.code, w0.module, call["line"], call["column"], message, function=w0.function,
                         severity=severity, related=related, anchor=anchor, resource=resource,
                         end_line=call.get("end_line"), end_column=call.get("end_column"))
            else:
                line, col = L.trigger_pos(project, rc.steps[0])
                out.template(self.code, line, col, message, function=rc.steps[0].target, severity=severity,
                             related=related, anchor=anchor, resource=resource)


def _filter_hint(cycle: Any) -> str:
    t = cycle.steps[-1].trigger
    label = t.label if t is not None else ""
    if label.startswith("s3:"):
        return "an S3 key prefix/suffix filter on the trigger"
    if label == "events:rule":
        return "a narrower event pattern on the rule"
    if label == "sns":
        return "a FilterPolicy on the subscription"
    return "a FilterCriteria on the trigger"
