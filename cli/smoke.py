"""The seeds' post-deploy check, automated: publish a probe order, see it stored and
logged by the function, then delete it. Each step is timed; the first one that does not
happen within the timeout fails the smoke test."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .function_logs import logged_outcomes

# Reserved: no real order may use an orderId with this prefix.
PROBE_PREFIX = "order-pipeline-smoke-"
POLL_SECONDS = 0.5


def probe_order(now: datetime) -> dict[str, Any]:
    return {
        "orderId": f"{PROBE_PREFIX}{uuid.uuid4().hex}",
        "userId": "order-pipeline-smoke",
        "itemName": "smoke test probe",
        "quantity": 1,
        "status": "smoke-test",
        "timestamp": now.isoformat(timespec="seconds").replace("+00:00", "Z"),
    }


@dataclass
class Step:
    name: str
    ok: bool
    seconds: float
    detail: str = ""


class Smoke:
    def __init__(
        self,
        clients: Callable[[str], Any],
        outputs: Callable[[str], str],
        log_group: str,
        timeout: float,
        on_step: Callable[[Step], None],
    ) -> None:
        self.clients = clients
        self.outputs = outputs
        self.log_group = log_group
        self.deadline = time.monotonic() + timeout
        self.started = time.monotonic()
        self.on_step = on_step
        self.steps: list[Step] = []

    def _record(self, name: str, ok: bool, detail: str = "") -> bool:
        step = Step(name, ok, time.monotonic() - self.started, detail)
        self.steps.append(step)
        self.on_step(step)
        return ok

    def _wait(self, check: Callable[[], Any]) -> Any:
        while True:
            value = check()
            if value or time.monotonic() > self.deadline:
                return value
            time.sleep(POLL_SECONDS)

    def _stored(self, order_id: str) -> bool:
        item = self.clients("dynamodb").get_item(
            TableName=self.outputs("tableName"),
            Key={"orderId": {"S": order_id}},
            ConsistentRead=True,
        )
        return "Item" in item

    def run(self) -> bool:
        order = probe_order(datetime.now(UTC))
        order_id = order["orderId"]
        published_ms = int(time.time() * 1000)
        message_id = self.clients("sns").publish(
            TopicArn=self.outputs("topicArn"), Message=json.dumps(order)
        )["MessageId"]
        self._record("published the probe order", True, f"orderId {order_id}, SNS {message_id}")
        stored = self._wait(lambda: self._stored(order_id))
        try:
            if not self._record("the probe order is in the table", bool(stored)):
                return False
            logged = self._wait(
                lambda: logged_outcomes(
                    self.clients("logs"), self.log_group, order_id, published_ms - 5000
                )
            )
            line = logged[0] if logged else None
            detail = f"{line.outcome}, SQS messageId {line.message_id}" if line else ""
            return self._record("the function logged it", line is not None, detail)
        finally:
            if stored or self._stored(order_id):
                self.clients("dynamodb").delete_item(
                    TableName=self.outputs("tableName"), Key={"orderId": {"S": order_id}}
                )
                self._record("deleted the probe item", True)
            else:  # it may still arrive after the timeout: say how to remove it then
                self._record(
                    "no probe item to delete yet",
                    False,
                    f"if it arrives later: aws dynamodb delete-item --table-name "
                    f'{self.outputs("tableName")} --key \'{{"orderId": {{"S": '
                    f'"{order_id}"}}}}\'',
                )
