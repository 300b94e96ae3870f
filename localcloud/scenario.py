"""The demo: the seed order and a few troublesome deliveries through the locally deployed stack.

Publishes through SNS (as any client would), lets the local trigger run the
deployed function, and checks what ended up in the orders table and the
dead-letter queue. Returns 0 only when every expectation holds.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from order_pipeline.cli.dead_letters import sns_message_id

from harness.orders import SEED
from harness.stack_files import load_stack_config

from .cloud import LocalCloud
from .not_emulated import describe
from .printout import Echo, attention_text, batch_result, invocation_summary
from .tables import dead_letters_table, orders_table, render
from .trigger import BatchOutcome

OLDER_UPDATE = {**SEED, "status": "cancelled", "timestamp": "2025-05-03T11:00:00Z"}
NEWER_UPDATE = {**SEED, "status": "shipped", "timestamp": "2025-05-03T13:00:00Z"}
# Cut off mid-object: no handler can take this for an order.
MALFORMED = (
    '{"orderId": "O9999", "userId": "U123", "itemName": "Phone", "quantity": 1, "status": "new"'
)

# The demo shortens timeouts so a failing message goes around in seconds, not minutes.
FAST_FUNCTION_TIMEOUT_SECONDS = 1


def _short(key: str, project: str) -> str:
    return key.removeprefix(f"{project}:")


def fast_retry_overrides(stack: str, user_overrides: dict[str, Any]) -> dict[str, Any]:
    """Demo defaults for what the user did not set: a 1 s function timeout and the
    smallest visibility timeout the component accepts for it (6 x timeout + window)."""
    base = load_stack_config(stack, user_overrides)
    given = {_short(k, base.project) for k in user_overrides}
    values = base.project_values()
    chosen: dict[str, Any] = {}
    timeout = values["functionTimeoutSeconds"]
    if "functionTimeoutSeconds" not in given:
        timeout = chosen["functionTimeoutSeconds"] = FAST_FUNCTION_TIMEOUT_SECONDS
    if "visibilityTimeoutSeconds" not in given:
        chosen["visibilityTimeoutSeconds"] = 6 * timeout + values["batchingWindowSeconds"]
    return chosen


@dataclass
class _Delivery:
    at: float
    ok: bool
    receive_count: int


@dataclass
class Tracker:
    """Observes the trigger: every delivery of every published message, by what was published.

    A record is recognised by its SNS MessageId (inside the notification envelope)
    or, with raw message delivery, by its body.
    """

    raw_delivery: bool
    labels: dict[str, str] = field(default_factory=dict)
    deliveries: dict[str, list[_Delivery]] = field(default_factory=dict)
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def key_of(self, body: str) -> str:
        return (None if self.raw_delivery else sns_message_id(body)) or body

    def __call__(self, outcome: BatchOutcome) -> None:
        now = time.monotonic()
        with self._changed:
            for record in outcome.records:
                key = self.key_of(record["body"])
                count = int(record["attributes"].get("ApproximateReceiveCount", 0))
                ok = record["messageId"] in outcome.deleted_ids
                received = outcome.received_at.get(record["messageId"], now)
                self.deliveries.setdefault(key, []).append(_Delivery(received, ok, count))
            self._changed.notify_all()

    def successes(self, key: str) -> int:
        with self._changed:
            return sum(d.ok for d in self.deliveries.get(key, []))

    def failures(self, key: str) -> list[_Delivery]:
        with self._changed:
            return [d for d in self.deliveries.get(key, []) if not d.ok]

    def wait(self, done: Callable[[], bool], timeout: float, every: float = 0.25) -> bool:
        ends = time.monotonic() + timeout
        with self._changed:
            while not done():
                left = ends - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(timeout=min(every, left))
        return True


def _differences(item: dict[str, Any] | None, published: dict[str, Any]) -> dict[str, Any]:
    """The published fields the stored item does not hold (with what it holds instead)."""
    stored = item or {}
    return {k: stored.get(k) for k, v in published.items() if stored.get(k) != v}


class Demo:
    def __init__(self, stack: str, user_overrides: dict[str, Any], echo: Echo = print) -> None:
        self.stack = stack
        self.echo = echo
        self.demo_overrides = fast_retry_overrides(stack, user_overrides)
        self.config = load_stack_config(stack, {**self.demo_overrides, **user_overrides})
        self.settings = self.config.project_values()
        self.tracker = Tracker(raw_delivery=bool(self.settings["rawMessageDelivery"]))
        self.results: list[tuple[bool, str, str]] = []
        self.started = time.monotonic()

    # --- output ---------------------------------------------------------------------

    def say(self, text: str = "") -> None:
        self.echo(text)

    def clock(self) -> str:
        return f"[{time.monotonic() - self.started:5.1f}s]"

    def on_batch(self, outcome: BatchOutcome) -> None:
        labels = []
        for record in outcome.records:
            label = self.tracker.labels.get(self.tracker.key_of(record["body"]), "a message")
            count = record["attributes"].get("ApproximateReceiveCount", "?")
            labels.append(f"{label} (receive {count})")
        self.say(
            f"{self.clock()}   function: {', '.join(labels)} -> {batch_result(outcome)}"
            f" {invocation_summary(outcome.invocation)}"
        )
        for line in outcome.invocation.log_lines:
            summary = attention_text(line)
            if summary:
                self.say(f"{self.clock()}     log: {summary[:160]}")

    def check(self, ok: bool, expectation: str, detail: str = "") -> bool:
        self.results.append((ok, expectation, detail))
        self.say(
            f"{self.clock()} [{'PASS' if ok else 'FAIL'}] {expectation}"
            + ("" if ok else f": {detail}")
        )
        return ok

    # --- the scenario ---------------------------------------------------------------

    def run(self) -> int:
        s = self.settings
        self.say(
            f"localcloud demo - stack {self.stack!r}, run entirely on this machine "
            "(moto AWS emulator in this process + a local Lambda SQS trigger)."
        )
        if self.demo_overrides:
            shown = " ".join(f"-c {k}={v}" for k, v in self.demo_overrides.items())
            self.say(f"Demo overrides (shorter retries; set your own with -c): {shown}")
        cloud = LocalCloud(self.config, observers=[self.tracker, self.on_batch])
        with cloud:
            self._describe_deployment(cloud)
            cloud.start_triggers()
            self.say()
            self.say(
                f"Scenario (batch size {s['batchSize']}, "
                f"batching window {s['batchingWindowSeconds']} s, "
                f"visibility timeout {s['visibilityTimeoutSeconds']} s, "
                f"maxReceiveCount {s['maxReceiveCount']}):"
            )
            self._scenario(cloud)
            cloud.stop_triggers()
            self._report(cloud)
        passed = all(ok for ok, _, _ in self.results)
        failed = [text for ok, text, _ in self.results if not ok]
        self.say()
        if passed:
            self.say(
                f"All {len(self.results)} expectations hold "
                f"({time.monotonic() - self.started:.1f} s)."
            )
            return 0
        self.say(f"{len(failed)} of {len(self.results)} expectations FAILED: " + "; ".join(failed))
        return 1

    def _describe_deployment(self, cloud: LocalCloud) -> None:
        assert cloud.deployment is not None
        d = cloud.deployment
        self.say(f"Emulator: {cloud.emulator.endpoint} (region {cloud.emulator.region})")
        self.say(
            f"Deployed {len(d.created)} resources from __main__.py + Pulumi.{self.stack}.yaml "
            "into the emulator:"
        )
        rows = [
            {
                "type": c.type.split(":")[1] + ":" + c.type.split(":")[2],
                "name": c.logical_name,
                "id": c.physical_id,
            }
            for c in d.created
        ]
        self.say(render(rows, ["type", "name", "id"], max_width=70))
        spec = cloud.trigger.spec
        self.say(
            f"Trigger (run locally): batch size {spec.batch_size}, "
            f"window {spec.batching_window_seconds} s, "
            f"max concurrency {spec.maximum_concurrency or 'unset'} "
            f"-> {cloud.trigger.concurrency} concurrent "
            f"invocations, response types {list(spec.function_response_types)}"
        )
        self.say("Not emulated:")
        for type_token, reason in describe({r.type for r in d.run.resources}):
            self.say(f"  - {type_token}: {reason}")

    def _publish(self, cloud: LocalCloud, label: str, message: dict[str, Any] | str) -> str:
        message_id = cloud.publish(message)
        text = message if isinstance(message, str) else json.dumps(message)
        key = text if self.tracker.raw_delivery else message_id
        self.tracker.labels.setdefault(key, label)
        self.say(f"{self.clock()} publish {label}: {text}")
        return key

    def _patience(self) -> int:
        """Seconds to wait for a message: every receive it may take, each after a visibility
        timeout and a batching window, plus slack."""
        s = self.settings
        per_receive = s["visibilityTimeoutSeconds"] + s["batchingWindowSeconds"] + 2
        return int((s["maxReceiveCount"] + 1) * per_receive + 30)

    def _processed(self, key: str, times: int, label: str) -> bool:
        timeout = self._patience()
        if self.tracker.wait(lambda: self.tracker.successes(key) >= times, timeout):
            return True
        self.check(False, f"{label} processed", f"not processed within {timeout} s")
        return False

    def _scenario(self, cloud: LocalCloud) -> None:
        s = self.settings
        malformed = self._publish(cloud, "malformed message", MALFORMED)

        seed = self._publish(cloud, "seed order", SEED)
        if self._processed(seed, 1, "seed order"):
            wrong = _differences(cloud.item("O1234"), SEED)
            self.check(
                not wrong, "seed order stored with the published fields", f"differs: {wrong}"
            )
        stored = copy.deepcopy(cloud.item("O1234"))

        duplicate = self._publish(cloud, "duplicate of the seed order", SEED)
        if self._processed(duplicate, 2 if duplicate == seed else 1, "duplicate"):
            self.check(
                cloud.item("O1234") == stored,
                "duplicate delivery left the item unchanged",
                f"item is now {cloud.item('O1234')}",
            )

        older = self._publish(cloud, "older update (11:00, out of order)", OLDER_UPDATE)
        if self._processed(older, 1, "older update"):
            item = cloud.item("O1234") or {}
            self.check(
                item == stored,
                "older update did not overwrite the newer stored state",
                f"status {item.get('status')!r}, timestamp {item.get('timestamp')!r}",
            )

        newer = self._publish(cloud, "newer update (13:00)", NEWER_UPDATE)
        if self._processed(newer, 1, "newer update"):
            wrong = _differences(cloud.item("O1234"), NEWER_UPDATE)
            self.check(
                not wrong, "newer update replaced the item (status 'shipped')", f"differs: {wrong}"
            )

        self._await_dead_letter(cloud, malformed)

        items = cloud.items()
        self.check(
            [i.get("orderId") for i in items] == ["O1234"],
            "the table holds exactly one item, O1234, with the newest state "
            "(the malformed O9999 never stored)",
            f"orderIds {[i.get('orderId') for i in items]}",
        )
        self.check(
            len(self.tracker.failures(malformed)) == s["maxReceiveCount"],
            "the function was handed the malformed message exactly "
            f"maxReceiveCount={s['maxReceiveCount']} times",
            f"{len(self.tracker.failures(malformed))} times",
        )
        left = cloud.queue_messages()
        self.check(
            not left,
            "the order queue is empty (nothing left in flight)",
            f"{len(left)} message(s) left",
        )

    def _await_dead_letter(self, cloud: LocalCloud, key: str) -> None:
        s = self.settings
        limit, visibility = s["maxReceiveCount"], s["visibilityTimeoutSeconds"]
        timeout = self._patience()
        ends = time.monotonic() + timeout
        next_note = 0.0
        found = None
        while time.monotonic() < ends:
            found = next(
                (m for m in cloud.dead_letters() if self.tracker.key_of(m.body) == key), None
            )
            if found:
                break
            failures = self.tracker.failures(key)
            now = time.monotonic()
            if now >= next_note:
                if failures:
                    visible_in = max(0, round(failures[-1].at + visibility - now))
                    if len(failures) < limit:
                        self.say(
                            f"{self.clock()} malformed message: "
                            f"receive {len(failures)}/{limit} failed, waiting for the "
                            f"visibility timeout (visible again in ~{visible_in} s) ..."
                        )
                    else:
                        self.say(
                            f"{self.clock()} malformed message: "
                            f"receive {limit}/{limit} failed, waiting for "
                            f"SQS to move it to the DLQ at the next receive (~{visible_in} s) ..."
                        )
                else:
                    self.say(
                        f"{self.clock()} malformed message: waiting for its first delivery ..."
                    )
                next_note = now + 2.0
            time.sleep(0.2)
        if found is None:
            self.check(
                False, "malformed message moved to the DLQ", f"not in the DLQ after {timeout} s"
            )
            return
        self.check(
            found.receive_count == limit,
            f"malformed message is in the DLQ after exactly maxReceiveCount={limit} receives "
            f"(ApproximateReceiveCount {found.receive_count})",
            f"ApproximateReceiveCount {found.receive_count}",
        )

    def _report(self, cloud: LocalCloud) -> None:
        self.say()
        self.say(f"Orders table {cloud.outputs['tableName']}:")
        self.say(orders_table(cloud.items()))
        self.say()
        self.say(
            f"Dead-letter queue {cloud.outputs['deadLetterQueueUrl'].rsplit('/', 1)[-1]} "
            "(ApproximateReceiveCount read without receiving):"
        )
        rows = [
            {
                "messageId": m.message_id,
                "receives": m.receive_count,
                "sent": m.sent_timestamp_ms,
                "body": m.body,
            }
            for m in cloud.dead_letters()
        ]
        self.say(dead_letters_table(rows, count_header="ApproximateReceiveCount"))
        stats = cloud.trigger.stats
        self.say(
            f"Trigger: {stats.batches} invocations, {stats.records} records, "
            f"{stats.deleted} deleted, "
            f"{stats.failed_records} failed, {stats.errors} errors, {stats.timeouts} timeouts."
        )


def run_demo(stack: str, user_overrides: dict[str, Any], echo: Echo = print) -> int:
    return Demo(stack, user_overrides, echo).run()
