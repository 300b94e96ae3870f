"""The one SQS-event builder (harness/sqs_event.py) gives records in the shape Lambda does.

Both the local cloud's trigger and the handler tests build their events with it.
"""

from __future__ import annotations

import base64

from conftest import Pipeline

from harness.sqs_event import event_record


def test_an_sqs_message_becomes_a_lambda_event_record() -> None:
    message = {
        "MessageId": "m1",
        "ReceiptHandle": "rh",
        "MD5OfBody": "md5",
        "Body": "{}",
        "Attributes": {"ApproximateReceiveCount": "2", "SentTimestamp": "1"},
        "MD5OfMessageAttributes": "md5attrs",
        "MessageAttributes": {
            "kind": {"DataType": "String", "StringValue": "order"},
            "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
        },
    }
    record = event_record(message, "arn:aws:sqs:us-east-1:123456789012:q", "us-east-1")
    assert record == {
        "messageId": "m1",
        "receiptHandle": "rh",
        "body": "{}",
        "attributes": {"ApproximateReceiveCount": "2", "SentTimestamp": "1"},
        "messageAttributes": {
            "kind": {
                "stringValue": "order",
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": "String",
            },
            "blob": {
                "binaryValue": "AAE=",
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": "Binary",
            },
        },
        "md5OfBody": "md5",
        "md5OfMessageAttributes": "md5attrs",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q",
        "awsRegion": "us-east-1",
    }


def test_a_received_binary_attribute_reaches_the_function_base64_encoded(
    pipeline: Pipeline,
) -> None:
    """moto (like boto3 against AWS) hands BinaryValue over as bytes; Lambda passes base64."""
    pipeline.sqs.send_message(
        QueueUrl=pipeline.queue_url,
        MessageBody="{}",
        MessageAttributes={"blob": {"DataType": "Binary", "BinaryValue": b"\x00\xff"}},
    )
    (message,) = pipeline.sqs.receive_message(
        QueueUrl=pipeline.queue_url, MessageAttributeNames=["All"]
    )["Messages"]
    attribute = pipeline.record(message)["messageAttributes"]["blob"]
    assert attribute["binaryValue"] == base64.b64encode(b"\x00\xff").decode()
    assert "stringValue" not in attribute
