"""The native move task (StartMessageMoveTask), with botocore's Stubber pinning every request:
source, destination and rate; status polling until done; Ctrl-C cancels the task."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from order_pipeline.cli import aws, main
from order_pipeline.cli import redrive as moves
from typer.testing import CliRunner

ACCOUNT = "123456789012"
REGION = "eu-west-1"
QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders-prod-queue"
DLQ_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders-prod-dlq"
HANDLE = "task-handle-1"


def _sqs() -> Any:
    return boto3.client("sqs", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")


def _task(status: str, moved: int, total: int = 7) -> dict[str, Any]:
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


def _expect_polls(stubber: Stubber, tasks: list[dict[str, Any]]) -> None:
    for task in tasks:
        stubber.add_response(
            "list_message_move_tasks",
            {"Results": [task]},
            {"SourceArn": DLQ_ARN, "MaxResults": 1},
        )


def test_the_move_task_goes_from_the_dlq_to_the_order_queue_at_the_rate_until_done() -> None:
    sqs = _sqs()
    with Stubber(sqs) as stubber:
        stubber.add_response(
            "start_message_move_task",
            {"TaskHandle": HANDLE},
            {"SourceArn": DLQ_ARN, "DestinationArn": QUEUE_ARN, "MaxNumberOfMessagesPerSecond": 25},
        )
        _expect_polls(stubber, [_task("RUNNING", 0), _task("RUNNING", 4), _task("COMPLETED", 7)])
        seen: list[int] = []
        sleeps: list[float] = []
        final = moves.run_move_task(
            sqs,
            DLQ_ARN,
            QUEUE_ARN,
            25,
            lambda task: seen.append(task["ApproximateNumberOfMessagesMoved"]),
            sleep=sleeps.append,
        )
        stubber.assert_no_pending_responses()
    assert final["Status"] == "COMPLETED"
    assert seen == [0, 4, 7]
    assert sleeps == [moves.POLL_SECONDS, moves.POLL_SECONDS]


def test_without_a_rate_sqs_chooses_it() -> None:
    sqs = _sqs()
    with Stubber(sqs) as stubber:
        stubber.add_response(
            "start_message_move_task",
            {"TaskHandle": HANDLE},
            {"SourceArn": DLQ_ARN, "DestinationArn": QUEUE_ARN},
        )
        _expect_polls(stubber, [_task("COMPLETED", 7)])
        moves.run_move_task(
            sqs, DLQ_ARN, QUEUE_ARN, None, lambda _task: None, sleep=lambda _s: None
        )
        stubber.assert_no_pending_responses()


def test_ctrl_c_cancels_the_task() -> None:
    sqs = _sqs()

    def interrupted(_seconds: float) -> None:
        raise KeyboardInterrupt

    with Stubber(sqs) as stubber:
        stubber.add_response(
            "start_message_move_task",
            {"TaskHandle": HANDLE},
            {"SourceArn": DLQ_ARN, "DestinationArn": QUEUE_ARN, "MaxNumberOfMessagesPerSecond": 5},
        )
        _expect_polls(stubber, [_task("RUNNING", 2)])
        stubber.add_response(
            "cancel_message_move_task",
            {"ApproximateNumberOfMessagesMoved": 2},
            {"TaskHandle": HANDLE},
        )
        with pytest.raises(moves.MoveCancelledError) as cancelled:
            moves.run_move_task(sqs, DLQ_ARN, QUEUE_ARN, 5, lambda _t: None, sleep=interrupted)
        stubber.assert_no_pending_responses()
    assert cancelled.value.moved == 2


# --- the whole command against "AWS" (an --outputs file), every request pinned --------------


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


@pytest.fixture
def stubbed(monkeypatch: pytest.MonkeyPatch) -> StubbedClients:
    stubs = StubbedClients(aws.new_session())
    monkeypatch.setattr(main, "Clients", lambda _target: stubs)
    return stubs


def _function_configuration(stubber: Stubber) -> None:
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


def test_dlq_redrive_on_aws_uses_the_move_task_for_the_order_dlq(
    stubbed: StubbedClients, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outputs = outputs_for_aws()
    (tmp_path / "outputs.json").write_text(json.dumps(outputs))
    monkeypatch.setattr(moves, "POLL_SECONDS", 0)
    _function_configuration(stubbed.stubbers["lambda"])
    sqs = stubbed.stubbers["sqs"]
    sqs.add_response(
        "get_queue_attributes",
        {"Attributes": {"ApproximateNumberOfMessages": "7"}},
        {
            "QueueUrl": outputs["deadLetterQueueUrl"],
            "AttributeNames": ["ApproximateNumberOfMessages"],
        },
    )
    sqs.add_response(
        "start_message_move_task",
        {"TaskHandle": HANDLE},
        {"SourceArn": DLQ_ARN, "DestinationArn": QUEUE_ARN, "MaxNumberOfMessagesPerSecond": 50},
    )
    _expect_polls(sqs, [_task("RUNNING", 3), _task("COMPLETED", 7)])
    # The subscription's DLQ always goes message by message: here it is empty.
    sqs.add_response(
        "receive_message",
        {},
        {
            "QueueUrl": outputs["subscriptionDeadLetterQueueUrl"],
            "MaxNumberOfMessages": 10,
            "VisibilityTimeout": moves.MOVE_HIDE_SECONDS,
            "WaitTimeSeconds": 1,
            "AttributeNames": ["All"],
            "MessageSystemAttributeNames": ["All"],
            "MessageAttributeNames": ["All"],
        },
    )
    for stubber in stubbed.stubbers.values():
        stubber.activate()
    result = CliRunner().invoke(
        main.app,
        ["--outputs", str(tmp_path / "outputs.json"), "dlq", "redrive", "--rate", "50", "--yes"],
    )
    assert result.exit_code == 0, result.output
    for stubber in stubbed.stubbers.values():
        stubber.assert_no_pending_responses()
    assert "StartMessageMoveTask" in result.output
    assert "moved 7 message(s)" in result.output


def test_a_failed_move_task_exits_1_with_its_reason(
    stubbed: StubbedClients, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outputs = {k: v for k, v in outputs_for_aws().items() if "subscription" not in k}
    (tmp_path / "outputs.json").write_text(json.dumps(outputs))
    monkeypatch.setattr(moves, "POLL_SECONDS", 0)
    _function_configuration(stubbed.stubbers["lambda"])
    sqs = stubbed.stubbers["sqs"]
    sqs.add_response("get_queue_attributes", {"Attributes": {"ApproximateNumberOfMessages": "2"}})
    sqs.add_response("start_message_move_task", {"TaskHandle": HANDLE})
    failed = {**_task("FAILED", 1, 2), "FailureReason": "AWS.SimpleQueueService.NonExistentQueue"}
    _expect_polls(sqs, [failed])
    for stubber in stubbed.stubbers.values():
        stubber.activate()
    result = CliRunner().invoke(
        main.app, ["--outputs", str(tmp_path / "outputs.json"), "dlq", "redrive", "--yes"]
    )
    assert result.exit_code == 1
    assert "FAILED: AWS.SimpleQueueService.NonExistentQueue" in result.output
