"""Event sources named indirectly: an ARN built from a resource's attributes.

Templates often spell a queue's or a stream's ARN by hand instead of ``!GetAtt Q.Arn``:
``!Sub arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:${Q.QueueName}`` or the same with
``Fn::Join``. The value is not a literal (region and account are pseudo parameters), but it
can only be that resource: the service in the ARN and the one resource of that service the
value mentions say so.
"""

from __future__ import annotations

from typing import Any, Optional

# ARN service fragment -> resource types it names
ARN_SERVICES = (
    (":sqs:", ("AWS::SQS::Queue",)),
    (":kinesis:", ("AWS::Kinesis::Stream", "AWS::Kinesis::StreamConsumer")),
    (":dynamodb:", ("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable")),
)


def built_arn_resource(model: Any, resolved: Any) -> Optional[str]:
    """The logical ID of the queue/stream/table a built ARN names, or None."""
    if not resolved.is_unknown or not resolved.refs:
        return None
    text = resolved.text or ""
    for fragment, types in ARN_SERVICES:
        if fragment in text:
            cands = [x for x in resolved.refs
                     if x in model.resources and model.resources[x].type in types]
            return cands[0] if len(cands) == 1 else None
    return None
