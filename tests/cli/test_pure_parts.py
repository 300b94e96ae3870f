"""The pure parts: the handler's own validation as a DLQ verdict, log lines, order arguments."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from order_pipeline.cli.dead_letters import REJECTED, VALID, classify, sns_message_id
from order_pipeline.cli.errors import ConfigurationError
from order_pipeline.cli.function_logs import parse_line
from order_pipeline.cli.orders import checked_order_id, read_messages
from order_pipeline.handler.message import order_from_body
from order_pipeline.handler.order import InvalidOrderError
from orders import order


def envelope(message: str, message_id: str = "sns-1") -> str:
    return json.dumps({"Type": "Notification", "MessageId": message_id, "Message": message})


def test_a_valid_order_is_valid_in_the_format_the_function_expects() -> None:
    body = envelope(json.dumps(order("O1")))
    assert classify(body, raw_delivery=False) == (VALID, "O1", None)
    # The same body under raw delivery is what the function would reject.
    verdict, _order_id, reason = classify(body, raw_delivery=True)
    assert verdict == REJECTED and "raw delivery mismatch" in (reason or "")


@pytest.mark.parametrize(
    "body",
    [
        envelope('{"orderId": "O666", "quantity": '),
        envelope(json.dumps(order("O2", quantity=0))),
        envelope(json.dumps(order("O3", timestamp="2025-05-03T12:00:00"))),
        "not an envelope",
    ],
)
def test_a_rejected_body_carries_exactly_the_handlers_reason(body: str) -> None:
    with pytest.raises(InvalidOrderError) as raised:
        order_from_body(body, False)
    assert classify(body, False) == (REJECTED, raised.value.order_id, raised.value.reason)


def test_the_sns_message_id_is_read_from_the_envelope() -> None:
    assert sns_message_id(envelope("{}", "abc")) == "abc"
    assert sns_message_id(json.dumps(order("O1"))) is None
    assert sns_message_id("not json") is None


def test_log_lines_in_json_and_text_format() -> None:
    json_line = json.dumps(
        {
            "timestamp": "2025-05-03T12:00:00Z",
            "level": "WARNING",
            "message": "rejected messageId=m1 orderId=None: bad",
            "outcome": "rejected",
            "messageId": "m1",
            "orderId": None,
            "reason": "bad",
        }
    )
    parsed = parse_line(json_line, 5)
    assert parsed is not None
    assert (parsed.outcome, parsed.message_id, parsed.order_id, parsed.reason) == (
        "rejected",
        "m1",
        None,
        "bad",
    )
    text = "[ERROR]\t2025-05-03T12:00:00Z\treq\tfailed messageId=m2 orderId=O1: Throttled: slow"
    parsed = parse_line(text)
    assert parsed is not None
    assert (parsed.outcome, parsed.message_id, parsed.order_id, parsed.reason) == (
        "failed",
        "m2",
        "O1",
        "Throttled: slow",
    )
    assert parse_line("START RequestId: abc") is None


def test_order_arguments_json_file_and_stdin(tmp_path: Path) -> None:
    path = tmp_path / "order.json"
    path.write_text("from file")
    assert read_messages(["literal", f"@{path}", "-"], io.StringIO("from stdin")) == [
        "literal",
        "from file",
        "from stdin",
    ]
    with pytest.raises(ConfigurationError, match="cannot read @"):
        read_messages([f"@{tmp_path / 'missing.json'}"])


def test_an_invalid_order_is_refused_with_the_handlers_reason() -> None:
    assert checked_order_id(json.dumps(order("O9")), 1) == "O9"
    with pytest.raises(ConfigurationError, match=r"order 2 .*quantity"):
        checked_order_id(json.dumps(order("O9", quantity="1")), 2)
