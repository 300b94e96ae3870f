"""The trigger's rules as pure functions: the Lambda event record and batch-response handling."""

from __future__ import annotations

import pytest

from localcloud.trigger import failed_ids_of

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
