"""From an SQS record body to a validated order.

With SNS raw message delivery off, SNS wraps each order in a notification envelope
(a JSON object whose "Message" string holds the order); with it on, the body is the
order itself. The handler is told which to expect and rejects the other, so a
subscription whose setting drifted from the function's shows up as rejected records
instead of orders silently stored with the wrong shape.
"""

from __future__ import annotations

import json
from typing import Any

from .order import InvalidOrderError, Order, parse_json, validate_order


def is_sns_envelope(candidate: Any) -> bool:
    """An SNS notification envelope (decoded JSON): the form SNS delivers with raw delivery off."""
    return (
        isinstance(candidate, dict)
        and candidate.get("Type") == "Notification"
        and "Message" in candidate
    )


def _unwrap_sns(body: str) -> str:
    try:
        envelope = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, an absurd integer, absurd nesting
        envelope = None
    if not is_sns_envelope(envelope):
        raise InvalidOrderError(
            "body is not an SNS notification envelope (raw delivery mismatch?"
            " RAW_MESSAGE_DELIVERY is false, so the SNS subscription must not use raw delivery)"
        )
    message = envelope["Message"]
    if not isinstance(message, str):
        raise InvalidOrderError("SNS notification Message must be a string")
    return message


def order_from_body(body: Any, raw_delivery: bool) -> Order:
    """Validate the order an SQS record body carries, or raise InvalidOrderError."""
    if not isinstance(body, str):
        raise InvalidOrderError("record has no string body")
    if not raw_delivery:
        return validate_order(parse_json(_unwrap_sns(body), "SNS message"))
    candidate = parse_json(body, "body")
    if is_sns_envelope(candidate):
        raise InvalidOrderError(
            "raw delivery mismatch: body is an SNS notification envelope but"
            " RAW_MESSAGE_DELIVERY is true"
        )
    return validate_order(candidate)
