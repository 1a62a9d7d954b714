"""LL307 loop-possible-by-permission."""

from __future__ import annotations

from typing import Any


class LoopPossibleByPermission:
    """A function's permissions allow it to write to what triggers it, and its code was not checked.

    Meant for templates whose handler code is not in the repository (or not Python).

    ## What it catches
    A cycle in the event graph that exists only through permissions: the function's role,
    `Policies` or SAM policy templates allow a write (`s3:PutObject`, `sqs:SendMessage`,
    `sns:Publish`, `dynamodb:PutItem`, `kinesis:PutRecord`, `events:PutEvents`,
    `lambda:InvokeFunction`, `states:StartExecution`) to a resource that triggers the same
    function, directly or through other functions, and the code that would make the write
    was not available (an S3 artifact, a container image, another runtime) or names its
    target in a way that could not be resolved. The message says the code was not checked.

    ## Why it matters
    A permission is not a write: most roles that may publish to their own topic never do.
    But when the code can't be read, the permission is the only evidence there is, and a
    loop through a stream or EventBridge is not stopped by AWS. Review the code once, then
    narrow the grant or suppress the finding.

    ## Example
    ```yaml
    NotifyFunction:
      Type: AWS::Serverless::Function
      Properties:
        CodeUri: s3://artifacts/notify.zip
        Policies:
          - SNSPublishMessagePolicy: {TopicName: !GetAtt ResultsTopic.TopicName}
        Events:
          Results: {Type: SNS, Properties: {Topic: !Ref ResultsTopic}}   # LL307 points here
    ```

    ## Fix
    Narrow the grant to the resources the code writes to. If the code does write to the
    trigger, see LL301 (a filter, another resource, a hop counter).

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/invocation-recursion.html
    """

    code = "LL307"
    name = "loop-possible-by-permission"
    severity = "info"
    summary = "a function's permissions allow a write to what triggers it (code not checked)"
    default_enabled = False

    def check(self, project: Any, out: Any) -> None:
        from lambda_lint.project.graph import Cycle
        from lambda_lint.project.rules import _loops as L

        for cycle in project.graph.cycles():
            if not cycle.policy_only:
                continue
            k = L.first_trigger_step(project, cycle)
            rc = Cycle(cycle.steps[k:] + cycle.steps[:k])
            why = []
            for h in rc.steps:
                if h.write.source != "policy":
                    continue
                fid = h.write.function
                if fid in project.ctx.units:
                    services = sorted(project.graph.unknown.get(fid, ()))
                    why.append(f"{fid}'s code was checked, but the target of its {'/'.join(services)} write "
                               f"could not be resolved")
                else:
                    status = project.ctx.status.get(fid)
                    detail = f": {status.detail}" if status is not None and status.detail else ""
                    why.append(f"the code of {fid} was not checked (not available{detail})")
            message = (f"loop possible by permission {rc.text()}: {L.what(rc)}; {'; '.join(why)}; "
                       f"{L.detection(project, rc)}; narrow the grant, or make sure the code never writes there")
            line, col = L.trigger_pos(project, rc.steps[0])
            out.template(self.code, line, col, message, function=rc.steps[0].target,
                         related=L.related(project, out, rc), anchor="LL307:" + rc.text(),
                         resource=L.resource_of(rc))
