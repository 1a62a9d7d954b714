"""Trigger kinds and their classes: the vocabulary the model and its helpers share.

Its own module so that :mod:`.model` and the helpers it calls (:mod:`.invocation`,
:mod:`.pipes`) import the same constants without importing each other.
"""

from __future__ import annotations

from typing import Dict, Tuple

# --- trigger kinds -----------------------------------------------------------------------

STREAM, QUEUE, ASYNC, SYNC = "stream", "queue", "async", "sync"

# SAM event type -> (kind, class)
SAM_EVENT_KINDS: Dict[str, Tuple[str, str]] = {
    "Kinesis": ("kinesis", STREAM),
    "DynamoDB": ("dynamodb", STREAM),
    "SQS": ("sqs", QUEUE),
    "MSK": ("kafka", QUEUE),
    "SelfManagedKafka": ("kafka", QUEUE),
    "MQ": ("mq", QUEUE),
    "DocumentDB": ("documentdb", QUEUE),
    "S3": ("s3", ASYNC),
    "SNS": ("sns", ASYNC),
    "EventBridgeRule": ("eventbridge", ASYNC),
    "CloudWatchEvent": ("eventbridge", ASYNC),
    "Schedule": ("schedule", ASYNC),
    "ScheduleV2": ("schedule", ASYNC),
    "CloudWatchLogs": ("logs", ASYNC),
    "IoTRule": ("iot", ASYNC),
    "Cognito": ("cognito", SYNC),  # Cognito waits for the trigger's answer
    "Api": ("api", SYNC),
    "HttpApi": ("api", SYNC),
    "AlexaSkill": ("alexa", SYNC),
}

KIND_DISPLAY = {
    "kinesis": "Kinesis", "dynamodb": "DynamoDB", "sqs": "SQS", "kafka": "Kafka", "mq": "MQ",
    "documentdb": "DocumentDB", "s3": "S3", "sns": "SNS", "eventbridge": "EventBridge",
    "schedule": "Schedule", "logs": "CloudWatch Logs", "iot": "IoT", "ses": "SES",
    "cognito": "Cognito", "api": "API", "alb": "ALB", "alexa": "Alexa", "stream": "stream",
    "codecommit": "CodeCommit", "config": "Config", "unknown": "event source", "lex": "Lex",
    "url": "function URL", "connect": "Connect", "firehose": "Firehose", "appsync": "AppSync",
    "lattice": "VPC Lattice", "edge": "Lambda@Edge", "pipes": "EventBridge Pipes",
}

# Permission principal (service prefix) -> (kind, class). The sync ones are the services
# AWS documents as invoking synchronously (the caller waits; no async retries, no DLQ):
# https://docs.aws.amazon.com/lambda/latest/dg/lambda-services.html. SES is async unless its
# receipt rule says RequestResponse (see invocation.ses_class).
PRINCIPAL_KINDS = {
    "s3": ("s3", ASYNC), "sns": ("sns", ASYNC), "events": ("eventbridge", ASYNC),
    "logs": ("logs", ASYNC), "iot": ("iot", ASYNC), "ses": ("ses", ASYNC),
    "codecommit": ("codecommit", ASYNC), "config": ("config", ASYNC),
    "cognito-idp": ("cognito", SYNC), "cognito-sync": ("cognito", SYNC),
    "apigateway": ("api", SYNC), "elasticloadbalancing": ("alb", SYNC), "lex": ("lex", SYNC),
    "lexv2": ("lex", SYNC), "alexa-appkit": ("alexa", SYNC), "alexa-connectedhome": ("alexa", SYNC),
    "connect": ("connect", SYNC), "firehose": ("firehose", SYNC), "appsync": ("appsync", SYNC),
    "vpc-lattice": ("lattice", SYNC), "edgelambda": ("edge", SYNC),
}

# Source resource type -> ESM kind
ESM_SOURCE_TYPES = {
    "AWS::Kinesis::Stream": "kinesis", "AWS::Kinesis::StreamConsumer": "kinesis",
    "AWS::DynamoDB::Table": "dynamodb", "AWS::DynamoDB::GlobalTable": "dynamodb",
    "AWS::SQS::Queue": "sqs", "AWS::MSK::Cluster": "kafka", "AWS::MSK::ServerlessCluster": "kafka",
    "AWS::AmazonMQ::Broker": "mq", "AWS::DocDB::DBCluster": "documentdb",
}
ESM_ARN_HINTS = (
    (":kinesis:", "kinesis"), (":dynamodb:", "dynamodb"), (":sqs:", "sqs"), (":kafka:", "kafka"),
    (":mq:", "mq"), (":rds:", "documentdb"),
)
KIND_CLASS = {"kinesis": STREAM, "dynamodb": STREAM, "stream": STREAM, "sqs": QUEUE, "kafka": QUEUE,
              "mq": QUEUE, "documentdb": QUEUE}
