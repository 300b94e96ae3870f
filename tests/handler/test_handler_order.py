"""The pure parts of the handler: strict JSON, timestamps, event digest and item size."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from order_pipeline.handler.order import (
    MAX_ITEM_BYTES,
    InvalidOrderError,
    Order,
    attribute_size,
    canonical_json,
    event_digest,
    item_size,
    normalize_timestamp,
    parse_json,
    validate_order,
)
from orders import SEED


def parse_order(text: str) -> Order:
    return validate_order(parse_json(text))


def test_parse_json_keeps_numbers_exact() -> None:
    assert parse_json('{"a": 0.1, "b": 1.0, "c": 7}') == {
        "a": Decimal("0.1"),
        "b": Decimal("1.0"),
        "c": 7,
    }
    assert isinstance(parse_json("0.1"), Decimal)


def test_parse_json_rejects_python_int_digit_limit() -> None:
    with pytest.raises(InvalidOrderError, match="too many digits"):
        parse_json('{"n": ' + "1" * 5000 + "}")


def test_parse_json_rejects_repeated_keys() -> None:
    with pytest.raises(InvalidOrderError, match="key orderId twice"):
        parse_json('{"orderId": "A", "orderId": "B"}')


def test_parse_json_rejects_absurd_nesting() -> None:
    with pytest.raises(InvalidOrderError):
        parse_json("[" * 100_000 + "]" * 100_000)


@pytest.mark.parametrize(
    ("spelling", "normalized"),
    [
        ("2025-05-03T12:00:00Z", "2025-05-03T12:00:00.000000Z"),
        ("2025-05-03T12:00:00+00:00", "2025-05-03T12:00:00.000000Z"),
        ("2025-05-03T12:00:00.000Z", "2025-05-03T12:00:00.000000Z"),
        ("2025-05-03T14:00:00+02:00", "2025-05-03T12:00:00.000000Z"),
        ("2025-05-03T08:30:00.5-03:30", "2025-05-03T12:00:00.500000Z"),
        ("2025-05-03T00:30:00+01:00", "2025-05-02T23:30:00.000000Z"),
        ("0999-01-01T00:00:00Z", "0999-01-01T00:00:00.000000Z"),
    ],
)
def test_timestamps_normalize_to_fixed_width_utc(spelling: str, normalized: str) -> None:
    assert normalize_timestamp(spelling) == normalized
    assert len(normalized) == 27


def test_normalized_timestamps_sort_like_time() -> None:
    spellings = ["2025-05-03T12:00:00.5Z", "2025-05-03T12:00:00Z", "0999-12-31T23:59:59Z"]
    normalized = sorted(normalize_timestamp(s) for s in spellings)
    assert normalized == [
        "0999-12-31T23:59:59.000000Z",
        "2025-05-03T12:00:00.000000Z",
        "2025-05-03T12:00:00.500000Z",
    ]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2025-05-03T12:00:00", "time zone"),
        ("2025-05-03", "time zone"),
        ("yesterday", "not an ISO-8601"),
        ("2025-13-03T12:00:00Z", "not an ISO-8601"),
        (1714737600, "must be a string"),
        (None, "must be a string"),
        ("2025-05-03T12:00:00." + "0" * 50 + "Z", "too long"),
        ("0001-01-01T00:00:00+02:00", "outside years"),
    ],
)
def test_bad_timestamps_rejected(value: Any, reason: str) -> None:
    with pytest.raises(InvalidOrderError, match=reason) as raised:
        normalize_timestamp(value)
    assert "timestamp" in raised.value.reason


def test_digest_is_the_same_for_one_instant_spelled_differently() -> None:
    digests = {
        event_digest({**SEED, "timestamp": spelling}, normalize_timestamp(spelling))
        for spelling in (
            "2025-05-03T12:00:00Z",
            "2025-05-03T12:00:00+00:00",
            "2025-05-03T12:00:00.000Z",
            "2025-05-03T14:00:00+02:00",
        )
    }
    assert len(digests) == 1


def test_digest_ignores_key_order_and_number_spelling_but_not_content() -> None:
    when = normalize_timestamp(SEED["timestamp"])
    base = event_digest({**SEED, "price": Decimal("2.50")}, when)
    reordered = dict(reversed(list({**SEED, "price": Decimal("2.5")}.items())))
    assert event_digest(reordered, when) == base
    assert event_digest({**SEED, "price": Decimal("2.51")}, when) != base
    assert event_digest({**SEED, "price": "2.50"}, when) != base  # a string is not a number
    assert event_digest({**SEED, "status": "paid"}, when) != base


def test_canonical_json_spellings() -> None:
    assert canonical_json({"b": [1, Decimal("1.0"), Decimal("1E+2")], "a": None}) == (
        '{"a":null,"b":[1,1,1E+2]}'
    )
    assert canonical_json(Decimal("-0.00")) == "0"
    assert canonical_json("é") == '"\\u00e9"'


def test_attribute_sizes_follow_dynamodb_rules() -> None:
    assert attribute_size("Laptop") == 6
    assert attribute_size("é") == 2  # UTF-8 bytes, not characters
    assert attribute_size(True) == 1
    assert attribute_size(None) == 1
    assert attribute_size(1) == 2  # 1 byte per 2 significant digits, + 1
    assert attribute_size(Decimal("12345")) == 4
    assert attribute_size(Decimal("1.2300")) == 3  # trailing zeros are not significant
    assert attribute_size(10**37) == 2
    assert attribute_size([1, "xy", True, None]) == 3 + (1 + 2) + (1 + 2) + (1 + 1) + (1 + 1)
    assert attribute_size({"k": "v"}) == 3 + (1 + 1 + 1)
    assert attribute_size([]) == 3


def test_item_size_of_the_seed() -> None:
    # names + values: orderId 7+5, userId 6+4, itemName 8+6, quantity 8+2, status 6+3,
    # timestamp 9+20
    assert item_size(SEED) == 84


def test_item_size_limit_is_400_kib() -> None:
    assert MAX_ITEM_BYTES == 409_600
    order = parse_order(json.dumps(SEED))
    room = MAX_ITEM_BYTES - item_size(order.item) - len("notes")
    at_limit = parse_order(json.dumps({**SEED, "notes": "x" * room}))
    assert item_size(at_limit.item) == MAX_ITEM_BYTES
    with pytest.raises(InvalidOrderError, match="too large"):
        parse_order(json.dumps({**SEED, "notes": "x" * (room + 1)}))
    with pytest.raises(InvalidOrderError, match="too large"):
        parse_order(json.dumps({**SEED, "notes": "é" * (room // 2 + 1)}))  # bytes, not chars


def test_parse_order_builds_the_item() -> None:
    order = parse_order(json.dumps({**SEED, "price": 19.99}))
    assert order.order_id == "O1234"
    assert order.event_time_utc == "2025-05-03T12:00:00.000000Z"
    assert order.item == {
        **SEED,
        "price": Decimal("19.99"),
        "eventTimeUtc": "2025-05-03T12:00:00.000000Z",
        "eventDigest": order.digest,
    }
    assert len(order.digest) == 64
    int(order.digest, 16)


def test_rejections_carry_a_usable_order_id() -> None:
    with pytest.raises(InvalidOrderError) as raised:
        parse_order(json.dumps({**SEED, "quantity": 0}))
    assert raised.value.order_id == "O1234"
    with pytest.raises(InvalidOrderError) as raised:
        parse_order(json.dumps({**SEED, "orderId": ""}))
    assert raised.value.order_id is None
