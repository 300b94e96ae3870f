"""SNS raw message delivery on and off: the function accepts only the format it was told."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

Outcomes = Callable[[], list[dict[str, Any]]]


def test_raw_delivery_body_is_the_order_and_is_stored(
    raw_pipeline: Any, seed: dict[str, Any]
) -> None:
    event, response = raw_pipeline.deliver(seed)
    assert json.loads(event["Records"][0]["body"]) == seed  # no envelope: the order itself
    assert response == {"batchItemFailures": []}
    item = raw_pipeline.item("O1234")
    assert {name: item[name] for name in seed} == seed
    assert item["quantity"] == Decimal(1)


def test_raw_delivery_validates_like_enveloped(
    raw_pipeline: Any, outcomes: Outcomes, seed: dict[str, Any]
) -> None:
    event, response = raw_pipeline.deliver({**seed, "quantity": 1.5}, "not json", "[1]")
    assert raw_pipeline.failures(response) == raw_pipeline.message_ids(event)
    reasons = [line["reason"] for line in outcomes()]
    assert "quantity" in reasons[0]
    assert "not valid JSON" in reasons[1]
    assert "JSON object" in reasons[2]


def test_raw_delivery_on_rejects_an_sns_envelope(
    raw_pipeline: Any, outcomes: Outcomes, seed: dict[str, Any]
) -> None:
    raw_pipeline.change_subscription(raw_delivery=False)  # the subscription drifted
    event, response = raw_pipeline.deliver(seed)
    assert json.loads(event["Records"][0]["body"])["Type"] == "Notification"
    assert raw_pipeline.failures(response) == raw_pipeline.message_ids(event)
    assert raw_pipeline.items() == []
    [line] = outcomes()
    assert line["outcome"] == "rejected"
    assert "raw delivery mismatch" in line["reason"]


def test_raw_delivery_off_rejects_a_raw_order_body(
    pipeline: Any, outcomes: Outcomes, seed: dict[str, Any]
) -> None:
    pipeline.change_subscription(raw_delivery=True)  # the subscription drifted
    event, response = pipeline.deliver(seed)
    assert json.loads(event["Records"][0]["body"]) == seed
    assert pipeline.failures(response) == pipeline.message_ids(event)
    assert pipeline.items() == []
    [line] = outcomes()
    assert line["outcome"] == "rejected"
    assert "not an SNS notification envelope" in line["reason"]
    assert "raw delivery mismatch" in line["reason"]


def test_envelope_message_must_be_a_string(pipeline: Any, seed: dict[str, Any]) -> None:
    [record] = pipeline.event_for(seed)["Records"]
    envelope = json.loads(record["body"])
    envelope["Message"] = seed  # an object, not the string SNS always sends
    response = pipeline.invoke({"Records": [pipeline.with_body(record, json.dumps(envelope))]})
    assert pipeline.failures(response) == [record["messageId"]]
    assert pipeline.items() == []
