"""Lambda entry point: a batch of SQS records carrying orders -> DynamoDB.

Each record is validated and written on its own; the response lists exactly the
records that failed (`ReportBatchItemFailures`), so SQS retries only those and moves
them to the dead-letter queue after maxReceiveCount receives. Nothing is swallowed.

The writes run in parallel (batch.py), each with its own retries (retries.py) inside
the invocation's time (timing.py). After the batch, one log line per record, in batch
order, and one CloudWatch embedded-metric-format line with the outcome counts (metrics.py).

Problems outside the per-record work (configuration, an event that is not an SQS
batch, a record without a messageId) raise, so the whole batch is retried.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import boto3
from botocore.config import Config

from .batch import PARALLELISM, RecordResult, write_batch
from .log import log_outcome
from .message import order_from_body
from .metrics import metric_line
from .order import InvalidOrderError, Order
from .outcomes import FAILED, REJECTED
from .retries import Attempts, describe, write_with_retries
from .timing import SocketTimeouts, plan_invocation, remaining_ms, socket_timeouts

BatchResponse = dict[str, list[dict[str, str]]]


class ConfigurationError(RuntimeError):
    """The function's environment is wrong; no record can be processed."""


class InvalidEventError(ValueError):
    """The event is not an SQS batch whose records can be reported individually."""


class Settings(NamedTuple):
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


def client_config(timeouts: SocketTimeouts) -> Config:
    """botocore retries off (the handler retries, see retries.py); a connection per thread."""
    return Config(
        connect_timeout=timeouts.connect,
        read_timeout=timeouts.read,
        retries={"mode": "standard", "total_max_attempts": 1},
        max_pool_connections=PARALLELISM,
    )


_client: Any = None


def dynamodb_client(writes_budget_ms: int | None = None) -> Any:
    """One client per execution environment; region and endpoint come from the AWS env.

    Its socket timeouts are sized from the first invocation's time for writes, which is
    the function's timeout less the reserve: the timeout is fixed for an environment.
    """
    global _client
    if _client is None:
        timeouts = socket_timeouts(writes_budget_ms)
        _client = boto3.client("dynamodb", config=client_config(timeouts))
    return _client


def reset_client() -> None:
    """Forget the cached client (tests start each case with a fresh one)."""
    global _client
    _client = None


def client_timeouts(client: Any) -> SocketTimeouts:
    return SocketTimeouts(
        connect=client.meta.config.connect_timeout, read=client.meta.config.read_timeout
    )


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


def _validate(body: Any, settings: Settings) -> Order | RecordResult:
    """The order a record carries, or the result that ends it here (rejected, or a bug)."""
    try:
        return order_from_body(body, settings.raw_delivery)
    except InvalidOrderError as error:
        return RecordResult(REJECTED, error.order_id, error.reason)
    except Exception as error:  # a bug, not bad input: fail this record, log the traceback
        return RecordResult(FAILED, None, describe(error), error)


def _function_name() -> str:
    return os.environ.get("AWS_LAMBDA_FUNCTION_NAME") or "unknown"


def lambda_handler(event: Any, context: Any) -> BatchResponse:
    plan = plan_invocation(remaining_ms(context), time.monotonic())
    settings = load_settings()
    records = _records(event)
    client = dynamodb_client(plan.writes_budget_ms)

    results: dict[int, RecordResult] = {}
    orders: list[tuple[int, Order]] = []
    for position, record in enumerate(records):
        checked = _validate(record.get("body"), settings)
        if isinstance(checked, RecordResult):
            results[position] = checked
        else:
            orders.append((position, checked))
    attempts = Attempts(writes_end=plan.writes_end, timeouts=client_timeouts(client))

    def write(order: Order, cancelled: Callable[[], bool]) -> str:
        return write_with_retries(client, settings.table_name, order, attempts, cancelled)

    results.update(write_batch(orders, write, plan.wait_end))

    failed: dict[str, None] = {}  # insertion-ordered set: batch order, each id once
    counts: Counter[str] = Counter()
    for position, record in enumerate(records):
        result = results[position]
        message_id = record["messageId"]
        log_outcome(result.outcome, message_id, result.order_id, result.reason, result.error)
        counts[result.outcome] += 1
        if result.outcome in (REJECTED, FAILED):
            failed[message_id] = None
    # Printed, not logged: with Lambda's JSON log format a logging record would wrap the
    # document in a "message" string, and CloudWatch extracts metrics only from a line
    # that is itself the EMF object (see docs/handler.md).
    print(metric_line(dict(counts), _function_name(), int(time.time() * 1000)), flush=True)
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}
