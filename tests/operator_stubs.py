"""Stand-ins for AWS in the operator command's tests: a stack's outputs and stubbed clients
(botocore's Stubber) whose every request the test pins."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.stub import Stubber

ACCOUNT = "123456789012"
REGION = "eu-west-1"
QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders-prod-queue"
DLQ_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders-prod-dlq"
HANDLE = "task-handle-1"


def sqs_client() -> Any:
    return boto3.client("sqs", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")


def move_task(status: str, moved: int, total: int = 7) -> dict[str, Any]:
    task = {
        "Status": status,
        "SourceArn": DLQ_ARN,
        "DestinationArn": QUEUE_ARN,
        "ApproximateNumberOfMessagesMoved": moved,
        "ApproximateNumberOfMessagesToMove": total,
        "StartedTimestamp": 1_700_000_000_000,
    }
    if status == "RUNNING":
        task["TaskHandle"] = HANDLE
    return task


def expect_polls(stubber: Stubber, tasks: list[dict[str, Any]]) -> None:
    for task in tasks:
        stubber.add_response(
            "list_message_move_tasks",
            {"Results": [task]},
            {"SourceArn": DLQ_ARN, "MaxResults": 1},
        )


def outputs_for_aws() -> dict[str, str]:
    base = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}"
    arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}"
    return {
        "topicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:orders-prod-topic",
        "queueUrl": f"{base}/orders-prod-queue",
        "queueArn": QUEUE_ARN,
        "deadLetterQueueUrl": f"{base}/orders-prod-dlq",
        "deadLetterQueueArn": DLQ_ARN,
        "subscriptionDeadLetterQueueUrl": f"{base}/orders-prod-undeliverable",
        "subscriptionDeadLetterQueueArn": f"{arn}:orders-prod-undeliverable",
        "tableName": "orders-prod-table",
        "tableArn": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders-prod-table",
        "functionName": "orders-prod-processor",
        "functionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders-prod-processor",
        "alarmTopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:orders-prod-alarms",
        "logGroupName": "orders-prod-processor-logs",
    }


class StubbedClients:
    """Stands in for aws.Clients: one stubbed client per service, requests pinned by the test."""

    def __init__(self, session: Any) -> None:
        self.clients = {
            service: session.client(
                service, region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
            )
            for service in ("sqs", "lambda")
        }
        self.stubbers = {service: Stubber(c) for service, c in self.clients.items()}

    def __call__(self, service: str) -> Any:
        return self.clients[service]


def expect_function_configuration(stubber: Stubber) -> None:
    stubber.add_response(
        "get_function_configuration",
        {
            "FunctionName": "orders-prod-processor",
            "Environment": {
                "Variables": {"TABLE_NAME": "orders-prod-table", "RAW_MESSAGE_DELIVERY": "false"}
            },
        },
        {"FunctionName": "orders-prod-processor"},
    )
