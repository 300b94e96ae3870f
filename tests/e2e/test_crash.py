"""A function that crashes or hangs: the whole batch comes back after the visibility timeout.

Deployed through the code_override test seam with handlers/flaky (a package that fails
on a batch's first delivery); everything else — config, resources, trigger — is the
real dev stack.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from harness.orders import SEED
from localcloud.cloud import LocalCloud

from .conftest import FAST, FLAKY_HANDLER, Recorder, local_cloud, wait_for


@dataclass
class CrashRun:
    cloud: LocalCloud
    recorder: Recorder
    crashed_ids: list[str]
    hung_id: str
    unknown_id_id: str


@pytest.fixture(scope="module")
def crash_run() -> Iterator[CrashRun]:
    with local_cloud(code_override=FLAKY_HANDLER) as (cloud, recorder):
        for order_id in ("C1", "C2", "C3"):
            cloud.publish({**SEED, "orderId": order_id})
        wait_for(lambda: len(cloud.queue_messages()) == 3, 5, "three messages in the queue")
        crashed_ids = sorted(m.message_id for m in cloud.queue_messages())
        cloud.start_triggers()
        wait_for(lambda: recorder.snapshot(), 10, "the first (crashing) invocation")
        cloud.publish({**SEED, "orderId": "U1", "behaviour": "unknown-id"})
        wait_for(lambda: len(recorder.snapshot()) == 2, 10, "the unknown-id invocation")
        cloud.publish({**SEED, "orderId": "H1", "behaviour": "hang"})
        timeout = 2 * (FAST["visibilityTimeoutSeconds"] + FAST["functionTimeoutSeconds"]) + 10
        wait_for(lambda: len(cloud.items()) == 5, timeout, "all five orders stored on retry")
        cloud.stop_triggers()
        outcomes = recorder.snapshot()
        hung = next(o for o in outcomes if o.invocation.timed_out)
        yield CrashRun(
            cloud,
            recorder,
            crashed_ids,
            hung_id=hung.record_ids[0],
            unknown_id_id=outcomes[1].record_ids[0],
        )


def _seen(cloud: LocalCloud, order_id: str) -> dict:
    item = cloud.item(order_id)
    assert item is not None
    return json.loads(item["seen"])


def test_a_crash_returns_the_whole_batch_which_is_processed_on_retry(crash_run: CrashRun) -> None:
    first = crash_run.recorder.snapshot()[0]
    assert sorted(first.record_ids) == crash_run.crashed_ids
    assert not first.invocation.ok
    assert first.invocation.error["errorType"] == "RuntimeError"
    assert first.deleted_ids == [] and sorted(first.failed_ids) == crash_run.crashed_ids
    retried = [
        o
        for o in crash_run.recorder.snapshot()[1:]
        if set(o.record_ids) & set(crash_run.crashed_ids)
    ]
    assert all(o.invocation.ok for o in retried)
    # (The hanging order may share a retry batch with them.)
    assert (
        sorted(i for o in retried for i in o.deleted_ids if i in crash_run.crashed_ids)
        == crash_run.crashed_ids
    )
    for order_id in ("C1", "C2", "C3"):
        assert _seen(crash_run.cloud, order_id)["receiveCount"] == "2"
    assert crash_run.cloud.queue_messages() == [] and crash_run.cloud.dead_letters() == []


def test_a_timeout_kills_the_worker_and_the_batch_is_retried(crash_run: CrashRun) -> None:
    hung = crash_run.recorder.with_record(crash_run.hung_id)
    assert len(hung) == 2
    assert hung[0].invocation.timed_out
    assert hung[0].invocation.error["errorMessage"] == "Task timed out after 1.00 seconds"
    assert hung[0].deleted_ids == []
    assert hung[1].invocation.ok and crash_run.hung_id in hung[1].deleted_ids
    # The timed-out worker process was killed; the retry ran in another one.
    killed = hung[0].invocation.worker_pid
    assert killed is not None and hung[1].invocation.worker_pid != killed
    with pytest.raises(ProcessLookupError):
        os.kill(killed, 0)
    assert _seen(crash_run.cloud, "H1")["receiveCount"] == "2"


def test_a_failure_for_an_id_not_in_the_batch_fails_the_whole_batch(crash_run: CrashRun) -> None:
    first, *later = crash_run.recorder.with_record(crash_run.unknown_id_id)
    assert first.invocation.ok
    assert first.invocation.result == {"batchItemFailures": [{"itemIdentifier": "no-such-message"}]}
    assert first.failed_ids == [crash_run.unknown_id_id] and first.deleted_ids == []
    assert "not in the batch" in first.reason
    assert later and crash_run.unknown_id_id in later[-1].deleted_ids
    assert _seen(crash_run.cloud, "U1")["receiveCount"] == "2"


def test_the_function_sees_the_deployed_configuration(crash_run: CrashRun) -> None:
    cloud = crash_run.cloud
    seen = _seen(cloud, "C1")
    runtime = cloud.trigger.runtime
    assert seen["functionName"] == cloud.outputs["functionName"]
    assert seen["invokedFunctionArn"] == cloud.outputs["functionArn"]
    assert seen["memoryLimitInMb"] == cloud.settings["memoryMb"]
    assert 0 < seen["remainingMs"] <= FAST["functionTimeoutSeconds"] * 1000
    assert seen["awsRequestId"]
    assert seen["tableName"] == cloud.outputs["tableName"]
    assert seen["rawMessageDelivery"] == "false"
    assert seen["endpoint"] == cloud.emulator.endpoint
    assert seen["region"] == "us-east-1"
    # The code ran from the extracted deployment package, not from the repository.
    assert seen["cwd"] == str(runtime.task_root)
    assert seen["handlerFile"] == str(runtime.task_root / "handler" / "index.py")
    assert seen["projectImportable"] is False
    assert seen["eventSource"] == "aws:sqs"
    assert seen["eventSourceARN"] == cloud.outputs["queueArn"]
