"""The dead-letter queues: read every message, and say why it is there.

SQS has no peek. Messages are received with a visibility timeout (so each receive
returns new ones until the queue is exhausted) and made visible again at once;
each read adds one to a message's ApproximateReceiveCount.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError
from order_pipeline.handler.message import is_sns_envelope, order_from_body
from order_pipeline.handler.order import InvalidOrderError

from .function_logs import logged_outcomes
from .targets import Target

VALID = "valid"
REJECTED = "rejected"
# Long enough to read a whole queue before the first messages reappear.
LIST_HIDE_SECONDS = 60


@dataclass(frozen=True)
class DeadLetterQueue:
    label: str
    url: str
    arn: str
    fed_by: str


def dead_letter_queues(target: Target) -> list[DeadLetterQueue]:
    queues = [
        DeadLetterQueue(
            "dead-letter",
            target["deadLetterQueueUrl"],
            target["deadLetterQueueArn"],
            "the order queue, after maxReceiveCount failed receives",
        )
    ]
    url = target.optional("subscriptionDeadLetterQueueUrl")
    arn = target.optional("subscriptionDeadLetterQueueArn")
    if url and arn:
        queues.append(
            DeadLetterQueue("undeliverable", url, arn, "the SNS subscription: not delivered")
        )
    return queues


def classify(body: Any, raw_delivery: bool) -> tuple[str, str | None, str | None]:
    """(verdict, orderId, reason) by the handler's own validation of the body."""
    try:
        order = order_from_body(body, raw_delivery)
    except InvalidOrderError as error:
        return REJECTED, error.order_id, error.reason
    return VALID, order.order_id, None


def sns_message_id(body: str) -> str | None:
    """The SNS MessageId in a notification envelope (raw delivery off), else None."""
    try:
        envelope = json.loads(body)
    except ValueError:
        return None
    if is_sns_envelope(envelope):
        message_id = envelope.get("MessageId")
        return message_id if isinstance(message_id, str) else None
    return None


def receive_all(sqs: Any, url: str, hide_seconds: int) -> list[dict[str, Any]]:
    """Every message of the queue, each hidden for `hide_seconds` (release or delete them)."""
    received: dict[str, dict[str, Any]] = {}
    while True:
        messages = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            VisibilityTimeout=hide_seconds,
            WaitTimeSeconds=1,
            AttributeNames=["All"],
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return list(received.values())
        for message in messages:
            received[message["MessageId"]] = message  # the newest receipt handle wins


def release(sqs: Any, url: str, messages: list[dict[str, Any]]) -> None:
    """Make received messages visible again at once."""
    for start in range(0, len(messages), 10):
        chunk = messages[start : start + 10]
        sqs.change_message_visibility_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                for i, m in enumerate(chunk)
            ],
        )


def _sent_at(attributes: dict[str, Any]) -> str | None:
    sent = attributes.get("SentTimestamp")
    if not sent:
        return None
    return datetime.fromtimestamp(int(sent) / 1000, UTC).isoformat().replace("+00:00", "Z")


def _delivery_error(message: dict[str, Any]) -> str | None:
    # SNS adds ErrorCode/ErrorMessage attributes to what it could not deliver.
    attributes = message.get("MessageAttributes") or {}
    code = (attributes.get("ErrorCode") or {}).get("StringValue")
    text = (attributes.get("ErrorMessage") or {}).get("StringValue")
    return f"{code}: {text}" if code or text else None


def examine(message: dict[str, Any], queue: DeadLetterQueue, raw_delivery: bool) -> dict[str, Any]:
    """One row of `dlq list` (the --json shape) for a received message."""
    attributes = message.get("Attributes") or {}
    verdict, order_id, reason = classify(message.get("Body"), raw_delivery)
    return {
        "queue": queue.label,
        "messageId": message["MessageId"],
        "snsMessageId": sns_message_id(message.get("Body", "")),
        "orderId": order_id,
        # Receives before this read (which counted one more).
        "receiveCount": max(0, int(attributes.get("ApproximateReceiveCount", 1)) - 1),
        "sentAt": _sent_at(attributes),
        "verdict": verdict,
        "reason": reason,
        "loggedReason": None,
        "deliveryError": _delivery_error(message),
    }


def last_logged_reason(logs: Any, group: str, message_id: str, since_ms: int) -> str | None:
    """The function's last logged outcome for this message, or None where the log group is
    not reachable (no permission, throttled): the listing itself must not depend on logs."""
    try:
        lines = logged_outcomes(logs, group, message_id, since_ms)
    except ClientError:
        return None
    if not lines:
        return None
    last = lines[-1]
    return f"{last.outcome}: {last.reason}"


def list_dead_letters(
    sqs: Any, logs: Any | None, queues: list[DeadLetterQueue], raw_delivery: bool, log_group: str
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for queue in queues:
        messages = receive_all(sqs, queue.url, LIST_HIDE_SECONDS)
        release(sqs, queue.url, messages)
        for message in messages:
            row = examine(message, queue, raw_delivery)
            sent_ms = int((message.get("Attributes") or {}).get("SentTimestamp", 0))
            if logs is not None and queue.label == "dead-letter":
                # The function logs the SQS messageId, which the move to the DLQ keeps.
                row["loggedReason"] = last_logged_reason(
                    logs, log_group, row["messageId"], sent_ms - 1000
                )
            rows.append(row)
    return sorted(rows, key=lambda r: (r["queue"], r["sentAt"] or "", r["messageId"]))
