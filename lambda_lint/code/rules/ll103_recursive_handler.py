from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from lambda_lint.code.analysis import ModuleAnalysis
    from lambda_lint.findings import Reporter


class RecursiveHandler:
    """The Lambda handler calls itself.

    ## What it catches
    A call to the handler from inside the handler (or a function nested in it): directly
    (`handler(event, context)`), through an import of its own module (`import app;
    app.handler(...)`), or, for a handler method taking `(self, event, context)`, through
    `self.handler(...)`.

    A handler is the function a template names in `Handler` (or config's `handlers`), or,
    in a file no template covers, an unmistakable one: a module-level function whose
    parameters are exactly `(event, context)`, or two with the second annotated
    `LambdaContext`, or one wearing an AWS Lambda Powertools handler decorator
    (`@logger.inject_lambda_context`, `@tracer.capture_lambda_handler`,
    `@metrics.log_metrics`, `@event_source`, `@event_parser`, `@idempotent`, ...).
    `def render(node, context: Context, flag)` is not a handler.

    ## Why it matters
    In-process recursion shares one invocation's timeout and memory: every level adds
    duration you pay for, a missing base case ends only at the timeout or with a
    `RecursionError`, and the failed invocation is then retried by the trigger. It is usually
    an attempt to "process the rest later" that belongs in a queue or a Step Functions loop.

    ## Example
    ```python
    def handler(event, context):
        items = fetch(event["cursor"])
        if items.next_cursor:
            return handler({"cursor": items.next_cursor}, context)
    ```

    ## Fix
    Iterate instead of recursing, with a deadline check; hand the remainder to SQS or a Step
    Functions Map/loop when it cannot finish within one invocation.
    ```python
    def handler(event, context):
        cursor = event["cursor"]
        while cursor and context.get_remaining_time_in_millis() > 30_000:
            cursor = fetch(cursor).next_cursor
        if cursor:
            sqs.send_message(QueueUrl=QUEUE_URL, MessageBody=json.dumps({"cursor": cursor}))
    ```

    ## References
    - Lambda handler in Python: https://docs.aws.amazon.com/lambda/latest/dg/python-handler.html
    - Step Functions for long-running work: https://docs.aws.amazon.com/step-functions/latest/dg/welcome.html
    """

    code = "LL103"
    name = "recursive-handler"
    severity = "warning"
    summary = "the Lambda handler calls itself"

    def check(self, analysis: "ModuleAnalysis", reporter: "Reporter", options: Mapping[str, Any]) -> None:
        import libcst as cst

        from lambda_lint.code.analysis import dotted
        from lambda_lint.code.facts import _descendant_funcs
        from lambda_lint.code.values import find_assignment
        from pathlib import PurePath

        stem = PurePath(analysis.path).stem if analysis.path else ""
        targets = []
        for h in analysis.handlers:
            targets.append((h, "module"))
        for f in analysis.functions:
            if f.kind == "function" and f.parent is not None and f.parent.kind == "class":
                ps = f.params
                if len(ps) >= 3 and ps[0] == "self" and ps[1] in ("event", "_event") and ps[2] in ("context", "_context"):
                    targets.append((f, "method"))
        for h, kind in targets:
            for f in _descendant_funcs(analysis, h):
                for call in f.calls:
                    fn = call.func
                    hit = False
                    if kind == "module" and isinstance(fn, cst.Name) and fn.value == h.name:
                        hit = find_assignment(analysis, fn.value, f) is None
                    elif isinstance(fn, cst.Attribute) and fn.attr.value == h.name and isinstance(fn.value, cst.Name):
                        base = fn.value.value
                        if kind == "method":
                            hit = base == "self"
                        else:
                            q = analysis.imports.get(base, "")
                            hit = bool(stem) and (q == stem or q.endswith("." + stem))
                    if not hit:
                        continue
                    line, col, eline, ecol = analysis.position(call)
                    reporter.report(
                        self.code, line, col,
                        f"{h.qualname}: the handler calls itself ({dotted(fn)}(...)); every level adds billed "
                        f"duration within one timeout and a missing base case runs until it times out and is "
                        f"retried; iterate with a deadline check or hand the rest to a queue",
                        end_line=eline, end_column=ecol, function=h.qualname,
                        anchor=f"{self.code}:{h.qualname}:{dotted(fn)}",
                    )
