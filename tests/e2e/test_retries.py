"""Failures, with the deployed handler: a partial batch failure and a poison message.

One deployment for the module: two good orders and a malformed one arrive in the
same batch; the malformed one fails on every delivery and ends in the DLQ.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from harness.orders import SEED
from localcloud.cloud import LocalCloud

from .conftest import FAST, Recorder, local_cloud, sns_message_id, wait_for

MAX_RECEIVES = FAST["maxReceiveCount"]
MALFORMED = '{"orderId": "O666", "quantity": '


@dataclass
class PoisonRun:
    cloud: LocalCloud
    recorder: Recorder
    malformed_id: str  # SQS messageId of the malformed message
    good_ids: list[str]


@pytest.fixture(scope="module")
def poison_run() -> Iterator[PoisonRun]:
    with local_cloud() as (cloud, recorder):
        published = [
            cloud.publish(SEED),
            cloud.publish({**SEED, "orderId": "O2"}),
            cloud.publish(MALFORMED),
        ]
        # All three wait in the queue before the trigger starts, so one receive takes them together.
        wait_for(lambda: len(cloud.queue_messages()) == 3, 5, "three messages in the queue")
        by_sns_id = {sns_message_id(m.body): m.message_id for m in cloud.queue_messages()}
        ids = [by_sns_id[p] for p in published]
        cloud.start_triggers()
        timeout = (MAX_RECEIVES + 1) * (FAST["visibilityTimeoutSeconds"] + 2) + 10
        wait_for(lambda: cloud.dead_letters(), timeout, "the malformed message in the DLQ")
        cloud.stop_triggers()
        yield PoisonRun(cloud, recorder, malformed_id=ids[2], good_ids=ids[:2])


def test_a_partial_failure_retries_only_the_failed_record(poison_run: PoisonRun) -> None:
    outcomes = poison_run.recorder.snapshot()
    first = outcomes[0]
    assert sorted(first.record_ids) == sorted([*poison_run.good_ids, poison_run.malformed_id])
    assert first.invocation.ok
    assert first.failed_ids == [poison_run.malformed_id]
    assert sorted(first.deleted_ids) == sorted(poison_run.good_ids)
    # Every later batch carried the malformed message alone.
    assert [o.record_ids for o in outcomes[1:]] == [[poison_run.malformed_id]] * (MAX_RECEIVES - 1)
    counts = poison_run.cloud.trigger.stats.receives
    assert [counts[i] for i in poison_run.good_ids] == [1, 1]
    assert {i["orderId"] for i in poison_run.cloud.items()} == {"O1234", "O2"}


def test_a_poison_message_reaches_the_dlq_after_exactly_max_receive_count_receives(
    poison_run: PoisonRun,
) -> None:
    cloud = poison_run.cloud
    (dead,) = cloud.dead_letters()
    assert dead.message_id == poison_run.malformed_id
    assert dead.receive_count == MAX_RECEIVES  # read without receiving
    assert cloud.trigger.stats.receives[poison_run.malformed_id] == MAX_RECEIVES
    deliveries = [
        int(r["attributes"]["ApproximateReceiveCount"])
        for o in poison_run.recorder.with_record(poison_run.malformed_id)
        for r in o.records
        if r["messageId"] == poison_run.malformed_id
    ]
    assert deliveries == list(range(1, MAX_RECEIVES + 1))
    assert cloud.queue_messages() == []
    assert "O666" not in {i["orderId"] for i in cloud.items()}

    # Through the SQS API a read is itself a receive: the count carries over from the
    # order queue and this ReceiveMessage adds one.
    (message,) = cloud.client("sqs").receive_message(
        QueueUrl=cloud.outputs["deadLetterQueueUrl"], AttributeNames=["All"], VisibilityTimeout=0
    )["Messages"]
    assert message["MessageId"] == poison_run.malformed_id
    assert int(message["Attributes"]["ApproximateReceiveCount"]) == MAX_RECEIVES + 1
    assert sns_message_id(message["Body"])  # the SNS envelope, untouched
