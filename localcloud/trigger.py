"""The function's SQS trigger, run locally the way Lambda's event source mapping runs it.

One poller long-polls the queue (ReceiveMessage with WaitTimeSeconds and every
attribute, ApproximateReceiveCount included) and gathers a batch of up to the
mapping's batch size within its batching window; each batch goes to one of up to
N concurrent invocations (N = the mapping's maximum concurrency, or 5 — the
number of concurrent batches Lambda starts with — when none is set). After the
invocation:

- it raised, timed out or its process died  -> delete nothing: the whole batch
  becomes visible again when the queue's visibility timeout runs out;
- with ReportBatchItemFailures: delete exactly the records not listed in
  `batchItemFailures`; an empty or missing list (or a null response) means all
  succeeded; a malformed response, or one naming an id that is not in the batch,
  fails the whole batch, as Lambda does;
- without ReportBatchItemFailures: any normal return deletes the whole batch.

Receive counts, visibility timeouts and the move to the dead-letter queue after
maxReceiveCount receives are the emulator's own SQS behaviour; the trigger never
changes a message's visibility and never sends to the DLQ itself.

Differences from Lambda, on purpose: one poller thread (receiving from several
threads at once can hand the same message to two of them in moto), and long polls
of LONG_POLL_SECONDS instead of 20 s so that stop() returns promptly — a long poll
returns as soon as a message arrives, so this changes no result.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from harness.sqs_event import event_record

from .emulator import Emulator
from .function_runtime import FunctionRuntime, Invocation
from .printout import Echo, to_stderr
from .provisioner import TriggerSpec

LONG_POLL_SECONDS = 1
# Lambda starts an SQS event source with five concurrent batches.
DEFAULT_CONCURRENCY = 5
REPORT_BATCH_ITEM_FAILURES = "ReportBatchItemFailures"
_RECEIVED_AT = "localcloud:receivedAt"  # added to each received message, removed before invoking


@dataclass
class BatchOutcome:
    """What happened to one batch: the event records, the invocation, what was deleted."""

    records: list[dict[str, Any]]
    invocation: Invocation
    failed_ids: list[str]
    deleted_ids: list[str]
    reason: str  # why records failed (empty when none did)
    delete_errors: list[str] = field(default_factory=list)
    # messageId -> time.monotonic() of its receive (when its visibility timeout started)
    received_at: dict[str, float] = field(default_factory=dict)

    @property
    def record_ids(self) -> list[str]:
        return [r["messageId"] for r in self.records]


Observer = Callable[[BatchOutcome], None]


def failed_ids_of(response: Any, batch_ids: list[str]) -> tuple[list[str], str]:
    """Ids to keep on the queue for a ReportBatchItemFailures response, and why.

    Returns every id (the whole batch) for a malformed response or an unknown id.
    """
    if response is None:
        return [], ""
    if not isinstance(response, dict):
        return list(batch_ids), f"malformed response (a {type(response).__name__}, not an object)"
    failures = response.get("batchItemFailures")
    if failures is None:
        return [], ""
    if not isinstance(failures, list):
        return list(batch_ids), "malformed response (batchItemFailures is not a list)"
    failed: list[str] = []
    for entry in failures:
        identifier = entry.get("itemIdentifier") if isinstance(entry, dict) else None
        if not isinstance(identifier, str) or not identifier:
            return list(batch_ids), f"malformed batchItemFailures entry {entry!r}"
        if identifier not in batch_ids:
            return list(
                batch_ids
            ), f"batchItemFailures names {identifier!r}, which is not in the batch"
        if identifier not in failed:
            failed.append(identifier)
    return failed, "reported in batchItemFailures" if failed else ""


@dataclass
class TriggerStats:
    batches: int = 0
    records: int = 0
    deleted: int = 0
    failed_records: int = 0
    errors: int = 0
    timeouts: int = 0
    receives: Counter[str] = field(
        default_factory=Counter
    )  # messageId -> times handed to the function

    @property
    def mean_batch_size(self) -> float:
        return self.records / self.batches if self.batches else 0.0


class SqsTrigger:
    """Polls one queue and invokes one function with the mapping's settings."""

    def __init__(
        self,
        emulator: Emulator,
        spec: TriggerSpec,
        runtime: FunctionRuntime,
        observers: list[Observer] | None = None,
        long_poll_seconds: int = LONG_POLL_SECONDS,
        concurrency: int | None = None,
        warn: Echo = to_stderr,
    ) -> None:
        self.warn = warn
        self.spec = spec
        self.runtime = runtime
        self.region = emulator.region
        self.observers = list(observers or [])
        self.long_poll_seconds = long_poll_seconds
        self.concurrency = concurrency or spec.maximum_concurrency or DEFAULT_CONCURRENCY
        self._sqs = emulator.client("sqs")
        account, name = spec.event_source_arn.split(":")[4], spec.event_source_arn.split(":")[5]
        self.queue_url = self._sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)[
            "QueueUrl"
        ]
        self.stats = TriggerStats()
        self._stats_lock = threading.Lock()
        self._stop = threading.Event()
        self._slots = threading.Semaphore(self.concurrency)
        self._pool: ThreadPoolExecutor | None = None
        self._poller: threading.Thread | None = None
        self._idle = threading.Condition()
        self._in_flight = 0

    # --- lifecycle ---------------------------------------------------------------------

    def start(self) -> SqsTrigger:
        if not self.spec.enabled:
            # A disabled mapping does not poll on Lambda either.
            self.warn(f"localcloud: mapping {self.spec.logical_name} is disabled; not polling")
            return self
        self._stop.clear()
        self._pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="invoke")
        self._poller = threading.Thread(target=self._poll, name="sqs-poller", daemon=True)
        self._poller.start()
        return self

    def stop(self) -> None:
        """Stop polling, let invocations in flight finish and settle their batches."""
        self._stop.set()
        if self._poller is not None:
            self._poller.join()
            self._poller = None
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def __enter__(self) -> SqsTrigger:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait_idle(self, timeout: float) -> bool:
        """True once no batch is being invoked (messages may still wait to become visible)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout=timeout)

    # --- polling -----------------------------------------------------------------------

    def _poll(self) -> None:
        while not self._stop.is_set():
            if not self._slots.acquire(timeout=0.2):
                continue  # every invocation slot is busy (maximum concurrency reached)
            try:
                messages = self._gather_batch()
            except Exception as error:  # the emulator went away, or a transient error
                self._slots.release()
                if not self._stop.is_set():
                    self._notify_error(f"ReceiveMessage failed: {error}")
                    self._stop.wait(1.0)
                continue
            if not messages:
                self._slots.release()
                continue
            with self._idle:
                self._in_flight += 1
            assert self._pool is not None
            self._pool.submit(self._invoke_and_settle, messages)

    def _receive(self, max_messages: int, wait_seconds: int) -> list[dict[str, Any]]:
        response = self._sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=max_messages,
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = list(response.get("Messages", []))
        now = time.monotonic()
        for message in messages:
            message[_RECEIVED_AT] = now
        return messages

    def _gather_batch(self) -> list[dict[str, Any]]:
        """Up to batch size messages: the first long poll, then more within the batching window."""
        batch_size = self.spec.batch_size
        window = self.spec.batching_window_seconds
        messages = self._receive(min(10, batch_size), self.long_poll_seconds)
        if not messages or window <= 0:
            # Without a window Lambda invokes with what one receive returned.
            return messages
        window_ends = time.monotonic() + window
        while len(messages) < batch_size and not self._stop.is_set():
            remaining = window_ends - time.monotonic()
            if remaining <= 0:
                break
            wait = min(self.long_poll_seconds, math.floor(remaining))
            more = self._receive(min(10, batch_size - len(messages)), wait)
            messages.extend(more)
            if not more and wait == 0:
                time.sleep(min(0.1, max(0.0, remaining)))
        return messages

    # --- invoking and settling ---------------------------------------------------------

    def _invoke_and_settle(self, messages: list[dict[str, Any]]) -> None:
        try:
            received_at = {m["MessageId"]: m.pop(_RECEIVED_AT) for m in messages}
            records = [event_record(m, self.spec.event_source_arn, self.region) for m in messages]
            batch_ids = [r["messageId"] for r in records]
            invocation = self.runtime.invoke({"Records": records})
            if not invocation.ok:
                failed, reason = list(batch_ids), f"invocation failed: {invocation.error_text}"
            elif REPORT_BATCH_ITEM_FAILURES in self.spec.function_response_types:
                failed, reason = failed_ids_of(invocation.result, batch_ids)
            else:
                failed, reason = [], ""
            to_delete = [r for r in records if r["messageId"] not in failed]
            deleted, delete_errors = self._delete(to_delete)
            outcome = BatchOutcome(
                records, invocation, failed, deleted, reason, delete_errors, received_at
            )
            self._count(outcome)
            for observer in self.observers:
                try:
                    observer(outcome)
                except Exception as error:  # an observer must not stop the trigger
                    self.warn(f"localcloud: trigger observer failed: {error!r}")
        except Exception as error:
            self._notify_error(f"batch handling failed: {error!r}")
        finally:
            self._slots.release()
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    def _delete(self, records: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
        deleted: list[str] = []
        errors: list[str] = []
        for start in range(0, len(records), 10):
            chunk = records[start : start + 10]
            response = self._sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": r["receiptHandle"]} for i, r in enumerate(chunk)
                ],
            )
            for entry in response.get("Successful", []):
                deleted.append(chunk[int(entry["Id"])]["messageId"])
            for entry in response.get("Failed", []):
                message_id = chunk[int(entry["Id"])]["messageId"]
                errors.append(f"{message_id}: {entry.get('Message', entry.get('Code'))}")
        return deleted, errors

    def _count(self, outcome: BatchOutcome) -> None:
        with self._stats_lock:
            s = self.stats
            s.batches += 1
            s.records += len(outcome.records)
            s.deleted += len(outcome.deleted_ids)
            s.failed_records += len(outcome.failed_ids)
            s.errors += 0 if outcome.invocation.ok else 1
            s.timeouts += 1 if outcome.invocation.timed_out else 0
            s.receives.update(outcome.record_ids)

    def _notify_error(self, text: str) -> None:
        self.warn(f"localcloud: trigger {self.spec.logical_name}: {text}")
