"""A running local cloud: emulator + deployed stack + the function's trigger, as one object.

Used by the CLI (demo, serve), the end-to-end tests and the benchmark, so each of
them deploys and runs the pipeline the same way.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from order_pipeline.cli.orders import item_from_dynamodb, read_orders

from harness.moto_internals import MessageState
from harness.stack_files import PROJECT_ROOT, StackConfig

from .deploy import Deployment, deploy, region_of
from .emulator import Emulator
from .function_runtime import FunctionRuntime, LogSink
from .printout import Echo, to_stderr
from .trigger import LONG_POLL_SECONDS, Observer, SqsTrigger


class LocalCloud:
    """Start with `start()` (or `with`), which deploys; `start_triggers()` runs the function."""

    def __init__(
        self,
        config: StackConfig,
        *,
        program: Path = PROJECT_ROOT / "__main__.py",
        code_override: Path | None = None,
        port: int = 0,
        echo: Echo = lambda _: None,
        warn: Echo = to_stderr,
        log_sink: LogSink | None = None,
        observers: list[Observer] | None = None,
        long_poll_seconds: int = LONG_POLL_SECONDS,
    ) -> None:
        self.config = config
        self.program = program
        self.code_override = code_override
        self.echo = echo
        self.warn = warn
        self.log_sink = log_sink
        self.observers = list(observers or [])
        self.long_poll_seconds = long_poll_seconds
        self.emulator = Emulator(region=region_of(config), port=port)
        self.deployment: Deployment | None = None
        self.runtimes: dict[str, FunctionRuntime] = {}
        self.triggers: list[SqsTrigger] = []
        self._triggers_running = False

    # --- lifecycle ---------------------------------------------------------------------

    def start(self) -> LocalCloud:
        self.emulator.start()
        try:
            self.deployment = deploy(
                self.emulator,
                self.config,
                program=self.program,
                code_override=self.code_override,
                echo=self.echo,
            )
            for spec in self.deployment.triggers:
                runtime = self.runtimes.get(spec.function_name)
                if runtime is None:
                    function = self.deployment.functions[spec.function_name]
                    runtime = FunctionRuntime(
                        self.emulator, function, log_sink=self.log_sink, warn=self.warn
                    )
                    self.runtimes[spec.function_name] = runtime
                self.triggers.append(
                    SqsTrigger(
                        self.emulator,
                        spec,
                        runtime,
                        observers=self.observers,
                        long_poll_seconds=self.long_poll_seconds,
                        warn=self.warn,
                    )
                )
        except BaseException:
            self.close()
            raise
        return self

    def start_triggers(self) -> None:
        if not self._triggers_running:
            for trigger in self.triggers:
                trigger.start()
            self._triggers_running = True

    def stop_triggers(self) -> None:
        if self._triggers_running:
            for trigger in self.triggers:
                trigger.stop()
            self._triggers_running = False

    def close(self) -> None:
        try:
            self.stop_triggers()
        finally:
            for runtime in self.runtimes.values():
                runtime.close()
            self.runtimes.clear()
            self.emulator.stop()

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the deployed stack ----------------------------------------------------------------

    @property
    def outputs(self) -> dict[str, Any]:
        assert self.deployment is not None, "start() first"
        return self.deployment.outputs

    @property
    def settings(self) -> dict[str, Any]:
        return self.config.project_values()

    @property
    def trigger(self) -> SqsTrigger:
        (only,) = self.triggers
        return only

    def client(self, service: str) -> Any:
        return self.emulator.client(service)

    # --- using it, as a client would -----------------------------------------------------

    def publish(self, message: dict[str, Any] | str) -> str:
        """Publish an order (dict -> JSON) or any text to the order topic; the SNS MessageId."""
        text = message if isinstance(message, str) else json.dumps(message)
        return str(
            self.client("sns").publish(TopicArn=self.outputs["topicArn"], Message=text)["MessageId"]
        )

    def items(self) -> list[dict[str, Any]]:
        """Every item of the orders table, by orderId (a consistent read)."""
        dynamodb, table = self.client("dynamodb"), self.outputs["tableName"]
        items: list[dict[str, Any]] = read_orders(dynamodb, table, consistent_read=True)
        return items

    def item(self, order_id: str) -> dict[str, Any] | None:
        raw = (
            self.client("dynamodb")
            .get_item(
                TableName=self.outputs["tableName"],
                Key={"orderId": {"S": order_id}},
                ConsistentRead=True,
            )
            .get("Item")
        )
        return None if raw is None else item_from_dynamodb(raw)

    def queue_messages(self) -> list[MessageState]:
        return self.emulator.queue_snapshot(self.outputs["queueUrl"])

    def dead_letters(self) -> list[MessageState]:
        return self.emulator.queue_snapshot(self.outputs["deadLetterQueueUrl"])
