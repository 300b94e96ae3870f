"""`status`: queue depths, the trigger, alarms and the table, as one JSON-ready dict."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from .dead_letters import dead_letter_queues
from .targets import Target


def _queue_name(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def queue_depths(sqs: Any, url: str) -> dict[str, Any]:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return {
        "url": url,
        "visible": int(attributes.get("ApproximateNumberOfMessages", 0)),
        "inFlight": int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
    }


def _oldest_age(cloudwatch: Any, url: str) -> float | None:
    """SQS reports the oldest message's age only as a CloudWatch metric (1-minute data)."""
    now = datetime.now(UTC)
    points = cloudwatch.get_metric_statistics(
        Namespace="AWS/SQS",
        MetricName="ApproximateAgeOfOldestMessage",
        Dimensions=[{"Name": "QueueName", "Value": _queue_name(url)}],
        StartTime=now - timedelta(minutes=10),
        EndTime=now,
        Period=60,
        Statistics=["Maximum"],
    ).get("Datapoints", [])
    if not points:
        return None
    return float(max(points, key=lambda p: p["Timestamp"])["Maximum"])


def _trigger(lambda_client: Any, target: Target) -> dict[str, Any]:
    mappings = lambda_client.list_event_source_mappings(
        EventSourceArn=target["queueArn"], FunctionName=target["functionName"]
    ).get("EventSourceMappings", [])
    if mappings:
        m = mappings[0]
        return {"state": m.get("State"), "batchSize": m.get("BatchSize"), "uuid": m.get("UUID")}
    if target.is_local:
        return {"state": "run by the local cloud (not an emulator resource)"}
    return {"state": "missing"}


def _alarms(cloudwatch: Any, alarm_topic_arn: str) -> list[dict[str, Any]]:
    """Every metric alarm that notifies the stack's alarm topic."""
    alarms = []
    for page in cloudwatch.get_paginator("describe_alarms").paginate(ActionPrefix=alarm_topic_arn):
        for alarm in page.get("MetricAlarms", []):
            alarms.append(
                {
                    "name": alarm["AlarmName"],
                    "state": alarm["StateValue"],
                    "reason": alarm.get("StateReason", ""),
                }
            )
    return sorted(alarms, key=lambda a: a["name"])


def _table(dynamodb: Any, name: str) -> dict[str, Any]:
    try:
        table = dynamodb.describe_table(TableName=name)["Table"]
    except ClientError as error:
        return {"name": name, "status": error.response.get("Error", {}).get("Code")}
    # ItemCount is DynamoDB's approximate count, refreshed about every six hours.
    return {"name": name, "status": table.get("TableStatus"), "itemCount": table.get("ItemCount")}


def gather(clients: Any, target: Target) -> dict[str, Any]:
    sqs = clients("sqs")
    queue = queue_depths(sqs, target["queueUrl"])
    queue["oldestAgeSeconds"] = _oldest_age(clients("cloudwatch"), target["queueUrl"])
    status: dict[str, Any] = {
        "target": target.description,
        "endpointUrl": target.endpoint_url,
        "queue": queue,
    }
    for dlq in dead_letter_queues(target):
        key = "deadLetterQueue" if dlq.label == "dead-letter" else "subscriptionDeadLetterQueue"
        status[key] = queue_depths(sqs, dlq.url)
    status["trigger"] = _trigger(clients("lambda"), target)
    status["alarms"] = _alarms(clients("cloudwatch"), target["alarmTopicArn"])
    status["table"] = _table(clients("dynamodb"), target["tableName"])
    return status
