"""Move dead letters back to the order queue without ever losing one.

Two ways:
- the native move task (StartMessageMoveTask), on AWS, for the order DLQ, whose only
  source is the order queue; SQS moves every message at the given rate;
- message by message, wherever the native task cannot be used (the subscription's DLQ,
  the local emulator) or only valid messages may go (--valid-only): receive, re-validate
  with the handler's code, send the valid ones to the order queue with body and
  attributes intact, and delete each from the DLQ only after its send succeeded.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .dead_letters import VALID, DeadLetterQueue, classify, receive_all, release

# ListMessageMoveTasks statuses after which a task does no more.
FINISHED = frozenset({"COMPLETED", "CANCELLED", "FAILED"})
POLL_SECONDS = 2.0
# Hidden while being moved; a crash mid-way lets them reappear in the DLQ after this.
MOVE_HIDE_SECONDS = 300
MAX_RATE = 500  # StartMessageMoveTask's MaxNumberOfMessagesPerSecond limit


class MoveCancelledError(Exception):
    def __init__(self, moved: int) -> None:
        super().__init__(f"cancelled after about {moved} message(s) moved")
        self.moved = moved


def start_move_task(sqs: Any, source_arn: str, destination_arn: str, rate: int | None) -> str:
    request: dict[str, Any] = {"SourceArn": source_arn, "DestinationArn": destination_arn}
    if rate is not None:
        request["MaxNumberOfMessagesPerSecond"] = rate
    return str(sqs.start_message_move_task(**request)["TaskHandle"])


def latest_task(sqs: Any, source_arn: str) -> dict[str, Any]:
    results = sqs.list_message_move_tasks(SourceArn=source_arn, MaxResults=1).get("Results", [])
    return dict(results[0]) if results else {"Status": "UNKNOWN"}


def run_move_task(
    sqs: Any,
    source_arn: str,
    destination_arn: str,
    rate: int | None,
    on_progress: Callable[[dict[str, Any]], None],
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Start the task and follow it until it finishes; Ctrl-C cancels it (MoveCancelledError)."""
    handle = start_move_task(sqs, source_arn, destination_arn, rate)
    try:
        while True:
            task = latest_task(sqs, source_arn)
            on_progress(task)
            if task.get("Status") in FINISHED:
                return task
            sleep(POLL_SECONDS)
    except KeyboardInterrupt:
        moved = sqs.cancel_message_move_task(TaskHandle=handle)
        raise MoveCancelledError(int(moved.get("ApproximateNumberOfMessagesMoved", 0))) from None


def _attributes_to_send(message: dict[str, Any]) -> dict[str, Any]:
    """The message's attributes in SendMessage's shape (data type and value, nothing else)."""
    attributes = {}
    for name, value in (message.get("MessageAttributes") or {}).items():
        kept = {"DataType": value["DataType"]}
        for key in ("StringValue", "BinaryValue"):
            if key in value:
                kept[key] = value[key]
        attributes[name] = kept
    return attributes


@dataclass
class MoveReport:
    queue: str
    moved: list[dict[str, Any]] = field(default_factory=list)
    would_move: list[dict[str, Any]] = field(default_factory=list)
    kept: list[dict[str, Any]] = field(default_factory=list)  # rejected: they stay
    failed: list[dict[str, Any]] = field(default_factory=list)  # a send or delete failed


def _entry(message: dict[str, Any], order_id: str | None, reason: str | None) -> dict[str, Any]:
    return {"messageId": message["MessageId"], "orderId": order_id, "reason": reason}


def move_valid_messages(
    sqs: Any,
    queue: DeadLetterQueue,
    destination_url: str,
    raw_delivery: bool,
    dry_run: bool,
    rate: int | None = None,
    on_message: Callable[[], None] = lambda: None,
) -> MoveReport:
    report = MoveReport(queue.label)
    messages = receive_all(sqs, queue.url, MOVE_HIDE_SECONDS)
    stay: list[dict[str, Any]] = []
    for message in messages:
        verdict, order_id, reason = classify(message.get("Body"), raw_delivery)
        entry = _entry(message, order_id, reason)
        if verdict != VALID:
            report.kept.append(entry)
            stay.append(message)
        elif dry_run:
            report.would_move.append(entry)
            stay.append(message)
        else:
            _move_one(sqs, queue.url, destination_url, message, entry, report, stay)
            if rate:
                time.sleep(1 / rate)
        on_message()
    release(sqs, queue.url, stay)
    return report


def _move_one(
    sqs: Any,
    source_url: str,
    destination_url: str,
    message: dict[str, Any],
    entry: dict[str, Any],
    report: MoveReport,
    stay: list[dict[str, Any]],
) -> None:
    try:
        sqs.send_message(
            QueueUrl=destination_url,
            MessageBody=message["Body"],
            MessageAttributes=_attributes_to_send(message),
        )
    except (ClientError, BotoCoreError) as error:
        report.failed.append({**entry, "reason": f"send failed, kept in the DLQ: {error}"})
        stay.append(message)
        return
    try:
        sqs.delete_message(QueueUrl=source_url, ReceiptHandle=message["ReceiptHandle"])
    except (ClientError, BotoCoreError) as error:
        # Sent but still in the DLQ: a duplicate later, which the function absorbs; not a loss.
        report.failed.append({**entry, "reason": f"sent, but not deleted from the DLQ: {error}"})
        return
    report.moved.append(entry)
