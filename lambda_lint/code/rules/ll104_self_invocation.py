from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from lambda_lint.code.analysis import ModuleAnalysis
    from lambda_lint.findings import Reporter

SELF_ENV = "AWS_LAMBDA_FUNCTION_NAME"
SELF_CONTEXT = ("function_name", "invoked_function_arn")
INVOKE_OPS = frozenset({"invoke", "invoke_async", "invoke_with_response_stream"})


def is_self_name(org: dict) -> bool:
    from lambda_lint.code.values import mentions

    return mentions(org, lambda o: (o.get("kind") == "env" and o.get("name") == SELF_ENV)
                    or (o.get("kind") == "context" and o.get("attr") in SELF_CONTEXT))


class SelfInvocation:
    """A boto3 Lambda invoke whose FunctionName is the running function itself.

    ## What it catches
    `lambda_client.invoke(...)`, `invoke_async(...)` or `invoke_with_response_stream(...)` on
    a boto3 Lambda client (however created: `boto3.client("lambda")`, a session, an aliased
    import, a client held in a module-level name or returned by a helper) whose
    `FunctionName` is the running function: `os.environ["AWS_LAMBDA_FUNCTION_NAME"]`,
    `os.environ.get(...)`/`os.getenv(...)` of it, `context.function_name` or
    `context.invoked_function_arn`, directly or through variables, module constants,
    f-strings and concatenations.

    Not reported when the invocation is guarded by an explicit depth/hop counter read from
    the event and compared with a limit, in the calling function or the handler, whether
    the guard wraps the call or returns early before it:
    `if event.get("depth", 0) >= MAX_DEPTH: return`. The counter may be converted,
    incremented or parsed on the way (`hops = int(body.get("hops", 0)) + 1` with `body`
    parsed from `event["body"]`).

    ## Why it matters
    A function that invokes itself without a hard stop is an infinite loop across
    invocations: each one is a new billed invocation, asynchronous self-invocations fan out,
    and concurrency climbs until the account limit throttles everything else in the Region.
    Lambda's recursive loop detection only stops loops through SQS, SNS and S3 (after about
    16 hops), not direct `Invoke` calls.

    ## Example
    ```python
    lam = boto3.client("lambda")

    def handler(event, context):
        process(event)
        lam.invoke(FunctionName=context.function_name, InvocationType="Event",
                   Payload=json.dumps(event))
    ```

    ## Fix
    Carry a depth counter in the payload and stop at a limit, or move the loop to Step
    Functions or a queue with a DLQ:
    ```python
    def handler(event, context):
        depth = event.get("depth", 0)
        if depth >= 5:
            return
        lam.invoke(FunctionName=context.function_name, InvocationType="Event",
                   Payload=json.dumps({**event, "depth": depth + 1}))
    ```
    Set `ReservedConcurrentExecutions` so a runaway can be capped (and switched off with 0).

    ## References
    - Recursive loop detection: https://docs.aws.amazon.com/lambda/latest/dg/invocation-recursion.html
    - Invoke API: https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
    - Lambda environment variables: https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
    """

    code = "LL104"
    name = "self-invocation"
    severity = "error"
    summary = "a boto3 Lambda invoke whose FunctionName is the running function, with no depth guard"

    def check(self, analysis: "ModuleAnalysis", reporter: "Reporter", options: Mapping[str, Any]) -> None:
        import libcst as cst

        from lambda_lint.code.checks import function_name, where
        from lambda_lint.code.values import boto_object, origin, uses_boto3

        if not uses_boto3(analysis):
            return
        for call, func in analysis.calls:
            fn = call.func
            if not isinstance(fn, cst.Attribute) or fn.attr.value not in INVOKE_OPS:
                continue
            obj = boto_object(analysis, fn.value, func)
            if obj is None or obj["type"] != "client" or obj.get("service") != "lambda":
                continue
            target = next((a.value for a in call.args if a.keyword is not None and a.keyword.value == "FunctionName"),
                          None)
            if target is None or not is_self_name(origin(analysis, target, func)):
                continue
            if self._guarded(analysis, func):
                continue
            line, col, eline, ecol = analysis.position(call)
            reporter.report(
                self.code, line, col,
                f"{where(func)}: {fn.attr.value}() calls the running function itself with no depth limit; each call "
                f"is a new billed invocation and the chain never stops (Lambda's loop detection does not cover "
                f"direct invokes); carry a depth counter in the payload and stop at a limit, or use Step Functions",
                end_line=eline, end_column=ecol, function=function_name(func),
                anchor=f"{self.code}:{where(func)}:{fn.attr.value}",
            )

    @staticmethod
    def _guarded(analysis: "ModuleAnalysis", func: Any) -> bool:
        import libcst as cst

        from lambda_lint.code.values import origin

        ordering = (cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual)
        funcs = []
        f = func
        while f is not None:
            if f.kind == "function":
                funcs.append(f)
            f = f.parent
        if not any(f.is_handler for f in funcs):  # a helper: the handler may hold the guard
            funcs += analysis.handlers
        for f in funcs:
            for cmp in f.compares:
                if not any(isinstance(t.operator, ordering) for t in cmp.comparisons):
                    continue
                for side in (cmp.left, *[t.comparator for t in cmp.comparisons]):
                    if SelfInvocation._from_payload(analysis, side, f, origin):
                        return True
        return False

    @staticmethod
    def _from_payload(analysis: "ModuleAnalysis", expr: Any, func: Any, origin: Any, depth: int = 0) -> bool:
        """Is ``expr`` computed from the invocation's payload (the event, or a helper's
        parameter)? Through arithmetic, conversions and conditional parsing:
        ``hops = int(body.get("hops", 0)) + 1`` with ``body = json.loads(event["body"]) if
        "body" in event else event``. A hop counter is compared wherever it was read."""
        import libcst as cst

        from lambda_lint.code.values import find_assignment, mentions

        def payload(o: dict) -> bool:
            if o.get("kind") == "event":
                return bool(o.get("path"))
            return o.get("kind") == "param" and o.get("name") not in ("self", "cls")

        for node in walk_expr(expr):
            if not isinstance(node, (cst.Name, cst.Attribute, cst.Subscript, cst.Call)):
                continue
            if mentions(origin(analysis, node, func), payload):
                return True
            if isinstance(node, cst.Name) and depth < 3:
                found = find_assignment(analysis, node.value, func)
                if found and found[0] == "assign" and \
                        SelfInvocation._from_payload(analysis, found[1], found[2], origin, depth + 1):
                    return True
        return False


def walk_expr(expr: Any) -> Any:
    from lambda_lint.code.analysis import walk

    return walk(expr)
