"""A write that fails fails only its own record, is logged, and succeeds when retried."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from order_pipeline.handler import index
from orders import order

Outcomes = Callable[[], list[dict[str, Any]]]


def throttled() -> ClientError:
    return ClientError(
        {
            "Error": {
                "Code": "ProvisionedThroughputExceededException",
                "Message": "The level of configured provisioned throughput was exceeded.",
            },
            "ResponseMetadata": {"HTTPStatusCode": 400},
        },
        "PutItem",
    )


def fail_writes_for(monkeypatch: pytest.MonkeyPatch, order_id: str, error: Exception) -> None:
    """Make the handler's cached client raise `error` on PutItem for one order only."""
    client = index.dynamodb_client()
    real_put_item = client.put_item

    def put_item(**kwargs: Any) -> Any:
        if kwargs["Item"]["orderId"] == {"S": order_id}:
            raise error
        return real_put_item(**kwargs)

    monkeypatch.setattr(client, "put_item", put_item)


@pytest.mark.parametrize(
    ("error", "reason_start"),
    [
        (throttled(), "ProvisionedThroughputExceededException: "),
        (
            ClientError(
                {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "PutItem"
            ),
            "ThrottlingException: Rate exceeded",
        ),
        (
            ClientError(
                {"Error": {"Code": "InternalServerError", "Message": "Internal server error"}},
                "PutItem",
            ),
            "InternalServerError: ",
        ),
        (
            EndpointConnectionError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com"),
            "EndpointConnectionError: ",
        ),
        (RuntimeError("not a DynamoDB error"), "RuntimeError: not a DynamoDB error"),
    ],
    ids=["provisioned-throughput", "throttling", "5xx", "connection", "non-dynamodb"],
)
def test_failed_write_fails_only_that_record(
    pipeline: Any,
    outcomes: Outcomes,
    monkeypatch: pytest.MonkeyPatch,
    error: Exception,
    reason_start: str,
) -> None:
    fail_writes_for(monkeypatch, "O2", error)
    event, response = pipeline.deliver(order("O1"), order("O2"), order("O3"))
    ids = pipeline.message_ids(event)
    assert response == {"batchItemFailures": [{"itemIdentifier": ids[1]}]}
    assert sorted(item["orderId"] for item in pipeline.items()) == ["O1", "O3"]

    lines = outcomes()
    assert [line["outcome"] for line in lines] == ["stored", "failed", "stored"]
    failed = lines[1]
    assert failed["level"] == "ERROR"
    assert (failed["messageId"], failed["orderId"]) == (ids[1], "O2")
    assert failed["reason"].startswith(reason_start)


def test_failed_record_succeeds_when_sqs_retries_it(
    pipeline: Any, outcomes: Outcomes, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patch:
        fail_writes_for(patch, "O2", throttled())
        event, response = pipeline.deliver(order("O1"), order("O2"))
    assert len(response["batchItemFailures"]) == 1

    retried = pipeline.invoke({"Records": [event["Records"][1]]})
    assert retried == {"batchItemFailures": []}
    assert sorted(item["orderId"] for item in pipeline.items()) == ["O1", "O2"]
    assert [line["outcome"] for line in outcomes()] == ["stored", "failed", "stored"]


def test_writes_use_one_conditional_put_item_per_record(
    pipeline: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = index.dynamodb_client()
    calls: list[str] = []

    def record_call(operation: str) -> Callable[..., Any]:
        real = getattr(client, operation)

        def call(**kwargs: Any) -> Any:
            calls.append(operation)
            if operation == "put_item":
                assert kwargs["ReturnValues"] == "ALL_OLD"
                assert "ConditionExpression" in kwargs
            return real(**kwargs)

        return call

    for operation in ("put_item", "get_item", "update_item", "query", "batch_write_item"):
        monkeypatch.setattr(client, operation, record_call(operation))
    pipeline.deliver(order("O1"), order("O1"), order("O2"))
    assert calls == ["put_item"] * 3
