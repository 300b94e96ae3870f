"""Parallel writes: bounded, same-orderId records resolved by the conditional write as before.

Faults (conftest.py) add a small delay to every PutItem on the handler's real client, so
overlapping writes are observable, and count the attempts in flight.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from conftest import THROTTLED, Faults
from order_pipeline.handler.batch import PARALLELISM
from order_pipeline.handler.order import validate_order
from order_pipeline.handler.outcomes import DUPLICATE_OR_STALE, STORED, SUPERSEDED
from orders import order

Outcomes = Callable[[], list[dict[str, Any]]]


def test_distinct_orders_are_written_in_parallel_at_most_pool_size_at_once(
    pipeline: Any, faults: Faults
) -> None:
    faults.delay_seconds = 0.02
    _, response = pipeline.deliver(*(order(f"P{n:02d}") for n in range(2 * PARALLELISM)))
    assert response == {"batchItemFailures": []}
    assert len(pipeline.items()) == 2 * PARALLELISM
    assert 1 < faults.most_in_flight <= PARALLELISM


def sequential_outcomes(versions: list[dict[str, Any]]) -> list[str]:
    """What writing the versions one after another, in this order, gives each of them."""
    stored: tuple[str, str] | None = None
    outcomes = []
    for version in versions:
        valid = validate_order(version)
        key = (valid.event_time_utc, valid.digest)
        if stored is None:
            outcomes.append(STORED)
        elif key > stored:
            outcomes.append(SUPERSEDED)
        else:
            outcomes.append(DUPLICATE_OR_STALE)
            continue
        stored = key
    return outcomes


def test_same_order_updates_in_a_parallel_batch_resolve_to_the_newest(
    pipeline: Any, faults: Faults, outcomes: Outcomes
) -> None:
    faults.delay_seconds = 0.005
    versions = [
        order("HOT", status=f"step-{minute}", timestamp=f"2025-05-03T12:{minute:02d}:00Z")
        for minute in range(8)
    ]
    versions.append(dict(versions[3]))  # published twice
    versions.append(
        order("HOT", status="other", timestamp=versions[5]["timestamp"])
    )  # same instant
    random.Random(13).shuffle(versions)
    others = [order(f"N{n:02d}") for n in range(12)]
    batch = [item for pair in zip(versions, others[: len(versions)], strict=True) for item in pair]
    batch += others[len(versions) :]

    _, response = pipeline.deliver(*batch)
    assert response == {"batchItemFailures": []}
    hot = pipeline.item("HOT")
    assert hot["status"] == "step-7" and hot["timestamp"] == "2025-05-03T12:07:00Z"
    logged = [line["outcome"] for line in outcomes() if line["orderId"] == "HOT"]
    assert logged == sequential_outcomes(versions)
    assert faults.most_in_flight_per_order["HOT"] == 1  # one order's writes never overlap
    assert faults.most_in_flight > 1  # while other orders' writes do


def test_failures_keep_batch_order_each_id_once_and_a_written_record_is_never_listed(
    pipeline: Any, faults: Faults
) -> None:
    faults.delay_seconds = 0.005
    for failing in ("F1", "F2", "F3"):
        faults.faults[failing] = THROTTLED
    sent = [
        order("F1"),
        order("W1"),
        order("R1", quantity=0),
        order("W2"),
        order("F2"),
        order("W3"),
        order("F3"),
        order("W1"),  # a duplicate: a success
    ]
    event = pipeline.event_for(*sent)
    records = event["Records"]
    repeated = {"Records": [*records, records[0], records[1]]}  # redelivered within the batch
    response = pipeline.invoke(repeated)

    listed = pipeline.failures(response)
    expected = [records[n]["messageId"] for n in (0, 2, 4, 6)]
    assert listed == expected
    written = {item["orderId"] for item in pipeline.items()}
    assert written == {"W1", "W2", "W3"}
    for record, sent_order in zip(records, sent, strict=True):
        assert (record["messageId"] in listed) == (sent_order["orderId"] not in written)
