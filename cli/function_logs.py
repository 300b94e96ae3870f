"""The function's outcome lines in its log group: one per record, with messageId/orderId/reason.

The handler (handler/log.py) logs `outcome`, `messageId`, `orderId` and `reason` as keys of
Lambda's JSON log lines, and repeats them in the text message (for the text log format).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError
from order_pipeline.handler.log import TEXT_PATTERN

_TEXT_LINE = re.compile(TEXT_PATTERN)


@dataclass(frozen=True)
class LoggedOutcome:
    timestamp_ms: int
    outcome: str
    message_id: str
    order_id: str | None
    reason: str


def parse_line(message: str, timestamp_ms: int = 0) -> LoggedOutcome | None:
    """A handler outcome line (JSON or text format), or None for any other line."""
    fields: dict[str, Any] | None = None
    try:
        entry = json.loads(message)
        if isinstance(entry, dict) and "outcome" in entry and "messageId" in entry:
            fields = entry
    except ValueError:
        pass
    if fields is None:
        match = _TEXT_LINE.search(message.rstrip("\n"))
        if match is None:
            return None
        fields = match.groupdict()
        if fields["orderId"] == "None":
            fields["orderId"] = None
    return LoggedOutcome(
        timestamp_ms=timestamp_ms,
        outcome=str(fields["outcome"]),
        message_id=str(fields["messageId"]),
        order_id=None if fields.get("orderId") is None else str(fields["orderId"]),
        reason=str(fields.get("reason") or ""),
    )


def logged_outcomes(logs: Any, group: str, term: str, since_ms: int) -> list[LoggedOutcome] | None:
    """Outcome lines that contain `term` (an id), oldest first; None if the group is missing."""
    found: list[LoggedOutcome] = []
    request: dict[str, Any] = {
        "logGroupName": group,
        "filterPattern": json.dumps(term),  # a quoted term: the exact id
        "startTime": max(0, since_ms),
    }
    try:
        while True:
            page = logs.filter_log_events(**request)
            for event in page.get("events", []):
                line = parse_line(event.get("message", ""), int(event.get("timestamp", 0)))
                if line is not None and term in (line.message_id, line.order_id):
                    found.append(line)
            if not page.get("nextToken"):
                break
            request["nextToken"] = page["nextToken"]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return None
        raise
    return sorted(found, key=lambda line: line.timestamp_ms)
