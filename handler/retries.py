"""One order's write, retried by the handler itself when it fails transiently.

botocore's own retries are off (one attempt per call): its `standard` mode keeps one retry
quota per client, which throttled retries drain and only 2xx responses refill, so under a
run of conditional-check failures (HTTP 400: duplicates and stale updates) and throttling
most writes would get a single attempt. Here each write has its own attempts, and nothing
another record does can take them away.

Retried: throttling, 5xx responses, connection errors and timeouts. Never retried: a
conditional-check failure (an outcome, see store.py) or any other error, such as a
validation error, which would fail the same way again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, NamedTuple

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from .order import Order
from .store import put_order
from .timing import MAX_ATTEMPTS, SocketTimeouts, backoff_seconds

# Error codes DynamoDB (and AWS's shared front end) uses for "slow down" and "try again".
TRANSIENT_ERROR_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "Throttling",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "TransactionConflictException",  # the item is in an ongoing transaction
        "RequestTimeout",
        "RequestTimeoutException",
        "InternalServerError",
        "ServiceUnavailable",
    }
)
_MAX_REASON = 300


def is_transient(error: BaseException) -> bool:
    """Would the same write, tried again a little later, plausibly succeed?"""
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return code in TRANSIENT_ERROR_CODES or (isinstance(status, int) and status >= 500)
    # Connection refused/reset, connect and read timeouts, a connection closed mid-answer.
    return isinstance(error, BotocoreConnectionError | HTTPClientError)


def describe(error: BaseException) -> str:
    """A short reason for a log line: the AWS error code and message, or the exception."""
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        text = f"{details.get('Code', 'ClientError')}: {details.get('Message', '')}"
    else:
        text = f"{type(error).__name__}: {error}"
    return text[:_MAX_REASON]


class WriteFailedError(Exception):
    """The write was not confirmed in its attempts or its time; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Attempts(NamedTuple):
    """How one write may spend its time: its deadline and the socket time of one attempt."""

    writes_end: float
    timeouts: SocketTimeouts
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep

    def time_for_attempt(self) -> bool:
        """Would one more attempt, waiting its full socket timeouts, still end in time?"""
        return self.clock() + self.timeouts.attempt <= self.writes_end


OUT_OF_TIME = "the invocation is nearly out of time"


def write_with_retries(
    client: Any, table_name: str, order: Order, attempts: Attempts, cancelled: Callable[[], bool]
) -> str:
    """Write one order and return its outcome; WriteFailedError when that cannot be done in time."""
    made = 0
    last_error: BaseException | None = None
    while True:
        if cancelled() or not attempts.time_for_attempt():
            raise WriteFailedError(_out_of_time(made, last_error))
        made += 1
        try:
            return put_order(client, table_name, order)
        except Exception as error:
            if not is_transient(error):
                raise
            last_error = error
            if made >= MAX_ATTEMPTS:
                raise WriteFailedError(
                    f"{describe(error)} (attempt {made} of {MAX_ATTEMPTS})"
                ) from None
        # Shorten the back-off rather than lose the next attempt when time is short.
        room = attempts.writes_end - attempts.clock() - attempts.timeouts.attempt
        attempts.sleep(max(0.0, min(backoff_seconds(made), room)))


def _out_of_time(made: int, last_error: BaseException | None) -> str:
    if made == 0 or last_error is None:
        return f"not attempted: {OUT_OF_TIME}"
    tried = f"attempt {made} of {MAX_ATTEMPTS}; no time for another"
    return f"{describe(last_error)} ({tried}: {OUT_OF_TIME})"
