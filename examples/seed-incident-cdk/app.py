"""The seed incident as a CDK app: Kinesis -> a forwarder that retries a partner API forever.

`cdk synth` writes cdk.out/; `lambda-lint examples/seed-incident-cdk` lints it with the code.
"""

import aws_cdk as cdk
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources


class OrdersStack(cdk.Stack):
    def __init__(self, scope, construct_id, **kwargs):
        super().__init__(scope, construct_id, **kwargs)
        stream = kinesis.Stream(self, "EventStream", shard_count=1, retention_period=cdk.Duration.hours(168))
        forwarder = lambda_.Function(
            self, "Forwarder",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="app.handler",
            code=lambda_.Code.from_asset("src"),
            timeout=cdk.Duration.seconds(900),
            memory_size=256,
            environment={"PARTNER_URL": "https://partner.example.com/ingest"},
        )
        forwarder.add_event_source(sources.KinesisEventSource(
            stream, starting_position=lambda_.StartingPosition.LATEST, batch_size=100,
        ))


app = cdk.App()
OrdersStack(app, "OrdersStack")
app.synth()
