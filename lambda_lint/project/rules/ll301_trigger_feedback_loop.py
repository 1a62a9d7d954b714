"""LL301 trigger-feedback-loop."""

from __future__ import annotations

from typing import Any, List, Tuple


class TriggerFeedbackLoop:
    """A function writes to a resource that triggers itself, directly or through other functions.

    ## What it catches
    A cycle in the event graph: a function writes to a bucket, queue, topic, stream, table
    (with a stream) or event bus, and that resource triggers the same function again,
    directly or through other functions. The write is a boto3 call in the handler (or in code
    the handler calls, in its module or in modules under the same `CodeUri`) whose target
    resolves to a template resource: through `Environment.Variables` and
    `!Ref`/`!GetAtt`/`!Sub`, through module constants, through a literal equal to the
    resource's physical name, or straight from the triggering event (an S3 handler writing to
    `record["s3"]["bucket"]["name"]` writes to its trigger bucket). Where the function's code
    can't be resolved, an IAM/SAM policy granting writes to the trigger resource stands in for
    it and the cycle is reported as a `warning`. S3 key prefix/suffix filters that the written
    keys provably avoid (`Key=f"thumbnails/{name}"` against a trigger on `uploads/`), S3 event
    types the write does not cause, and EventBridge patterns the event's literal `Source` or
    `DetailType` does not match break the cycle. One finding per elementary cycle; the message
    names the whole cycle in order.

    ## Why it matters
    Every round of the loop is another invocation (and another write, another event), at
    full concurrency, until someone notices. AWS's recursive loop detection stops loops
    through SQS, SNS, S3 and Lambda only after about 16 rounds, and not at all for loops
    through Kinesis or DynamoDB streams or EventBridge: a thumbnail function writing to its
    own upload bucket can run up thousands of dollars overnight.

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
    Write to another bucket (or queue, topic, table), or give the trigger a key prefix/suffix
    filter that the writes avoid (`uploads/` in, `thumbnails/` out). For intentional
    re-processing, carry a hop counter in the message and stop at a limit.

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/invocation-recursion.html
    - https://docs.aws.amazon.com/lambda/latest/dg/with-s3-tutorial.html#with-s3-tutorial-recursion
    """

    code = "LL301"
    name = "trigger-feedback-loop"
    severity = "error"
    summary = "a function's writes trigger itself again (a cycle in the event graph)"

    def check(self, project: Any, out: Any) -> None:
        from lambda_lint.findings import Severity
        from lambda_lint.project.graph import find_cycles

        writes, triggers = project.graph
        ctx = project.ctx
        for cycle in find_cycles(writes, triggers, ctx, project.model.functions):
            steps = cycle.steps
            severity = Severity.WARNING if cycle.policy_only else None
            # the code side: the first write in a requested file
            code_idx = [i for i, (w, _) in enumerate(steps)
                        if w.source == "code" and w.module is not None and w.module.requested]
            if code_idx:
                code_idx.sort(key=lambda i: (steps[i][0].module.display, steps[i][0].call.get("line", 0)))
                start = code_idx[0]
            else:
                start = min(range(len(steps)), key=lambda i: _trigger_pos(project, steps[i][1]))
            rotated = steps[start:] + steps[:start]
            from lambda_lint.project.graph import Cycle

            rc = Cycle(rotated)
            message = _message(rc, cycle.policy_only)
            related = _related(project, out, rotated)
            w0, t0 = rotated[0]
            anchor = "LL301:" + rc.text()
            if code_idx:
                call = w0.call
                out.code(self.code, w0.module, call["line"], call["column"], message, function=w0.function,
                         severity=severity, related=related, anchor=anchor,
                         end_line=call.get("end_line"), end_column=call.get("end_column"))
            else:
                line, col = _trigger_pos(project, t0)
                out.template(self.code, line, col, message, function=t0.function, severity=severity,
                             related=related, anchor=anchor)


def _trigger_pos(project: Any, t: Any) -> Tuple[int, int]:
    if t.trigger is not None:
        return t.trigger.line, t.trigger.column
    fn = project.model.functions.get(t.function)
    return (fn.line, fn.column) if fn is not None else (1, 1)


def _message(cycle: Any, policy_only: bool) -> str:
    steps = cycle.steps
    first = steps[0][0]
    node = "the default event bus" if first.node.startswith("<") else first.node
    kinds = {t.label for _, t in steps}
    streams = any(k in ("kinesis", "dynamodb-stream", "stream", "events:rule") for k in kinds)
    verb = "may write to" if first.source == "policy" else "writes to"
    if first.operation in ("invoke", "invoke_async"):
        verb = "invokes"
    if len(steps) == 1:
        what = f"{first.function} {verb} {node}, which triggers it again"
    else:
        others = ", ".join(t.function for _, t in steps[:-1] if t.function != node)
        what = f"{first.function} {verb} {node}, which comes back to it" + (f" through {others}" if others else "")
    source = (" (IAM write permissions stand in for code that could not be resolved)" if policy_only else "")
    stop = ("AWS's loop detection never stops this one (Kinesis/DynamoDB streams, EventBridge)" if streams else
            "AWS's loop detection stops SQS/SNS/S3/Lambda loops only after ~16 rounds")
    return (f"feedback loop {cycle.text()}: {what}{source}, and every round bills another invocation; {stop}; "
            f"write to another bucket/queue/table or prefix, or add a trigger filter the writes avoid")


def _related(project: Any, out: Any, steps: List[Any]) -> List[Any]:
    rel = []
    for w, t in steps:
        if w.source == "code" and w.module is not None and w.call is not None:
            rel.append(out.code_location(w.module, w.call["line"], w.call["column"],
                                         f"{w.function} writes to {w.node} ({w.operation})"))
        elif w.source == "policy":
            fn = project.model.functions.get(w.function)
            props = fn.props if fn is not None else None
            line, col = props.kpos.get("Policies", (fn.line, fn.column)) if props is not None else (1, 1)
            rel.append(out.template_location(line, col, f"{w.function} may write to {w.node} ({w.policy})"))
        if t.trigger is not None:
            rel.append(out.template_location(t.trigger.line, t.trigger.column,
                                             f"{w.node} triggers {t.function} ({t.trigger.name})"))
    return rel
