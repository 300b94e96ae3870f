"""The operator IAM policy in docs/operator.md covers exactly the API calls the commands make.

Every command runs in process against the local cloud (and the native move task against
stubbed clients, as moto lacks it) with a botocore event hook that records each call's IAM
action and the resource it addresses; per command, the recorded (action, resource) pairs
must equal the documented statements' pairs: nothing missing, nothing extra.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber
from operator_stubs import (
    HANDLE,
    REGION,
    StubbedClients,
    expect_function_configuration,
    expect_polls,
    move_task,
    outputs_for_aws,
)
from order_pipeline.cli import aws, main
from order_pipeline.cli import redrive as moves
from orders import order
from typer.testing import CliRunner

from harness.stack_files import PROJECT_ROOT

from .conftest import RETRY_WAIT_FOR_DLQ, local_cloud, served, wait_for

DOC = PROJECT_ROOT / "docs" / "operator.md"
# Statement Sid prefix of each command.
COMMANDS = {
    "status": "Status",
    "publish": "Publish",
    "orders": "Orders",
    "smoke": "Smoke",
    "dlq list": "DlqList",
    "dlq redrive": "DlqRedrive",
}
# botocore's service id -> IAM's service prefix, where they differ.
IAM_PREFIX = {"cloudwatch-logs": "logs"}
# Batch calls are authorised as the single-message action.
SINGLE = {
    "ChangeMessageVisibilityBatch": "ChangeMessageVisibility",
    "DeleteMessageBatch": "DeleteMessage",
    "SendMessageBatch": "SendMessage",
}
# Calls that IAM cannot (or the command does not) narrow to one of the stack's resources.
UNSCOPED = {
    "cloudwatch:GetMetricStatistics": "*",
    "lambda:ListEventSourceMappings": "*",
    "cloudwatch:DescribeAlarms": "arn:aws:cloudwatch:<region>:<account>:alarm:*",
}

Pair = tuple[str, str]


def documented_policy() -> dict[str, Any]:
    blocks = re.findall(r"```json\n(.*?)```", DOC.read_text(), flags=re.DOTALL)
    policies = [json.loads(b) for b in blocks if '"Statement"' in b]
    assert len(policies) == 1, "docs/operator.md must have exactly one policy block"
    policy: dict[str, Any] = policies[0]
    return policy


def documented_pairs() -> dict[str, set[Pair]]:
    pairs: dict[str, set[Pair]] = defaultdict(set)
    for statement in documented_policy()["Statement"]:
        assert statement["Effect"] == "Allow"
        (command,) = [c for c, prefix in COMMANDS.items() if statement["Sid"].startswith(prefix)]
        for action in statement["Action"]:
            for resource in statement["Resource"]:
                pairs[command].add((action, resource))
    return pairs


class CallRecorder:
    """A botocore `before-parameter-build` hook: (IAM action, resource) per command."""

    def __init__(self, *outputs: dict[str, Any]) -> None:
        self.command = ""
        self.calls: dict[str, set[Pair]] = defaultdict(set)
        self.key_of = {str(v): k for out in outputs for k, v in out.items()}

    def __call__(self, params: dict[str, Any], model: Any, event_name: str, **_: Any) -> None:
        service = event_name.split(".")[1]
        action = f"{IAM_PREFIX.get(service, service)}:{SINGLE.get(model.name, model.name)}"
        self.calls[self.command].add((action, self.resource(action, params)))

    def resource(self, action: str, params: dict[str, Any]) -> str:
        if action in UNSCOPED:
            return UNSCOPED[action]
        if "QueueUrl" in params:
            return f"<{self.key_of[params['QueueUrl']].removesuffix('Url')}Arn>"
        if "SourceArn" in params:
            return f"<{self.key_of[params['SourceArn']]}>"
        if "TaskHandle" in params:
            return "<deadLetterQueueArn>"  # the order DLQ is the only move task source
        named = {
            "TopicArn": "<topicArn>",
            "TableName": "<tableArn>",
            "FunctionName": "<functionArn>",
            "logGroupName": "<logGroupArn>",
        }
        for param, resource in named.items():
            if param in params:
                return resource
        raise AssertionError(f"{action}: no rule for the resource of {sorted(params)}")


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Iterator[CallRecorder]:
    recording = CallRecorder(outputs_for_aws())
    real_session = aws.new_session

    def recording_session() -> Any:
        session = real_session()
        session.events.register("before-parameter-build", recording)
        return session

    monkeypatch.setattr(aws, "new_session", recording_session)
    yield recording


def _invoke(recorder: CallRecorder, command: str, *args: str) -> Any:
    recorder.command = command
    result = CliRunner().invoke(main.app, list(args))
    return result


def _envelope(body: str) -> str:
    return json.dumps({"Type": "Notification", "MessageId": "m", "Message": body})


def _run_everything_locally(recorder: CallRecorder, state_dir: Path) -> None:
    with local_cloud() as (cloud, _recorder), served(cloud, state_dir):
        recorder.key_of.update({str(v): k for k, v in cloud.outputs.items()})
        cloud.start_triggers()
        for command, args in [
            ("status", ["status", "--json"]),
            ("publish", ["publish", json.dumps(order("O-POLICY"))]),
            ("orders", ["orders", "--json"]),
            ("smoke", ["smoke", "--timeout", "30"]),
        ]:
            result = _invoke(recorder, command, "--local", *args)
            assert result.exit_code == 0, (command, result.output)
        # Something in each dead-letter queue, valid and rejected (sent by plain clients).
        cloud.publish('{"orderId": "O666", "quantity": ')
        wait_for(lambda: cloud.dead_letters(), RETRY_WAIT_FOR_DLQ, "the poison in the DLQ")
        sqs = cloud.client("sqs")
        valid = _envelope(json.dumps(order("O-VALID")))
        sqs.send_message(QueueUrl=cloud.outputs["deadLetterQueueUrl"], MessageBody=valid)
        sqs.send_message(
            QueueUrl=cloud.outputs["subscriptionDeadLetterQueueUrl"], MessageBody=valid
        )
        for args in (
            ["list", "--json"],
            ["redrive", "--dry-run"],
            ["redrive", "--valid-only", "--yes"],
        ):
            result = _invoke(recorder, f"dlq {args[0]}", "--local", "dlq", *args)
            assert result.exit_code == 0, (args, result.output)


def _run_the_native_move_task(recorder: CallRecorder, tmp_path: Path, monkeypatch: Any) -> None:
    outputs = outputs_for_aws()
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(outputs))
    stubs = StubbedClients(aws.new_session())
    monkeypatch.setattr(main, "Clients", lambda _target: stubs)
    monkeypatch.setattr(moves, "POLL_SECONDS", 0)
    expect_function_configuration(stubs.stubbers["lambda"])
    sqs = stubs.stubbers["sqs"]
    sqs.add_response("get_queue_attributes", {"Attributes": {"ApproximateNumberOfMessages": "3"}})
    sqs.add_response("start_message_move_task", {"TaskHandle": HANDLE})
    expect_polls(sqs, [move_task("COMPLETED", 3)])
    sqs.add_response("receive_message", {})  # the subscription's DLQ: empty
    for stubber in stubs.stubbers.values():
        stubber.activate()
    result = _invoke(recorder, "dlq redrive", "--outputs", str(path), "dlq", "redrive", "--yes")
    assert result.exit_code == 0, result.output

    # Ctrl-C during the task cancels it.
    client = aws.new_session().client(
        "sqs", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client) as stubber:
        stubber.add_response("start_message_move_task", {"TaskHandle": HANDLE})
        expect_polls(stubber, [move_task("RUNNING", 1)])
        stubber.add_response("cancel_message_move_task", {"ApproximateNumberOfMessagesMoved": 1})

        def interrupted(_seconds: float) -> None:
            raise KeyboardInterrupt

        with pytest.raises(moves.MoveCancelledError):
            moves.run_move_task(
                client,
                outputs["deadLetterQueueArn"],
                outputs["queueArn"],
                None,
                lambda _t: None,
                interrupted,
            )


def test_the_documented_policy_is_exactly_what_the_commands_call(
    recorder: CallRecorder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run_everything_locally(recorder, tmp_path / "state")
    _run_the_native_move_task(recorder, tmp_path, monkeypatch)
    documented = documented_pairs()
    assert set(recorder.calls) == set(COMMANDS)
    for command in COMMANDS:
        called, granted = recorder.calls[command], documented[command]
        assert called - granted == set(), f"{command}: called but not in the policy"
        assert granted - called == set(), f"{command}: in the policy but never called"


def test_the_policy_placeholders_are_stack_outputs() -> None:
    from stacks import deploy

    outputs = set(deploy("dev").outputs) | {"logGroupArn", "region", "account"}
    text = json.dumps(documented_policy())
    assert set(re.findall(r"<([A-Za-z]+)>", text)) <= outputs
