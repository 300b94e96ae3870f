"""A write that fails fails only its own record, is logged, and succeeds when retried."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError, EndpointConnectionError
from order_pipeline.handler import index
from order_pipeline.handler.timing import MAX_ATTEMPTS
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


class Context:
    """A Lambda context whose remaining time follows a script, one value per check."""

    def __init__(self, *remaining_ms: int) -> None:
        self.remaining = list(remaining_ms)

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining.pop(0) if len(self.remaining) > 1 else self.remaining[0]


def test_a_throttled_write_gives_up_after_three_attempts(pipeline: Any) -> None:
    """The handler's retries are bounded, so the record fails well inside the timeout.

    (Records not started for lack of time: see test_handler_deadlines.py.)
    """
    event = pipeline.event_for(order("R1"))
    client = index.dynamodb_client()
    attempts: list[str] = []

    def throttle(request: Any, **_: Any) -> AWSResponse:
        attempts.append(request.url)
        response = AWSResponse(request.url, 400, {"x-amzn-ErrorType": "ThrottlingException"}, None)
        response._content = b'{"__type": "ThrottlingException", "message": "Rate exceeded"}'
        return response

    client.meta.events.register("before-send.dynamodb.PutItem", throttle)
    assert pipeline.failures(pipeline.invoke(event)) == pipeline.message_ids(event)
    assert len(attempts) == MAX_ATTEMPTS == 3
    assert client.meta.config.read_timeout <= 3 and client.meta.config.connect_timeout <= 2


def test_a_short_function_timeout_still_processes_the_batch(pipeline: Any) -> None:
    """The budget shrinks to half the time there is, so a 1 s function still works."""
    event = pipeline.event_for(order("S1"), order("S2"))
    assert pipeline.failures(index.lambda_handler(event, Context(1_000))) == []
    assert sorted(item["orderId"] for item in pipeline.items()) == ["S1", "S2"]
