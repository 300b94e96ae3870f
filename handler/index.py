"""Lambda entry point: a batch of SQS records carrying orders -> DynamoDB.

Each record is validated and written on its own; the response lists exactly the
records that failed (`ReportBatchItemFailures`), so SQS retries only those and moves
them to the dead-letter queue after maxReceiveCount receives. Nothing is swallowed.

Problems outside the per-record work (configuration, an event that is not an SQS
batch, a record without a messageId) raise, so the whole batch is retried.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from .log import FAILED, REJECTED, log_outcome
from .message import order_from_body
from .order import InvalidOrderError
from .store import DUPLICATE_OR_STALE, STORED, SUPERSEDED, put_order

_REASONS = {
    STORED: "new order",
    SUPERSEDED: "replaced an older version",
    DUPLICATE_OR_STALE: "the same or a newer version is already stored",
}
_MAX_REASON = 300

# A slow or throttled write must fail its own record, not run the invocation into its
# timeout (which would fail, and count a receive against, every record of the batch):
# short socket timeouts and at most 3 attempts in botocore's "standard" retry mode,
# instead of the 60 s timeouts and 10 attempts botocore would use for DynamoDB.
_CLIENT_CONFIG = Config(
    connect_timeout=2,
    read_timeout=3,
    retries={"mode": "standard", "total_max_attempts": 3},
)
# Do not start a record with less time than this left (or half the invocation's time,
# for short timeouts); report it and the rest as failed instead, so a batch that runs
# out of time does not take the records already written back to SQS with it.
RECORD_TIME_BUDGET_MS = 2_000

BatchResponse = dict[str, list[dict[str, str]]]


class ConfigurationError(RuntimeError):
    """The function's environment is wrong; no record can be processed."""


class InvalidEventError(ValueError):
    """The event is not an SQS batch whose records can be reported individually."""


@dataclass(frozen=True)
class Settings:
    table_name: str
    raw_delivery: bool


def load_settings(environ: Mapping[str, str] = os.environ) -> Settings:
    table_name = environ.get("TABLE_NAME", "")
    if not table_name.strip():
        raise ConfigurationError("TABLE_NAME is not set")
    raw = environ.get("RAW_MESSAGE_DELIVERY")
    if raw not in ("true", "false"):
        raise ConfigurationError(f"RAW_MESSAGE_DELIVERY must be 'true' or 'false', got {raw!r}")
    return Settings(table_name=table_name, raw_delivery=raw == "true")


_client: Any = None


def dynamodb_client() -> Any:
    """One client per container; region and endpoint come from the standard AWS env."""
    global _client
    if _client is None:
        _client = boto3.client("dynamodb", config=_CLIENT_CONFIG)
    return _client


def reset_client() -> None:
    """Forget the cached client (tests start each case with a fresh one)."""
    global _client
    _client = None


def _records(event: Any) -> list[dict[str, Any]]:
    records = event.get("Records") if isinstance(event, dict) else None
    if not isinstance(records, list):
        raise InvalidEventError("event has no Records list")
    for position, record in enumerate(records):
        message_id = record.get("messageId") if isinstance(record, dict) else None
        if not isinstance(message_id, str) or not message_id:
            # An id we cannot name cannot be reported; failing the batch is the safe answer.
            raise InvalidEventError(f"record {position} has no messageId")
    return records


def _describe(error: Exception) -> str:
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        text = f"{details.get('Code', 'ClientError')}: {details.get('Message', '')}"
    else:
        text = f"{type(error).__name__}: {error}"
    return text[:_MAX_REASON]


def _process(client: Any, settings: Settings, message_id: str, body: Any) -> bool:
    """Validate and write one record, log its outcome; False if SQS must retry it."""
    order_id = None
    try:
        order = order_from_body(body, settings.raw_delivery)
        order_id = order.order_id
        outcome = put_order(client, settings.table_name, order)
    except InvalidOrderError as error:
        log_outcome(REJECTED, message_id, error.order_id, error.reason)
        return False
    except Exception as error:  # anything else fails this record only, and SQS retries it
        expected = isinstance(error, ClientError | BotoCoreError)
        log_outcome(
            FAILED, message_id, order_id, _describe(error), exc_info=None if expected else error
        )
        return False
    log_outcome(outcome, message_id, order_id, _REASONS[outcome])
    return True


def _time_check(context: Any) -> Callable[[], bool]:
    """A test for "too little time left to start a record", fixed at invocation start."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return lambda: False
    budget = min(RECORD_TIME_BUDGET_MS, remaining() // 2)
    return lambda: bool(remaining() < budget)


def lambda_handler(event: Any, context: Any) -> BatchResponse:
    settings = load_settings()
    records = _records(event)
    client = dynamodb_client()
    time_is_short = _time_check(context)
    failed: dict[str, None] = {}  # insertion-ordered set: batch order, each id once
    for record in records:
        message_id = record["messageId"]
        if time_is_short():
            log_outcome(
                FAILED, message_id, None, "not attempted: the invocation is nearly out of time"
            )
            failed[message_id] = None
        elif not _process(client, settings, message_id, record.get("body")):
            failed[message_id] = None
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}
