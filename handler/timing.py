"""The invocation's time: when writes must end, socket timeouts, and back-off between attempts.

Lambda stops an invocation at its timeout, and SQS then retries every record of the batch,
written or not, counting a receive against each. So the handler plans its time once, from
the remaining time at the start of the invocation:

- a reserve at the end (a tenth of the time, at most RESERVE_MAX_MS) for logging, the
  metrics line and returning the response;
- every write attempt must end before `writes_end`, the start of that reserve: an attempt
  is only started when its whole socket timeout (connect + read) fits before it, and a
  back-off sleep is shortened so that the next attempt still fits;
- the handler stops waiting at `wait_end`, half-way through the reserve, and reports any
  record still unfinished as failed.

Everything here is pure arithmetic on numbers passed in, so it can be tested on its own.
"""

from __future__ import annotations

import math
import random
from typing import Any, NamedTuple

# Attempts per write, counting the first; a transient error is retried until this many
# attempts were made or the next one no longer fits before `writes_end`.
MAX_ATTEMPTS = 3
# One attempt's socket time (connect + read timeout): at most this, and less for short
# functions, so that MAX_ATTEMPTS attempts fit in the time for writes.
MAX_ATTEMPT_SECONDS = 3.0
# Below this an attempt cannot reasonably succeed, so it is not worth starting.
MIN_ATTEMPT_SECONDS = 0.1
# The share of an attempt's time that may go into connecting; the rest waits for the answer.
CONNECT_SHARE = 1 / 3
# Kept at the end of each invocation for logging and returning: a tenth, at most this.
RESERVE_MAX_MS = 500
# Full-jitter exponential back-off: a uniform delay in [0, min(cap, base * 2**(n-1))).
BACKOFF_BASE_SECONDS = 0.05
BACKOFF_CAP_SECONDS = 1.0


class SocketTimeouts(NamedTuple):
    connect: float
    read: float

    @property
    def attempt(self) -> float:
        """The longest one attempt can wait on its socket."""
        return self.connect + self.read


class TimePlan(NamedTuple):
    """An invocation's deadlines on the monotonic clock (infinite without a Lambda context)."""

    writes_end: float
    wait_end: float
    writes_budget_ms: int | None  # time from the start until writes_end; None: no limit


def reserve_ms(remaining_ms: int) -> int:
    return min(RESERVE_MAX_MS, remaining_ms // 10)


def plan_invocation(remaining_ms: int | None, now: float) -> TimePlan:
    """The deadlines of an invocation that has `remaining_ms` left at monotonic time `now`."""
    if remaining_ms is None:
        return TimePlan(writes_end=math.inf, wait_end=math.inf, writes_budget_ms=None)
    reserve = reserve_ms(remaining_ms)
    budget = max(0, remaining_ms - reserve)
    return TimePlan(
        writes_end=now + budget / 1000,
        wait_end=now + (remaining_ms - reserve / 2) / 1000,
        writes_budget_ms=budget,
    )


def remaining_ms(context: Any) -> int | None:
    """The invocation's remaining time, or None when there is no Lambda context."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return None if remaining is None else int(remaining())


def backoff_ceiling(attempts_made: int) -> float:
    """The longest back-off before attempt `attempts_made + 1`."""
    return min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2.0 ** (attempts_made - 1))


def longest_backoff() -> float:
    """The most one write can sleep between its MAX_ATTEMPTS attempts."""
    return sum(backoff_ceiling(made) for made in range(1, MAX_ATTEMPTS))


def socket_timeouts(writes_budget_ms: int | None) -> SocketTimeouts:
    """Timeouts that let MAX_ATTEMPTS attempts and their back-off fit in a budget."""
    if writes_budget_ms is None:
        attempt = MAX_ATTEMPT_SECONDS
    else:
        share = (writes_budget_ms / 1000 - longest_backoff()) / MAX_ATTEMPTS
        attempt = min(MAX_ATTEMPT_SECONDS, max(MIN_ATTEMPT_SECONDS, share))
    connect = round(attempt * CONNECT_SHARE, 3)
    return SocketTimeouts(connect=connect, read=round(attempt - connect, 3))


def backoff_seconds(attempts_made: int, rng: random.Random | None = None) -> float:
    """The jittered delay before attempt `attempts_made + 1`."""
    return (rng or random).uniform(0, backoff_ceiling(attempts_made))
