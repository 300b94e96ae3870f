"""What the handler stores and what it rejects, with orders published through SNS -> SQS."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from order_pipeline.handler.order import MAX_DEPTH, MAX_ITEM_BYTES, item_size

Outcomes = Callable[[], list[dict[str, Any]]]
MISSING = object()


def assert_rejected(pipeline: Any, outcomes: Outcomes, body: Any, *words: str) -> None:
    """Deliver one order; it must fail, be logged as rejected naming `words`, store nothing."""
    event, response = pipeline.deliver(body)
    assert pipeline.failures(response) == pipeline.message_ids(event)
    assert pipeline.items() == []
    [line] = outcomes()
    assert line["outcome"] == "rejected"
    assert line["level"] == "WARNING"
    for word in words:
        assert word in line["reason"], line["reason"]


def test_seed_order_is_stored_as_given(pipeline: Any, seed: dict[str, Any]) -> None:
    _, response = pipeline.deliver(seed)
    assert response == {"batchItemFailures": []}
    item = pipeline.item("O1234")
    assert item is not None
    assert {name: item[name] for name in seed} == seed
    assert item["quantity"] == Decimal(1)
    assert isinstance(item["quantity"], Decimal)
    assert item["timestamp"] == "2025-05-03T12:00:00Z"  # as given, not normalized
    assert item["eventTimeUtc"] == "2025-05-03T12:00:00.000000Z"
    assert len(item["eventDigest"]) == 64
    assert set(item) == set(seed) | {"eventTimeUtc", "eventDigest"}


@pytest.mark.parametrize(
    "field", ["orderId", "userId", "itemName", "quantity", "status", "timestamp"]
)
def test_missing_field_rejected(
    pipeline: Any, outcomes: Outcomes, seed: dict[str, Any], field: str
) -> None:
    del seed[field]
    assert_rejected(pipeline, outcomes, seed, field, "missing")


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("quantity", "1", ("quantity", "integer")),
        ("quantity", 1.5, ("quantity", "integer")),
        ("quantity", 1.0, ("quantity", "integer")),  # JSON "1.0" is a decimal, not an integer
        ("quantity", 0, ("quantity", "positive")),
        ("quantity", -1, ("quantity", "positive")),
        ("quantity", True, ("quantity", "integer")),
        ("quantity", None, ("quantity", "integer")),
        ("quantity", 10**39, ("quantity", "DynamoDB")),
        ("orderId", 1234, ("orderId", "string")),
        ("orderId", None, ("orderId", "string")),
        ("userId", ["U123"], ("userId", "string")),
        ("itemName", {"name": "Laptop"}, ("itemName", "string")),
        ("status", False, ("status", "string")),
        ("orderId", "", ("orderId", "empty")),
        ("userId", "", ("userId", "empty")),
        ("itemName", "", ("itemName", "empty")),
        ("status", "", ("status", "empty")),
        ("orderId", "   ", ("orderId", "whitespace")),
        ("userId", "\t", ("userId", "whitespace")),
        ("itemName", " \n ", ("itemName", "whitespace")),
        ("status", "  ", ("status", "whitespace")),
        ("orderId", "O" * 129, ("orderId", "too long", "128")),
        ("userId", "U" * 129, ("userId", "too long", "128")),
        ("itemName", "L" * 513, ("itemName", "too long", "512")),
        ("status", "s" * 65, ("status", "too long", "64")),
        ("timestamp", "2025-05-03T12:00:00", ("timestamp", "time zone")),
        ("timestamp", "not a date", ("timestamp", "ISO-8601")),
        ("timestamp", 1746273600, ("timestamp", "string")),
        ("timestamp", "2025-05-03T12:00:00." + "0" * 50 + "Z", ("timestamp", "too long")),
        ("orderId", "\ud800", ("orderId", "Unicode")),
    ],
)
def test_ill_typed_field_rejected(
    pipeline: Any,
    outcomes: Outcomes,
    seed: dict[str, Any],
    field: str,
    value: Any,
    words: tuple[str, ...],
) -> None:
    seed[field] = value
    assert_rejected(pipeline, outcomes, seed, *words)


@pytest.mark.parametrize(
    ("field", "value"),
    [("orderId", "O" * 128), ("userId", "U" * 128), ("itemName", "L" * 512), ("status", "s" * 64)],
)
def test_strings_at_their_limit_are_stored(
    pipeline: Any, seed: dict[str, Any], field: str, value: str
) -> None:
    seed[field] = value
    _, response = pipeline.deliver(seed)
    assert response == {"batchItemFailures": []}
    assert pipeline.item(seed["orderId"])[field] == value


@pytest.mark.parametrize("message", ["not json at all", "{'orderId': 'O1'}", '{"orderId": '])
def test_envelope_message_that_is_not_json_rejected(
    pipeline: Any, outcomes: Outcomes, message: str
) -> None:
    assert_rejected(pipeline, outcomes, message, "not valid JSON")


@pytest.mark.parametrize(
    ("message", "kind"),
    [("[1, 2]", "an array"), ('"O1234"', "a string"), ("42", "an integer"), ("null", "null")],
)
def test_envelope_message_that_is_not_an_object_rejected(
    pipeline: Any, outcomes: Outcomes, message: str, kind: str
) -> None:
    assert_rejected(pipeline, outcomes, message, "JSON object", kind)


def test_body_that_is_not_json_rejected(pipeline: Any, outcomes: Outcomes) -> None:
    """Sent straight to the queue: SNS never produces such a body, but the queue accepts it."""
    pipeline.send_to_queue("this is not JSON")
    event = pipeline.receive_event()
    response = pipeline.invoke(event)
    assert pipeline.failures(response) == pipeline.message_ids(event)
    [line] = outcomes()
    assert line["outcome"] == "rejected"
    assert line["orderId"] is None
    assert "SNS notification envelope" in line["reason"]


def test_unknown_extra_fields_are_kept_as_given(pipeline: Any, seed: dict[str, Any]) -> None:
    extras = {
        "price": 1999.99,
        "ratio": 0.1,
        "currency": "EUR",
        "gift": True,
        "coupon": None,
        "note": "",
        "tags": ["a", 2, 2.5, False, None, {"nested": [1.25]}],
        "shipping": {"address": {"city": "Zürich", "lines": ["Bahnhofstrasse 1"]}, "fee": 4.9},
        "big": 1e125,
        "tiny": 1e-130,
        "precise": Decimal("3.1415926535897932384626433832795028841"),  # 38 digits
    }
    # json.dumps cannot write Decimal; spell that one number out by hand.
    text = json.dumps({**seed, **extras, "precise": "@"}).replace('"@"', str(extras["precise"]))
    _, response = pipeline.deliver(text)
    assert response == {"batchItemFailures": []}
    item = pipeline.item("O1234")
    assert item["price"] == Decimal("1999.99")  # exact, not the float 1999.99
    assert item["ratio"] == Decimal("0.1")
    assert item["tags"] == [
        "a",
        Decimal(2),
        Decimal("2.5"),
        False,
        None,
        {"nested": [Decimal("1.25")]},
    ]
    assert item["shipping"] == {
        "address": {"city": "Zürich", "lines": ["Bahnhofstrasse 1"]},
        "fee": Decimal("4.9"),
    }
    assert (item["currency"], item["gift"], item["coupon"], item["note"]) == ("EUR", True, None, "")
    assert item["big"] == Decimal("1E+125")
    assert item["tiny"] == Decimal("1E-130")
    assert item["precise"] == extras["precise"]


@pytest.mark.parametrize(
    ("raw_value", "words"),
    [
        ("NaN", ("price", "NaN")),
        ("Infinity", ("price", "Infinity")),
        ("-Infinity", ("price", "-Infinity")),
        ("[1, NaN]", ("price[1]", "NaN")),
        ("1e400", ("price", "DynamoDB")),
        ("-1e400", ("price", "DynamoDB")),
        ("1e126", ("price", "DynamoDB")),
        ("1e-131", ("price", "DynamoDB")),
        (str(10**50), ("price", "DynamoDB")),
        ("1" * 39, ("price", "38")),
        ("0.1" + "1" * 38, ("price", "38")),
        ("1" * 5000, ("too many digits",)),
        ('{"a": {"b": 1e400}}', ("price.a.b", "DynamoDB")),
    ],
)
def test_numbers_dynamodb_cannot_store_rejected(
    pipeline: Any, outcomes: Outcomes, seed: dict[str, Any], raw_value: str, words: tuple[str, ...]
) -> None:
    text = json.dumps({**seed, "price": "@"}).replace('"@"', raw_value)
    assert_rejected(pipeline, outcomes, text, *words)


def test_non_finite_quantity_rejected(
    pipeline: Any, outcomes: Outcomes, seed: dict[str, Any]
) -> None:
    text = json.dumps({**seed, "quantity": "@"}).replace('"@"', "NaN")
    assert_rejected(pipeline, outcomes, text, "quantity", "NaN")


@pytest.mark.parametrize("name", ["eventTimeUtc", "eventDigest"])
def test_bookkeeping_names_are_reserved(
    pipeline: Any, outcomes: Outcomes, seed: dict[str, Any], name: str
) -> None:
    seed[name] = "9999-12-31T23:59:59.999999Z"
    assert_rejected(pipeline, outcomes, seed, name, "reserved")


def test_bad_field_names_rejected(pipeline: Any, outcomes: Outcomes, seed: dict[str, Any]) -> None:
    seed["x" * 256] = 1
    assert_rejected(pipeline, outcomes, seed, "too long", "255")


def test_empty_nested_field_name_rejected(
    pipeline: Any, outcomes: Outcomes, seed: dict[str, Any]
) -> None:
    seed["meta"] = {"": 1}
    assert_rejected(pipeline, outcomes, seed, "meta", "non-empty")


def nested(levels: int) -> Any:
    value: Any = "leaf"
    for _ in range(levels):
        value = [value]
    return value


def test_nesting_up_to_the_limit_is_stored(pipeline: Any, seed: dict[str, Any]) -> None:
    seed["deep"] = nested(MAX_DEPTH)
    _, response = pipeline.deliver(seed)
    assert response == {"batchItemFailures": []}
    assert pipeline.item("O1234")["deep"] == nested(MAX_DEPTH)


def test_nesting_beyond_the_limit_rejected(
    pipeline: Any, outcomes: Outcomes, seed: dict[str, Any]
) -> None:
    seed["deep"] = nested(MAX_DEPTH + 1)
    assert_rejected(pipeline, outcomes, seed, "deep", "32 levels")


def big_record(pipeline: Any, order: dict[str, Any]) -> dict[str, Any]:
    """A real SNS->SQS record whose envelope Message is replaced by `order`.

    SNS (and moto's emulation of it) refuses messages over 256 KiB, so an order large
    enough to reach DynamoDB's 400 KiB item limit cannot be published; it is wrapped
    into a real envelope received from the queue instead.
    """
    [record] = pipeline.event_for({"orderId": "placeholder"})["Records"]
    envelope = json.loads(record["body"])
    envelope["Message"] = json.dumps(order)
    wrapped: dict[str, Any] = pipeline.with_body(record, json.dumps(envelope))
    return wrapped


def test_order_over_400_kib_rejected(
    pipeline: Any, outcomes: Outcomes, seed: dict[str, Any]
) -> None:
    """Built by wrapping (see big_record): SNS cannot carry a message this large."""
    seed["notes"] = "x" * MAX_ITEM_BYTES
    record = big_record(pipeline, seed)
    response = pipeline.invoke({"Records": [record]})
    assert pipeline.failures(response) == [record["messageId"]]
    assert pipeline.items() == []
    [line] = outcomes()
    assert line["outcome"] == "rejected"
    assert line["orderId"] == "O1234"
    assert "too large" in line["reason"] and "409600" in line["reason"]


def test_large_order_under_the_limit_is_stored(pipeline: Any, seed: dict[str, Any]) -> None:
    """Built by wrapping (see big_record): a 400,000-byte item is stored, not rejected.

    moto refuses items over 405,000 bytes (its own approximation of the limit), so the
    last few KB below DynamoDB's 409,600 are checked by the size tests, not here.
    """
    base = item_size({**seed, "notes": "", "eventTimeUtc": "x" * 27, "eventDigest": "x" * 64})
    seed["notes"] = "x" * (400_000 - base)
    record = big_record(pipeline, seed)
    response = pipeline.invoke({"Records": [record]})
    assert response == {"batchItemFailures": []}
    assert pipeline.item("O1234")["notes"] == seed["notes"]
