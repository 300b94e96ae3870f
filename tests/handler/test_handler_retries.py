"""The handler's own retries: each transiently failing write gets its attempts, whatever else fails.

Faults are injected into the handler's real client at the botocore level (see `Faults` in
conftest.py), so what runs is the handler's client configuration and retry loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ParamValidationError,
    ReadTimeoutError,
)
from conftest import (
    INTERNAL_ERROR,
    PROVISIONED_THROUGHPUT,
    THROTTLED,
    VALIDATION,
    Fault,
    Faults,
    first_attempts,
    raising,
)
from order_pipeline.handler import index
from order_pipeline.handler.batch import PARALLELISM
from order_pipeline.handler.retries import is_transient
from order_pipeline.handler.timing import MAX_ATTEMPTS
from orders import order

Outcomes = Callable[[], list[dict[str, Any]]]

READ_TIMEOUT = raising(lambda url: ReadTimeoutError(endpoint_url=url))
CONNECTION_REFUSED = raising(lambda url: EndpointConnectionError(endpoint_url=url))
TRANSIENT_FAULTS = [
    THROTTLED,
    PROVISIONED_THROUGHPUT,
    INTERNAL_ERROR,
    READ_TIMEOUT,
    CONNECTION_REFUSED,
]


def test_every_failing_write_keeps_its_attempts_through_a_long_run_of_conditional_check_failures(
    pipeline: Any, faults: Faults
) -> None:
    """botocore's shared retry quota would be drained by now; the handler's attempts are not.

    Each batch has 70 duplicates (ConditionalCheckFailedException, HTTP 400) and 30 writes
    that fail transiently on every attempt (throttling, 5xx, timeouts, refused connections).
    botocore's `standard` mode would have spent its 500-token quota on the first ~100
    retries and refunded none: later writes would get one attempt.
    """
    template = pipeline.event_for(order("D000"))["Records"][0]
    stored = pipeline.copies(template, [order(f"D{n:03d}") for n in range(70)])
    assert pipeline.invoke({"Records": stored}) == {"batchItemFailures": []}
    for batch in range(4):
        failing_orders = [order(f"F{batch}-{n:02d}") for n in range(30)]
        for n, failing_order in enumerate(failing_orders):
            faults.faults[failing_order["orderId"]] = TRANSIENT_FAULTS[n % len(TRANSIENT_FAULTS)]
        failing = pipeline.copies(template, failing_orders)
        response = pipeline.invoke({"Records": stored + failing})
        assert pipeline.failures(response) == [record["messageId"] for record in failing]
    failing_ids = [order_id for order_id in faults.attempts if order_id.startswith("F")]
    assert len(failing_ids) == 120
    assert {faults.attempts[order_id] for order_id in failing_ids} == {MAX_ATTEMPTS}
    assert MAX_ATTEMPTS >= 3
    stored_ids = [order_id for order_id in faults.attempts if order_id.startswith("D")]
    assert len(stored_ids) == 70
    assert {faults.attempts[order_id] for order_id in stored_ids} == {5}  # once + 4 duplicates


@pytest.mark.parametrize(
    "fault",
    TRANSIENT_FAULTS,
    ids=["throttling", "provisioned-throughput", "5xx", "read-timeout", "connection-refused"],
)
def test_a_write_that_fails_transiently_then_succeeds_is_stored_and_not_listed(
    pipeline: Any, faults: Faults, outcomes: Outcomes, fault: Fault
) -> None:
    faults.faults["R1"] = first_attempts(MAX_ATTEMPTS - 1, fault)
    _, response = pipeline.deliver(order("R1"), order("R2"))
    assert response == {"batchItemFailures": []}
    assert faults.attempts == {"R1": MAX_ATTEMPTS, "R2": 1}
    assert sorted(item["orderId"] for item in pipeline.items()) == ["R1", "R2"]
    assert [line["outcome"] for line in outcomes()] == ["stored", "stored"]


def test_a_write_that_keeps_failing_is_listed_with_its_last_error(
    pipeline: Any, faults: Faults, outcomes: Outcomes
) -> None:
    faults.faults["R1"] = THROTTLED
    event, response = pipeline.deliver(order("R1"), order("R2"))
    assert pipeline.failures(response) == pipeline.message_ids(event)[:1]
    assert [item["orderId"] for item in pipeline.items()] == ["R2"]
    failed = outcomes()[0]
    assert (failed["outcome"], failed["level"], failed["orderId"]) == ("failed", "ERROR", "R1")
    assert failed["reason"] == (
        f"ThrottlingException: Rate exceeded (attempt {MAX_ATTEMPTS} of {MAX_ATTEMPTS})"
    )


def test_conditional_check_failures_and_validation_errors_are_never_retried(
    pipeline: Any, faults: Faults, outcomes: Outcomes
) -> None:
    pipeline.deliver(order("C1"))
    faults.faults["V1"] = VALIDATION
    event, response = pipeline.deliver(order("C1"), order("V1"), order("Q1", quantity=0))
    assert pipeline.failures(response) == pipeline.message_ids(event)[1:]
    assert faults.attempts == {"C1": 2, "V1": 1}  # the rejected Q1 never reached DynamoDB
    assert [line["outcome"] for line in outcomes()] == [
        "stored",
        "duplicate-or-stale",
        "failed",
        "rejected",
    ]
    assert outcomes()[2]["reason"].startswith("ValidationException: ")


def test_botocore_retries_are_off_and_the_pool_fits_the_parallelism(pipeline: Any) -> None:
    config = index.dynamodb_client().meta.config
    assert config.retries["total_max_attempts"] == 1
    assert config.max_pool_connections == PARALLELISM


def client_error(code: str, status: int) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": ""}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "PutItem",
    )


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (client_error("ThrottlingException", 400), True),
        (client_error("ProvisionedThroughputExceededException", 400), True),
        (client_error("RequestLimitExceeded", 400), True),
        (client_error("InternalServerError", 500), True),
        (client_error("ServiceUnavailable", 503), True),
        (client_error("SomethingNew", 502), True),
        (ReadTimeoutError(endpoint_url="https://x"), True),
        (ConnectTimeoutError(endpoint_url="https://x"), True),
        (EndpointConnectionError(endpoint_url="https://x"), True),
        (client_error("ConditionalCheckFailedException", 400), False),
        (client_error("ValidationException", 400), False),
        (client_error("AccessDeniedException", 400), False),
        (client_error("ResourceNotFoundException", 400), False),
        (ParamValidationError(report="bad"), False),
        (RuntimeError("a bug"), False),
    ],
)
def test_what_counts_as_transient(error: Exception, transient: bool) -> None:
    assert is_transient(error) is transient
