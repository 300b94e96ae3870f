"""Deadlines: no record runs the invocation past its timeout, and unfinished records are reported.

The context's remaining time counts down for real. Timeouts are injected at the botocore
level (moto), and, in one test, come from a real server that accepts connections and never
answers, so the client's own socket timeouts are what end the attempts.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ReadTimeoutError
from conftest import Context, Faults, raising, slow_first_attempt
from order_pipeline.handler import index
from order_pipeline.handler.batch import NOT_FINISHED
from order_pipeline.handler.timing import (
    MAX_ATTEMPTS,
    MIN_ATTEMPT_SECONDS,
    longest_backoff,
    plan_invocation,
    socket_timeouts,
)
from orders import order
from stacks import STACKS, expected_settings

Outcomes = Callable[[], list[dict[str, Any]]]


def faults_for(timeout_ms: int) -> Faults:
    """Fault injection on a client sized, as the handler sizes it, for this timeout."""
    index.reset_client()
    return Faults(index.dynamodb_client(plan_invocation(timeout_ms, 0.0).writes_budget_ms))


def test_a_record_whose_writes_keep_timing_out_fails_before_the_deadline(
    pipeline: Any, outcomes: Outcomes
) -> None:
    faults = faults_for(2_000)
    read_timeout = index.dynamodb_client().meta.config.read_timeout
    # Each attempt waits the full read timeout, as a silent DynamoDB would, then times out.
    faults.faults["SLOW"] = raising(lambda url: ReadTimeoutError(endpoint_url=url), read_timeout)
    event = pipeline.event_for(order("A1"), order("SLOW"), order("A2"))
    context = Context(2_000)
    response = index.lambda_handler(event, context)

    assert context.get_remaining_time_in_millis() > 0
    assert pipeline.failures(response) == [pipeline.message_ids(event)[1]]
    assert sorted(item["orderId"] for item in pipeline.items()) == ["A1", "A2"]
    assert 1 <= faults.attempts["SLOW"] <= MAX_ATTEMPTS
    slow = outcomes()[1]
    assert (slow["outcome"], slow["orderId"]) == ("failed", "SLOW")
    assert slow["reason"].startswith("ReadTimeoutError: ")


def test_a_write_stuck_past_its_socket_timeouts_is_reported_at_the_wait_deadline(
    pipeline: Any, outcomes: Outcomes
) -> None:
    """A stalled answer can outlast the socket timeouts; the handler stops waiting anyway."""
    faults = faults_for(1_500)
    faults.faults["STUCK"] = raising(lambda url: ReadTimeoutError(endpoint_url=url), 3.0)
    event = pipeline.event_for(order("A1"), order("STUCK"))
    context = Context(1_500)
    response = index.lambda_handler(event, context)

    assert context.get_remaining_time_in_millis() > 0
    assert pipeline.failures(response) == [pipeline.message_ids(event)[1]]
    assert [item["orderId"] for item in pipeline.items()] == ["A1"]
    assert [(line["outcome"], line["reason"]) for line in outcomes()] == [
        ("stored", "new order"),
        ("failed", NOT_FINISHED),
    ]


def test_records_without_time_for_an_attempt_are_not_started_and_reported(
    pipeline: Any, outcomes: Outcomes
) -> None:
    faults = faults_for(1_500)
    # The first update of T is slow; after it, another attempt no longer fits in time.
    faults.faults["T"] = slow_first_attempt(1.0)
    versions = [
        order("T", status=s, timestamp=f"2025-05-03T12:0{n}:00Z")
        for n, s in enumerate(["new", "paid", "shipped"])
    ]
    event = pipeline.event_for(versions[0], order("O1"), versions[1], versions[2])
    ids = pipeline.message_ids(event)
    response = index.lambda_handler(event, Context(1_500))

    assert pipeline.failures(response) == [ids[2], ids[3]]
    assert faults.attempts["T"] == 1
    assert pipeline.item("T")["status"] == "new"  # written, and it stays written
    logged = outcomes()
    assert [(line["outcome"], line["orderId"]) for line in logged] == [
        ("stored", "T"),
        ("stored", "O1"),
        ("failed", "T"),
        ("failed", "T"),
    ]
    assert all(line["reason"].startswith("not attempted: ") for line in logged[2:])

    # SQS redelivers the two; with time to spare they are written.
    retried = {"Records": event["Records"][2:]}
    assert pipeline.failures(index.lambda_handler(retried, Context(60_000))) == []
    assert pipeline.item("T")["status"] == "shipped"


def test_nothing_is_attempted_without_time_for_one_attempt(
    pipeline: Any, outcomes: Outcomes
) -> None:
    faults = faults_for(60_000)
    event = pipeline.event_for(order("N1"), order("N2"))
    timeout_ms = int(MIN_ATTEMPT_SECONDS * 1000)  # its reserve leaves less than one attempt
    response = index.lambda_handler(event, Context(timeout_ms))
    assert pipeline.failures(response) == pipeline.message_ids(event)
    assert faults.attempts == {}
    assert pipeline.items() == []
    assert {line["reason"] for line in outcomes()} == {
        "not attempted: the invocation is nearly out of time"
    }


# --- real sockets: a server that accepts and never answers -------------------------------


@pytest.fixture
def silent_endpoint(handler_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """AWS_ENDPOINT_URL_DYNAMODB -> a TCP server that accepts connections and never answers."""
    server = socket.create_server(("127.0.0.1", 0), backlog=64)
    accepted: list[Any] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.05)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", f"http://127.0.0.1:{server.getsockname()[1]}")
    monkeypatch.setenv("RAW_MESSAGE_DELIVERY", "true")
    yield accepted
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    server.close()


def test_the_clients_own_socket_timeouts_end_each_attempt_inside_the_deadline(
    silent_endpoint: list[Any], outcomes: Outcomes
) -> None:
    records = [{"messageId": f"m{n}", "body": json.dumps(order(f"S{n}"))} for n in range(3)]
    context = Context(1_500)
    response = index.lambda_handler({"Records": records}, context)

    assert context.get_remaining_time_in_millis() > 0
    assert [entry["itemIdentifier"] for entry in response["batchItemFailures"]] == [
        "m0",
        "m1",
        "m2",
    ]
    assert len(silent_endpoint) >= 3  # every record really tried
    assert all(line["reason"].startswith("ReadTimeoutError: ") for line in outcomes())


# --- the plan for the stacks' own function timeouts ----------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_three_attempts_and_their_back_off_fit_in_each_stacks_function_timeout(
    stack: str,
) -> None:
    timeout_ms = expected_settings(stack).function_timeout_seconds * 1000
    plan = plan_invocation(timeout_ms, 0.0)
    assert plan.writes_budget_ms is not None
    timeouts = socket_timeouts(plan.writes_budget_ms)
    worst_case = MAX_ATTEMPTS * timeouts.attempt + longest_backoff()
    assert worst_case <= plan.writes_end <= plan.wait_end < timeout_ms / 1000
    assert timeouts.connect > 0 and timeouts.read > timeouts.connect


@pytest.mark.parametrize("timeout_ms", [1_000, 3_000, 10_000, 30_000, 900_000])
def test_socket_timeouts_leave_room_for_every_attempt(timeout_ms: int) -> None:
    budget = plan_invocation(timeout_ms, 0.0).writes_budget_ms
    assert budget is not None
    worst_case = MAX_ATTEMPTS * socket_timeouts(budget).attempt + longest_backoff()
    assert worst_case <= budget / 1000 + 1e-3  # timeouts are rounded to milliseconds
