"""The trigger's rules: batch-response handling (pure functions), and where its warnings go."""

from __future__ import annotations

import threading

import pytest

from harness.orders import SEED
from harness.stack_files import load_stack_config
from localcloud.cloud import LocalCloud
from localcloud.trigger import BatchOutcome, failed_ids_of

from .conftest import FAST, wait_for

IDS = ["m1", "m2", "m3"]


@pytest.mark.parametrize(
    "response",
    [None, {}, {"batchItemFailures": []}, {"batchItemFailures": None}, {"statusCode": 200}],
)
def test_an_empty_or_missing_failure_list_means_every_record_succeeded(response: object) -> None:
    assert failed_ids_of(response, IDS) == ([], "")


def test_listed_records_fail_and_only_those() -> None:
    response = {"batchItemFailures": [{"itemIdentifier": "m2"}, {"itemIdentifier": "m2"}]}
    assert failed_ids_of(response, IDS) == (["m2"], "reported in batchItemFailures")


@pytest.mark.parametrize(
    "response",
    [
        {"batchItemFailures": [{"itemIdentifier": "not-in-batch"}]},
        {"batchItemFailures": [{"itemIdentifier": ""}]},
        {"batchItemFailures": [{"itemIdentifier": None}]},
        {"batchItemFailures": [{"messageId": "m1"}]},
        {"batchItemFailures": ["m1"]},
        {"batchItemFailures": "m1"},
        ["m1"],
        "m1",
    ],
)
def test_a_malformed_response_or_unknown_id_fails_the_whole_batch(response: object) -> None:
    failed, reason = failed_ids_of(response, IDS)
    assert failed == IDS and reason


def test_the_trigger_reports_its_troubles_to_the_injected_sink() -> None:
    """An observer that raises does not stop the trigger; the warning goes to `warn`."""
    warnings: list[str] = []
    processed = threading.Event()

    def failing_observer(outcome: BatchOutcome) -> None:
        processed.set()
        raise RuntimeError("observer broke")

    config = load_stack_config("dev", FAST)
    with LocalCloud(config, observers=[failing_observer], warn=warnings.append) as cloud:
        cloud.publish(SEED)
        cloud.start_triggers()
        assert processed.wait(20), "no invocation"
        wait_for(lambda: warnings, 5, "the observer's failure reported")
        cloud.stop_triggers()
        assert cloud.trigger.stats.deleted == 1  # the batch was still settled
    assert any("trigger observer failed" in w and "observer broke" in w for w in warnings)
