"""The native move task (StartMessageMoveTask), with botocore's Stubber pinning every request:
source, destination and rate; status polling until done; Ctrl-C cancels the task."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from botocore.stub import Stubber
from operator_stubs import (
    DLQ_ARN,
    HANDLE,
    QUEUE_ARN,
    StubbedClients,
    expect_function_configuration,
    expect_polls,
    move_task,
    outputs_for_aws,
    sqs_client,
)
from order_pipeline.cli import aws, main
from order_pipeline.cli import redrive as moves
from typer.testing import CliRunner


def test_the_move_task_goes_from_the_dlq_to_the_order_queue_at_the_rate_until_done() -> None:
    sqs = sqs_client()
    with Stubber(sqs) as stubber:
        stubber.add_response(
            "start_message_move_task",
            {"TaskHandle": HANDLE},
            {"SourceArn": DLQ_ARN, "DestinationArn": QUEUE_ARN, "MaxNumberOfMessagesPerSecond": 25},
        )
        expect_polls(
            stubber, [move_task("RUNNING", 0), move_task("RUNNING", 4), move_task("COMPLETED", 7)]
        )
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
    sqs = sqs_client()
    with Stubber(sqs) as stubber:
        stubber.add_response(
            "start_message_move_task",
            {"TaskHandle": HANDLE},
            {"SourceArn": DLQ_ARN, "DestinationArn": QUEUE_ARN},
        )
        expect_polls(stubber, [move_task("COMPLETED", 7)])
        moves.run_move_task(
            sqs, DLQ_ARN, QUEUE_ARN, None, lambda _task: None, sleep=lambda _s: None
        )
        stubber.assert_no_pending_responses()


def test_ctrl_c_cancels_the_move_task() -> None:
    sqs = sqs_client()

    def interrupted(_seconds: float) -> None:
        raise KeyboardInterrupt

    with Stubber(sqs) as stubber:
        stubber.add_response(
            "start_message_move_task",
            {"TaskHandle": HANDLE},
            {"SourceArn": DLQ_ARN, "DestinationArn": QUEUE_ARN, "MaxNumberOfMessagesPerSecond": 5},
        )
        expect_polls(stubber, [move_task("RUNNING", 2)])
        stubber.add_response(
            "cancel_message_move_task",
            {"ApproximateNumberOfMessagesMoved": 2},
            {"TaskHandle": HANDLE},
        )
        with pytest.raises(moves.MoveCancelledError) as cancelled:
            moves.run_move_task(sqs, DLQ_ARN, QUEUE_ARN, 5, lambda _t: None, sleep=interrupted)
        stubber.assert_no_pending_responses()
    assert cancelled.value.moved == 2


@pytest.fixture
def stubbed(monkeypatch: pytest.MonkeyPatch) -> StubbedClients:
    stubs = StubbedClients(aws.new_session())
    monkeypatch.setattr(main, "Clients", lambda _target: stubs)
    return stubs


def test_dlq_redrive_on_aws_uses_the_move_task_for_the_order_dlq(
    stubbed: StubbedClients, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outputs = outputs_for_aws()
    (tmp_path / "outputs.json").write_text(json.dumps(outputs))
    monkeypatch.setattr(moves, "POLL_SECONDS", 0)
    expect_function_configuration(stubbed.stubbers["lambda"])
    sqs = stubbed.stubbers["sqs"]
    sqs.add_response(
        "get_queue_attributes",
        {"Attributes": {"ApproximateNumberOfMessages": "7"}},
        {
            "QueueUrl": outputs["deadLetterQueueUrl"],
            "AttributeNames": [
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
            ],
        },
    )
    sqs.add_response(
        "start_message_move_task",
        {"TaskHandle": HANDLE},
        {"SourceArn": DLQ_ARN, "DestinationArn": QUEUE_ARN, "MaxNumberOfMessagesPerSecond": 50},
    )
    expect_polls(sqs, [move_task("RUNNING", 3), move_task("COMPLETED", 7)])
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
    expect_function_configuration(stubbed.stubbers["lambda"])
    sqs = stubbed.stubbers["sqs"]
    sqs.add_response("get_queue_attributes", {"Attributes": {"ApproximateNumberOfMessages": "2"}})
    sqs.add_response("start_message_move_task", {"TaskHandle": HANDLE})
    failed = {
        **move_task("FAILED", 1, 2),
        "FailureReason": "AWS.SimpleQueueService.NonExistentQueue",
    }
    expect_polls(sqs, [failed])
    for stubber in stubbed.stubbers.values():
        stubber.activate()
    result = CliRunner().invoke(
        main.app, ["--outputs", str(tmp_path / "outputs.json"), "dlq", "redrive", "--yes"]
    )
    assert result.exit_code == 1
    assert "FAILED: AWS.SimpleQueueService.NonExistentQueue" in result.output
