"""Partial batch responses, errors outside per-record work, configuration, client, logging."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from order_pipeline.handler import index
from order_pipeline.handler.index import ConfigurationError, InvalidEventError
from orders import order

Outcomes = Callable[[], list[dict[str, Any]]]


def test_mixed_batch_fails_exactly_the_bad_records_in_batch_order(pipeline: Any) -> None:
    batch = [
        order("O1"),
        order("O2", quantity=0),
        order("O3"),
        "not json",
        order("O5", timestamp="2025-05-03T12:00:00"),
        order("O6"),
    ]
    event, response = pipeline.deliver(*batch)
    ids = pipeline.message_ids(event)
    assert pipeline.failures(response) == [ids[1], ids[3], ids[4]]
    assert sorted(item["orderId"] for item in pipeline.items()) == ["O1", "O3", "O6"]


def test_all_bad_batch_fails_every_record(pipeline: Any) -> None:
    event, response = pipeline.deliver(order("O1", quantity=-1), "[]", order("O3", status=""))
    assert pipeline.failures(response) == pipeline.message_ids(event)
    assert pipeline.items() == []


def test_all_good_batch_fails_nothing(pipeline: Any) -> None:
    event, response = pipeline.deliver(*(order(f"O{n}") for n in range(10)))
    assert len(event["Records"]) == 10
    assert response == {"batchItemFailures": []}
    assert len(pipeline.items()) == 10


def test_response_shape_is_exactly_the_partial_batch_contract(pipeline: Any) -> None:
    event, response = pipeline.deliver(order("O1"), order("O2", quantity="1"))
    assert set(response) == {"batchItemFailures"}
    [entry] = response["batchItemFailures"]
    assert set(entry) == {"itemIdentifier"}
    assert entry["itemIdentifier"] == event["Records"][1]["messageId"]
    assert isinstance(entry["itemIdentifier"], str)
    assert json.loads(json.dumps(response)) == response


def test_failed_id_listed_once_even_if_the_record_repeats(pipeline: Any) -> None:
    event = pipeline.event_for(order("O1", quantity=0))
    [record] = event["Records"]
    response = pipeline.invoke({"Records": [record, record]})
    assert response == {"batchItemFailures": [{"itemIdentifier": record["messageId"]}]}


def test_empty_records_is_an_empty_response(pipeline: Any) -> None:
    assert pipeline.invoke({"Records": []}) == {"batchItemFailures": []}


@pytest.mark.parametrize("event", [{}, {"Records": None}, {"Records": {}}, [], None, "Records"])
def test_event_without_records_list_raises(pipeline: Any, event: Any) -> None:
    with pytest.raises(InvalidEventError, match="Records"):
        pipeline.invoke(event)


@pytest.mark.parametrize("message_id", [None, "", 42, "<absent>"])
def test_record_without_message_id_raises_before_any_write(pipeline: Any, message_id: Any) -> None:
    event = pipeline.event_for(order("O1"), order("O2"))
    broken = event["Records"][1]
    if message_id == "<absent>":
        del broken["messageId"]
    else:
        broken["messageId"] = message_id
    with pytest.raises(InvalidEventError, match="record 1 has no messageId"):
        pipeline.invoke(event)
    assert pipeline.items() == []  # the good record before it was not written either


def test_record_that_is_not_an_object_raises(pipeline: Any) -> None:
    with pytest.raises(InvalidEventError):
        pipeline.invoke({"Records": ["just a string"]})


def test_record_without_body_fails_only_itself(pipeline: Any) -> None:
    event = pipeline.event_for(order("O1"), order("O2"))
    del event["Records"][0]["body"]
    response = pipeline.invoke(event)
    assert pipeline.failures(response) == [event["Records"][0]["messageId"]]
    assert [item["orderId"] for item in pipeline.items()] == ["O2"]


def test_missing_table_name_raises(pipeline: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    event = pipeline.event_for(order("O1"))
    monkeypatch.delenv("TABLE_NAME")
    with pytest.raises(ConfigurationError, match="TABLE_NAME"):
        pipeline.invoke(event)
    monkeypatch.setenv("TABLE_NAME", "  ")
    with pytest.raises(ConfigurationError, match="TABLE_NAME"):
        pipeline.invoke(event)


@pytest.mark.parametrize("value", ["TRUE", "True", "1", "yes", "", " false", "<unset>"])
def test_bad_raw_message_delivery_raises(
    pipeline: Any, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    event = pipeline.event_for(order("O1"))
    if value == "<unset>":
        monkeypatch.delenv("RAW_MESSAGE_DELIVERY")
    else:
        monkeypatch.setenv("RAW_MESSAGE_DELIVERY", value)
    with pytest.raises(ConfigurationError, match="RAW_MESSAGE_DELIVERY"):
        pipeline.invoke(event)
    assert pipeline.items() == []


def test_configuration_errors_raise_even_for_an_empty_batch(
    handler_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAW_MESSAGE_DELIVERY", "maybe")
    with pytest.raises(ConfigurationError):
        index.lambda_handler({"Records": []}, None)


def test_client_is_created_once_per_container(
    pipeline: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    created: list[str] = []
    real_client = boto3.client

    def counting_client(service: str, *args: Any, **kwargs: Any) -> Any:
        created.append(service)
        return real_client(service, *args, **kwargs)

    monkeypatch.setattr(boto3, "client", counting_client)
    _, first = pipeline.deliver(order("O1"))
    _, second = pipeline.deliver(order("O2"))
    assert first == second == {"batchItemFailures": []}
    assert created.count("dynamodb") == 1
    assert len(pipeline.items()) == 2


def test_one_log_line_per_record_with_ids_and_no_payload(
    pipeline: Any, outcomes: Outcomes, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "SECRET-PAYLOAD-7731"
    good = order("O1", itemName=f"{secret} laptop", userId=f"{secret}-user")
    bad = order("O2", quantity=0, itemName=secret)
    event, _ = pipeline.deliver(good, bad, f"{secret} not json", good)
    ids = pipeline.message_ids(event)
    assert outcomes() == [
        {
            "level": "INFO",
            "outcome": "stored",
            "messageId": ids[0],
            "orderId": "O1",
            "reason": "new order",
        },
        {
            "level": "WARNING",
            "outcome": "rejected",
            "messageId": ids[1],
            "orderId": "O2",
            "reason": "quantity must be a positive integer, got zero or less",
        },
        {
            "level": "WARNING",
            "outcome": "rejected",
            "messageId": ids[2],
            "orderId": None,
            "reason": outcomes()[2]["reason"],
        },
        {
            "level": "INFO",
            "outcome": "duplicate-or-stale",
            "messageId": ids[3],
            "orderId": "O1",
            "reason": "the same or a newer version is already stored",
        },
    ]
    assert "not valid JSON" in outcomes()[2]["reason"]
    assert secret not in caplog.text
    for record in caplog.records:
        assert secret not in record.getMessage()
        assert all(secret not in str(value) for value in vars(record).values())
