"""A batch's writes in parallel: bounded threads, and no waiting past the invocation's deadline.

Orders with different orderIds are written at the same time, at most PARALLELISM at once,
through one client whose connection pool has as many connections. Orders that share an
orderId are written one after another, in batch order, by one task: the conditional write
decides between them exactly as it did when the whole batch was written in order, so their
outcomes (stored, superseded, duplicate-or-stale) are the sequential ones. Only a batch
made of one order's updates is no faster than before.

The handler waits for the writes until its wait deadline; a write still unfinished then
is reported failed (SQS retries it; the conditional write makes a late landing harmless),
and what it does afterwards is neither logged nor counted.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from typing import NamedTuple

from botocore.exceptions import BotoCoreError, ClientError

from .order import Order
from .outcomes import FAILED
from .retries import WriteFailedError, describe
from .store import REASONS

# Writes in flight at once per execution environment. With ~10 ms per DynamoDB round trip
# and ~1.3 ms of botocore CPU per call, 16 keeps the CPU busy (see docs/handler.md).
PARALLELISM = 16

NOT_FINISHED = "did not finish before the invocation's deadline"

# write(order, cancelled) -> outcome; raises WriteFailedError or the error that failed it.
WriteOne = Callable[[Order, Callable[[], bool]], str]


class RecordResult(NamedTuple):
    outcome: str
    order_id: str | None
    reason: str
    error: BaseException | None = None  # an unexpected error, logged with its traceback


_pool: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    """One pool per execution environment, like the client; threads start on first use."""
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=PARALLELISM, thread_name_prefix="order-write")
    return _pool


def chains(orders: Sequence[tuple[int, Order]]) -> list[list[tuple[int, Order]]]:
    """The orders grouped by orderId, each group in batch order, groups in order of first use."""
    grouped: dict[str, list[tuple[int, Order]]] = {}
    for position, order in orders:
        grouped.setdefault(order.order_id, []).append((position, order))
    return list(grouped.values())


def write_one(write: WriteOne, order: Order, cancelled: Callable[[], bool]) -> RecordResult:
    try:
        outcome = write(order, cancelled)
    except WriteFailedError as failure:
        return RecordResult(FAILED, order.order_id, failure.reason)
    except Exception as error:  # fails this record only, and SQS retries it
        expected = isinstance(error, ClientError | BotoCoreError)
        return RecordResult(FAILED, order.order_id, describe(error), None if expected else error)
    return RecordResult(outcome, order.order_id, REASONS[outcome])


def write_batch(
    orders: Sequence[tuple[int, Order]],
    write: WriteOne,
    wait_end: float,
    clock: Callable[[], float] = time.monotonic,
) -> dict[int, RecordResult]:
    """Write (position, order) pairs; a result for every position, by wait_end at the latest."""
    results: dict[int, RecordResult] = {}
    lock = threading.Lock()
    stopped = threading.Event()

    def run(chain: list[tuple[int, Order]]) -> None:
        for position, order in chain:
            result = write_one(write, order, stopped.is_set)
            with lock:
                if not stopped.is_set():
                    results[position] = result

    futures = [_executor().submit(run, chain) for chain in chains(orders)]
    timeout = None if math.isinf(wait_end) else max(0.0, wait_end - clock())
    _, unfinished = wait(futures, timeout=timeout)
    with lock:
        stopped.set()  # late results are dropped, queued chains stop before writing
        finished = dict(results)
    for future in unfinished:
        future.cancel()
    for position, order in orders:
        if position not in finished:
            finished[position] = RecordResult(FAILED, order.order_id, NOT_FINISHED)
    return finished
