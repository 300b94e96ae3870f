"""What the local cloud prints about invocations, and where its own warnings go.

`serve` and `demo` both print one line per invocation (records, result, timing, the
order counts from its EMF line) and the function's log lines; the pieces are here once.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .order_counts import describe_order_counts, order_counts

if TYPE_CHECKING:  # only annotations: the trigger and the runtime take an Echo from here
    from .function_runtime import Invocation
    from .trigger import BatchOutcome

Echo = Callable[[str], None]

# The level names a JSON log line carries when it is worth a reader's attention.
ATTENTION_LEVELS = ("WARNING", "ERROR", "CRITICAL")


def to_stderr(text: str) -> None:
    """The default sink for the local cloud's own warnings (a failed observer, a lost log line)."""
    print(text, file=sys.stderr, flush=True)


def batch_result(outcome: BatchOutcome) -> str:
    """`ok, 2 deleted` or `1 failed, 1 deleted - <why>`."""
    deleted = len(outcome.deleted_ids)
    if not outcome.failed_ids:
        return f"ok, {deleted} deleted"
    return f"{len(outcome.failed_ids)} failed, {deleted} deleted - {outcome.reason}"


def invocation_summary(invocation: Invocation) -> str:
    """`(cold start, 85 ms); orders: 2 stored` - timing, then the counts it reported."""
    cold = "cold start, " if invocation.cold_start else ""
    counts = describe_order_counts(order_counts(invocation.log_lines))
    return f"({cold}{invocation.duration_ms:.0f} ms); {counts}"


def receive_counts(outcome: BatchOutcome) -> list[str]:
    return [r["attributes"].get("ApproximateReceiveCount", "?") for r in outcome.records]


def _json_object(line: str) -> dict[str, Any] | None:
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    return entry if isinstance(entry, dict) else None


def log_text(line: str) -> str | None:
    """A function log line for the terminal: `LEVEL: message` for a JSON log entry.

    None for the invocation's EMF line: its counts are already in the invocation summary.
    """
    entry = _json_object(line)
    if entry is None:
        return line
    if "_aws" in entry:
        return None
    return f"{entry.get('level', '')}: {entry.get('message', '')}"


def attention_text(line: str) -> str | None:
    """`log_text` of a warning or error (by its level, or by its words when not JSON); else None."""
    entry = _json_object(line)
    if entry is not None:
        return log_text(line) if entry.get("level") in ATTENTION_LEVELS else None
    try:
        json.loads(line)
    except ValueError:
        return line if any(word in line for word in ("ERROR", "WARN", "Traceback")) else None
    return None  # JSON, but not a log entry
