"""`order-pipeline --local` end to end: every command against a deployed local cloud, through
the installed console script (as a user types it) and, where speed matters, in process."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cli.conftest import SCRIPT, run_script
from order_pipeline.cli.dead_letters import classify
from order_pipeline.cli.main import app
from order_pipeline.cli.smoke import PROBE_PREFIX
from orders import order
from typer.testing import CliRunner

from localcloud.cloud import LocalCloud

from .conftest import FAST, RETRY_WAIT_FOR_DLQ, local_cloud, served, wait_for

RETRY_WAIT = RETRY_WAIT_FOR_DLQ
POISON = '{"orderId": "O666", "quantity": '


@dataclass
class Operated:
    cloud: LocalCloud
    env: dict[str, str]

    def script(self, *args: str, input_text: str | None = None) -> subprocess.CompletedProcess[str]:
        return run_script("--local", *args, env=self.env, input_text=input_text)

    def invoke(self, *args: str) -> Any:
        return CliRunner().invoke(app, ["--local", *args])

    def stored_ids(self) -> set[str]:
        return {str(item["orderId"]) for item in self.cloud.items()}


@pytest.fixture(scope="module")
def operated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Operated]:
    with local_cloud() as (cloud, _recorder):
        cloud.start_triggers()
        with served(cloud, tmp_path_factory.mktemp("state")) as env:
            yield Operated(cloud, env)


def test_the_console_script_is_installed() -> None:
    assert SCRIPT.is_file()


def test_publish_orders_and_status(operated: Operated, tmp_path: Path) -> None:
    path = tmp_path / "order.json"
    path.write_text(json.dumps(order("O-FILE")))
    published = operated.script(
        "publish",
        json.dumps(order("O-ARG")),
        f"@{path}",
        "-",
        input_text=json.dumps(order("O-STDIN")),
    )
    assert published.returncode == 0, published.stderr
    for order_id in ("O-ARG", "O-FILE", "O-STDIN"):
        assert f"orderId {order_id}  messageId " in published.stdout
    wanted = {"O-ARG", "O-FILE", "O-STDIN"}
    wait_for(lambda: wanted <= operated.stored_ids(), 20, "the three orders in the table")

    listed = operated.script("orders", "--json")
    assert listed.returncode == 0, listed.stderr
    items = json.loads(listed.stdout)
    assert wanted <= {i["orderId"] for i in items}
    assert all({"orderId", "status"} <= i.keys() for i in items)
    assert len(json.loads(operated.script("orders", "--json", "--limit", "1").stdout)) == 1
    table = operated.script("orders")
    assert "O-STDIN" in table.stdout and "\t" in table.stdout  # plain when not a terminal

    status = operated.script("status", "--json")
    assert status.returncode == 0, status.stderr
    data = json.loads(status.stdout)
    outputs = operated.cloud.outputs
    assert data["endpointUrl"] == operated.cloud.emulator.endpoint
    assert data["queue"]["url"] == outputs["queueUrl"]
    assert {"visible", "inFlight", "oldestAgeSeconds"} <= data["queue"].keys()
    assert data["deadLetterQueue"]["url"] == outputs["deadLetterQueueUrl"]
    assert isinstance(data["deadLetterQueue"]["visible"], int)
    assert data["subscriptionDeadLetterQueue"]["url"] == outputs["subscriptionDeadLetterQueueUrl"]
    deployment = operated.cloud.deployment
    assert deployment is not None
    deployed_alarms = {
        r.inputs["name"] for r in deployment.run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    }
    assert {alarm["name"] for alarm in data["alarms"]} == deployed_alarms
    assert data["table"]["name"] == outputs["tableName"]


def test_publish_refuses_an_invalid_order_and_publishes_nothing(operated: Operated) -> None:
    result = operated.script(
        "publish", json.dumps(order("O-OK")), json.dumps(order("O-BAD", quantity=0))
    )
    assert result.returncode == 2
    assert "order 2" in result.stderr and "quantity" in result.stderr
    assert "O-OK" not in result.stdout


def test_smoke_passes_and_leaves_no_probe(operated: Operated) -> None:
    result = operated.script("smoke", "--timeout", "30")
    assert result.returncode == 0, result.stdout + result.stderr
    for step in (
        "published the probe order",
        "the probe order is in the table",
        "the function logged it (stored",
        "deleted the probe item",
    ):
        assert step in result.stdout
    assert not [i for i in operated.stored_ids() if i.startswith(PROBE_PREFIX)]


def test_smoke_names_the_step_that_did_not_happen(operated: Operated) -> None:
    cloud = operated.cloud
    cloud.stop_triggers()  # the probe waits in the queue
    try:
        result = operated.invoke("smoke", "--timeout", "2")
    finally:
        cloud.start_triggers()
    assert result.exit_code == 1
    assert "'the probe order is in the table' did not happen within 2 s" in result.output
    assert "if it arrives later: aws dynamodb delete-item" in result.output
    # The late probe arrives once the trigger runs again (documented); clean it up.
    probes = wait_for(
        lambda: [i for i in operated.stored_ids() if i.startswith(PROBE_PREFIX)], 20, "the probe"
    )
    for probe in probes:
        cloud.client("dynamodb").delete_item(
            TableName=cloud.outputs["tableName"], Key={"orderId": {"S": probe}}
        )


# --- the dead-letter queues -------------------------------------------------------------------


@dataclass
class DeadLetters:
    transient_order: str
    poison_id: str  # SQS messageId
    undeliverable_order: str


def _recreate_table(cloud: LocalCloud, description: dict[str, Any]) -> None:
    cloud.client("dynamodb").create_table(
        TableName=description["TableName"],
        KeySchema=description["KeySchema"],
        AttributeDefinitions=description["AttributeDefinitions"],
        BillingMode="PAY_PER_REQUEST",
    )


def _sns_undeliverable(cloud: LocalCloud, body: dict[str, Any]) -> None:
    """What SNS puts in the subscription's DLQ when it cannot deliver (see docs/operator.md):
    the envelope it would have delivered, plus ErrorCode/ErrorMessage. moto never sends
    there, so the test does."""
    envelope = {
        "Type": "Notification",
        "MessageId": "11111111-2222-3333-4444-555555555555",
        "TopicArn": cloud.outputs["topicArn"],
        "Message": json.dumps(body),
        "Timestamp": "2025-05-03T12:00:01.000Z",
    }
    cloud.client("sqs").send_message(
        QueueUrl=cloud.outputs["subscriptionDeadLetterQueueUrl"],
        MessageBody=json.dumps(envelope),
        MessageAttributes={
            "ErrorCode": {"DataType": "String", "StringValue": "403"},
            "ErrorMessage": {"DataType": "String", "StringValue": "not authorized to SendMessage"},
            "RequestID": {"DataType": "String", "StringValue": "request-1"},
        },
    )


@pytest.fixture(scope="module")
def dead_letters(operated: Operated) -> DeadLetters:
    cloud = operated.cloud
    dynamodb = cloud.client("dynamodb")
    description = dynamodb.describe_table(TableName=cloud.outputs["tableName"])["Table"]
    # A transient failure: the table is gone while the order is retried, then back.
    dynamodb.delete_table(TableName=cloud.outputs["tableName"])
    result = operated.invoke("publish", json.dumps(order("O-TRANSIENT")))
    assert result.exit_code == 0, result.output
    cloud.publish(POISON)  # the command refuses to publish it; a plain client does not
    wait_for(lambda: len(cloud.dead_letters()) == 2, RETRY_WAIT, "both messages in the DLQ")
    _recreate_table(cloud, description)
    _sns_undeliverable(cloud, order("O-UNDELIVERED"))
    poison = next(m for m in cloud.dead_letters() if "O666" in m.body)
    return DeadLetters("O-TRANSIENT", poison.message_id, "O-UNDELIVERED")


def _listing(operated: Operated) -> dict[str | None, dict[str, Any]]:
    result = operated.script("dlq", "list", "--json")
    assert result.returncode == 0, result.stderr
    return {
        row["orderId"] if row["orderId"] else row["messageId"]: row
        for row in json.loads(result.stdout)
    }


def test_dlq_list_says_why_each_message_is_there(
    operated: Operated, dead_letters: DeadLetters
) -> None:
    rows = _listing(operated)
    keys = {"messageId", "orderId", "receiveCount", "sentAt", "verdict", "reason"}
    assert all(keys <= row.keys() for row in rows.values())

    transient = rows[dead_letters.transient_order]
    assert (transient["queue"], transient["verdict"], transient["reason"]) == (
        "dead-letter",
        "valid",
        None,
    )
    assert transient["receiveCount"] == FAST["maxReceiveCount"]
    assert transient["loggedReason"].startswith("failed: ResourceNotFoundException")
    assert transient["snsMessageId"]

    poison = rows[dead_letters.poison_id]
    body = next(
        m.body for m in operated.cloud.dead_letters() if m.message_id == dead_letters.poison_id
    )
    _verdict, _order_id, reason = classify(body, raw_delivery=False)
    assert (poison["verdict"], poison["orderId"], poison["reason"]) == ("rejected", None, reason)
    assert poison["loggedReason"] == f"rejected: {reason}"  # what the function itself said

    undelivered = rows[dead_letters.undeliverable_order]
    assert (undelivered["queue"], undelivered["verdict"]) == ("undeliverable", "valid")
    assert undelivered["deliveryError"] == "403: not authorized to SendMessage"
    assert undelivered["snsMessageId"] == "11111111-2222-3333-4444-555555555555"

    table = operated.script("dlq", "list")
    assert "rejected" in table.stdout and "the function last logged failed" in table.stdout


def _queues(operated: Operated) -> tuple[set[str], set[str]]:
    cloud = operated.cloud
    undeliverable = cloud.emulator.queue_snapshot(cloud.outputs["subscriptionDeadLetterQueueUrl"])
    return {m.message_id for m in cloud.dead_letters()}, {m.message_id for m in undeliverable}


def test_dry_run_moves_nothing(operated: Operated, dead_letters: DeadLetters) -> None:
    before, stored = _queues(operated), operated.stored_ids()
    result = operated.script("dlq", "redrive", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "dry run: nothing was moved" in result.stdout
    assert "O-TRANSIENT" in result.stdout and "O-UNDELIVERED" in result.stdout
    assert _queues(operated) == before
    assert operated.stored_ids() == stored
    assert operated.cloud.queue_messages() == []


def test_redrive_without_a_terminal_or_yes_exits_2(
    operated: Operated, dead_letters: DeadLetters
) -> None:
    before = _queues(operated)
    result = subprocess.run(
        [str(SCRIPT), "--local", "dlq", "redrive"],
        env={**__import__("os").environ, **operated.env},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "pass --yes" in result.stderr
    assert _queues(operated) == before


def test_redrive_stores_the_valid_ones_and_keeps_the_rejected(
    operated: Operated, dead_letters: DeadLetters
) -> None:
    result = operated.script("dlq", "redrive", "--yes")
    # Without --valid-only a rejected message that had to stay is something left undone.
    assert result.returncode == 1, result.stdout + result.stderr
    assert "the local emulator has no StartMessageMoveTask" in result.stdout
    assert "1 rejected message(s) stay" in result.stderr
    wanted = {dead_letters.transient_order, dead_letters.undeliverable_order}
    wait_for(lambda: wanted <= operated.stored_ids(), 20, "the redriven orders in the table")
    dead_letter_ids, undeliverable_ids = _queues(operated)
    assert dead_letter_ids == {dead_letters.poison_id}
    assert undeliverable_ids == set()

    again = operated.invoke("dlq", "redrive", "--yes", "--valid-only")
    assert again.exit_code == 0, again.output
    assert _queues(operated)[0] == {dead_letters.poison_id}


# --- --stack: a stand-in `pulumi` whose outputs point at the emulator through the AWS chain ----


def test_stack_with_a_stand_in_pulumi(operated: Operated, tmp_path: Path) -> None:
    import stat
    import sys

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "outputs.json").write_text(json.dumps(operated.cloud.outputs))
    pulumi = bin_dir / "pulumi"
    pulumi.write_text(
        f"#!{sys.executable}\nimport pathlib, sys\n"
        "assert sys.argv[1:] == ['stack', 'output', '--json', '--stack', 'dev'], sys.argv\n"
        "print((pathlib.Path(__file__).parent / 'outputs.json').read_text())\n"
    )
    pulumi.chmod(pulumi.stat().st_mode | stat.S_IEXEC)
    # The standard AWS chain: here its environment variables lead to the emulator.
    env = {
        "PATH": str(bin_dir),
        "AWS_ENDPOINT_URL": operated.cloud.emulator.endpoint,
        "AWS_ACCESS_KEY_ID": "operator",
        "AWS_SECRET_ACCESS_KEY": "operator",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }
    status = run_script("--stack", "dev", "status", "--json", env=env)
    assert status.returncode == 0, status.stderr
    data = json.loads(status.stdout)
    assert data["endpointUrl"] is None  # not the local target: AWS, as the chain says
    assert data["queue"]["url"] == operated.cloud.outputs["queueUrl"]
    listed = run_script("--stack", "dev", "orders", "--json", env=env)
    assert listed.returncode == 0 and isinstance(json.loads(listed.stdout), list)
