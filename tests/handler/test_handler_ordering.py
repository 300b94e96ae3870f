"""At-least-once, unordered delivery: duplicates and stale events never corrupt the table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from order_pipeline.handler.order import event_digest, normalize_timestamp
from orders import order

Outcomes = Callable[[], list[dict[str, Any]]]


def outcome_names(outcomes: Outcomes) -> list[str]:
    return [line["outcome"] for line in outcomes()]


def test_same_message_redelivered_is_a_successful_duplicate(
    pipeline: Any, outcomes: Outcomes
) -> None:
    event, first = pipeline.deliver(order())
    stored = pipeline.item("O1234")
    second = pipeline.invoke(event)  # SQS delivers the same message (same messageId) again
    assert first == second == {"batchItemFailures": []}
    assert pipeline.items() == [stored]
    assert outcome_names(outcomes) == ["stored", "duplicate-or-stale"]


def test_same_message_twice_in_one_batch(pipeline: Any, outcomes: Outcomes) -> None:
    [record] = pipeline.event_for(order())["Records"]
    response = pipeline.invoke({"Records": [record, record]})
    assert response == {"batchItemFailures": []}
    assert len(pipeline.items()) == 1
    assert outcome_names(outcomes) == ["stored", "duplicate-or-stale"]


def test_same_order_published_twice(pipeline: Any, outcomes: Outcomes) -> None:
    event, response = pipeline.deliver(order(), order())
    first_id, second_id = pipeline.message_ids(event)
    assert first_id != second_id
    assert response == {"batchItemFailures": []}
    assert len(pipeline.items()) == 1
    assert outcome_names(outcomes) == ["stored", "duplicate-or-stale"]


def test_newer_event_supersedes_older(pipeline: Any, outcomes: Outcomes) -> None:
    pipeline.deliver(order(status="new"))
    _, response = pipeline.deliver(order(status="shipped", timestamp="2025-05-03T12:05:00Z"))
    assert response == {"batchItemFailures": []}
    item = pipeline.item("O1234")
    assert item["status"] == "shipped"
    assert item["eventTimeUtc"] == "2025-05-03T12:05:00.000000Z"
    assert outcome_names(outcomes) == ["stored", "superseded"]


@pytest.mark.parametrize("same_batch", [False, True])
def test_older_event_after_newer_is_stale(
    pipeline: Any, outcomes: Outcomes, same_batch: bool
) -> None:
    newer = order(status="shipped", timestamp="2025-05-03T12:05:00Z")
    older = order(status="new", timestamp="2025-05-03T12:00:00Z")
    if same_batch:
        _, response = pipeline.deliver(newer, older)
        assert response == {"batchItemFailures": []}
    else:
        pipeline.deliver(newer)
        _, response = pipeline.deliver(older)
        assert response == {"batchItemFailures": []}
    item = pipeline.item("O1234")
    assert item["status"] == "shipped"
    assert item["timestamp"] == "2025-05-03T12:05:00Z"
    assert outcome_names(outcomes) == ["stored", "duplicate-or-stale"]


def test_older_by_a_microsecond_is_stale(pipeline: Any) -> None:
    pipeline.deliver(order(status="paid", timestamp="2025-05-03T12:00:00.000001Z"))
    pipeline.deliver(order(status="new", timestamp="2025-05-03T12:00:00Z"))
    assert pipeline.item("O1234")["status"] == "paid"


def test_offsets_compare_by_instant_not_by_text(pipeline: Any) -> None:
    # 13:00+02:00 is 11:00Z: older than 12:00Z although its text sorts later.
    pipeline.deliver(order(status="shipped", timestamp="2025-05-03T12:00:00Z"))
    pipeline.deliver(order(status="new", timestamp="2025-05-03T13:00:00+02:00"))
    assert pipeline.item("O1234")["status"] == "shipped"


def test_equal_timestamps_resolve_the_same_whichever_arrives_first(
    pipeline: Any, outcomes: Outcomes
) -> None:
    paid, cancelled = order(status="paid"), order(status="cancelled")

    def final_item(*arrivals: dict[str, Any]) -> dict[str, Any]:
        pipeline.dynamodb.delete_item(TableName="orders-test", Key={"orderId": {"S": "O1234"}})
        for arrival in arrivals:
            _, response = pipeline.deliver(arrival)
            assert response == {"batchItemFailures": []}
        item: dict[str, Any] = pipeline.item("O1234")
        return item

    paid_then_cancelled = final_item(paid, cancelled)
    cancelled_then_paid = final_item(cancelled, paid)
    assert paid_then_cancelled == cancelled_then_paid

    # The larger digest won; the other arrival order saw it either replace or be refused.
    when = normalize_timestamp(paid["timestamp"])
    digests = {"paid": event_digest(paid, when), "cancelled": event_digest(cancelled, when)}
    assert digests["paid"] != digests["cancelled"]
    assert paid_then_cancelled["status"] == max(digests, key=digests.__getitem__)
    assert sorted(outcome_names(outcomes)) == sorted(
        ["stored", "superseded", "stored", "duplicate-or-stale"]
    )


@pytest.mark.parametrize("first", ["paid", "cancelled"])
def test_equal_timestamps_in_one_batch(pipeline: Any, outcomes: Outcomes, first: str) -> None:
    second = "cancelled" if first == "paid" else "paid"
    when = normalize_timestamp(order()["timestamp"])
    digests = {status: event_digest(order(status=status), when) for status in (first, second)}
    winner = max(digests, key=digests.__getitem__)

    _, response = pipeline.deliver(order(status=first), order(status=second))
    assert response == {"batchItemFailures": []}
    item = pipeline.item("O1234")
    assert item["status"] == winner
    assert item["eventDigest"] == digests[winner]
    expected = "superseded" if winner == second else "duplicate-or-stale"
    assert outcome_names(outcomes) == ["stored", expected]


def test_one_instant_spelled_four_ways_is_one_event(pipeline: Any, outcomes: Outcomes) -> None:
    spellings = [
        "2025-05-03T12:00:00Z",
        "2025-05-03T12:00:00+00:00",
        "2025-05-03T12:00:00.000Z",
        "2025-05-03T14:00:00+02:00",
    ]
    _, response = pipeline.deliver(*(order(timestamp=s) for s in spellings))
    assert response == {"batchItemFailures": []}
    [item] = pipeline.items()
    assert item["timestamp"] == "2025-05-03T12:00:00Z"  # the first spelling, kept as given
    assert item["eventTimeUtc"] == "2025-05-03T12:00:00.000000Z"
    assert outcome_names(outcomes) == ["stored"] + ["duplicate-or-stale"] * 3


def test_different_spelling_with_different_content_is_not_a_duplicate(pipeline: Any) -> None:
    one = order(timestamp="2025-05-03T12:00:00Z", quantity=1)
    two = order(timestamp="2025-05-03T14:00:00+02:00", quantity=2)
    when = normalize_timestamp(one["timestamp"])
    digests = {1: event_digest(one, when), 2: event_digest(two, when)}
    assert digests[1] != digests[2]
    winner = max(digests, key=digests.__getitem__)

    pipeline.deliver(one, two, one, two)
    [item] = pipeline.items()
    assert item["quantity"] == winner
    assert item["eventDigest"] == digests[winner]
