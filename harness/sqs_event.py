"""An SQS ReceiveMessage entry in the shape of a record of Lambda's SQS event.

The one builder for both the local cloud's trigger and the handler tests. Shape as AWS
documents it (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html, "Example
standard queue message event"): camel-case keys, `messageAttributes` `{}` when there
are none, and in each attribute `stringValue` *or* `binaryValue` (only the one the
attribute has) next to `stringListValues`, `binaryListValues` and `dataType`. A binary
value travels base64-encoded, as in the SQS JSON API (MessageAttributeValue.BinaryValue,
"Base64-encoded binary data object"); boto3 hands it over decoded, as bytes.
"""

from __future__ import annotations

import base64
from typing import Any

EVENT_SOURCE = "aws:sqs"


def _attribute(value: dict[str, Any]) -> dict[str, Any]:
    converted: dict[str, Any] = {
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": value["DataType"],
    }
    if "StringValue" in value:
        converted["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        converted["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    return converted


def event_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One received message (boto3's ReceiveMessage entry) as Lambda passes it."""
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes") or {}),
        "messageAttributes": {
            name: _attribute(value)
            for name, value in (message.get("MessageAttributes") or {}).items()
        },
        "md5OfBody": message["MD5OfBody"],
        "eventSource": EVENT_SOURCE,
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if message.get("MD5OfMessageAttributes"):
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record
