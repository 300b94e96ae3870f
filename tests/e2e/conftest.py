"""Shared helpers: a local cloud per test (or per module), and waiting for what the trigger did.

Short retry settings come in as stack config overrides (`-c` on the command line),
so every test still runs the real program with the real stack files.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
from order_pipeline.cli import dead_letters

from harness.stack_files import load_stack_config
from localcloud.cloud import LocalCloud
from localcloud.state import ServeState
from localcloud.trigger import BatchOutcome

# The smallest visibility timeout the component accepts for a 1 s function timeout.
FAST = {"functionTimeoutSeconds": 1, "visibilityTimeoutSeconds": 6, "maxReceiveCount": 2}
HERE = Path(__file__).parent
FLAKY_HANDLER = HERE / "handlers" / "flaky"


T = TypeVar("T")


def wait_for(condition: Callable[[], T], timeout: float, what: str, interval: float = 0.1) -> T:
    """Poll until `condition()` is truthy; its value, or fail naming `what`."""
    ends = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > ends:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


class Recorder:
    """A trigger observer that keeps every batch outcome."""

    def __init__(self) -> None:
        self.outcomes: list[BatchOutcome] = []
        self._lock = threading.Lock()

    def __call__(self, outcome: BatchOutcome) -> None:
        with self._lock:
            self.outcomes.append(outcome)

    def snapshot(self) -> list[BatchOutcome]:
        with self._lock:
            return list(self.outcomes)

    def with_record(self, message_id: str) -> list[BatchOutcome]:
        return [o for o in self.snapshot() if message_id in o.record_ids]


def sns_message_id(body: str) -> str:
    """The SNS MessageId of a body that must be a notification envelope."""
    message_id = dead_letters.sns_message_id(body)
    assert message_id is not None, f"not an SNS notification envelope: {body!r}"
    return message_id


@contextmanager
def local_cloud(
    stack: str = "dev",
    overrides: dict[str, Any] | None = None,
    code_override: Path | None = None,
    fast: bool = True,
) -> Iterator[tuple[LocalCloud, Recorder]]:
    recorder = Recorder()
    config = load_stack_config(stack, {**(FAST if fast else {}), **(overrides or {})})
    with LocalCloud(config, code_override=code_override, observers=[recorder]) as cloud:
        yield cloud, recorder


@pytest.fixture
def cloud() -> Iterator[tuple[LocalCloud, Recorder]]:
    """The dev stack with short retries, deployed; its trigger not started yet."""
    with local_cloud() as running:
        yield running


def serve_state(cloud: LocalCloud, stack: str | None = None) -> ServeState:
    """What `serve` records about a running local cloud (this process stands in for it)."""
    return ServeState(
        stack=stack or cloud.config.stack,
        endpoint=cloud.emulator.endpoint,
        region=cloud.emulator.region,
        pid=os.getpid(),
        outputs=cloud.outputs,
        settings=cloud.settings,
    )


@contextmanager
def served(cloud: LocalCloud, state_dir: Path) -> Iterator[dict[str, str]]:
    """Announce an in-process local cloud the way `serve` does (its state file, written by
    the real ServeState), so `order-pipeline --local` finds it; the env that points there."""
    path = serve_state(cloud).write(state_dir)
    previous = os.environ.get("LOCALCLOUD_STATE_DIR")
    os.environ["LOCALCLOUD_STATE_DIR"] = str(state_dir)
    try:
        yield {"LOCALCLOUD_STATE_DIR": str(state_dir)}
    finally:
        path.unlink(missing_ok=True)
        if previous is None:
            os.environ.pop("LOCALCLOUD_STATE_DIR", None)
        else:
            os.environ["LOCALCLOUD_STATE_DIR"] = previous


# Long enough for a failing message to go around maxReceiveCount times and reach the DLQ.
RETRY_WAIT_FOR_DLQ = (FAST["maxReceiveCount"] + 1) * (FAST["visibilityTimeoutSeconds"] + 2) + 10
