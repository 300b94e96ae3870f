"""The local cloud prints each invocation's order outcome counts, read from its EMF log line.

The function is a stand-in (code_override seam) that prints one EMF document built with
the handler's own `emf_document`, as the handler does once per invocation; the printouts
are the real `serve` and `demo` ones.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from order_pipeline.handler.metrics import emf_document

from harness.orders import SEED
from localcloud.cli import _print_batch
from localcloud.scenario import Demo
from localcloud.trigger import BatchOutcome

from .conftest import local_cloud, wait_for

COUNTS = {"stored": 2, "duplicate-or-stale": 1, "rejected": 1}


def _stand_in_handler(directory: Path) -> Path:
    line = json.dumps(emf_document(COUNTS, "stand-in", int(time.time() * 1000)))
    directory.mkdir()
    (directory / "__init__.py").write_text("")
    (directory / "index.py").write_text(
        f"LINE = {line!r}\n\n\n"
        "def lambda_handler(event, context):\n"
        "    print(LINE)\n"
        '    return {"batchItemFailures": []}\n'
    )
    return directory


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> BatchOutcome:
    handler = _stand_in_handler(tmp_path_factory.mktemp("counts") / "handler")
    with local_cloud(code_override=handler) as (cloud, recorder):
        cloud.publish(SEED)
        cloud.start_triggers()
        wait_for(recorder.snapshot, 15, "one invocation")
        cloud.stop_triggers()
        return recorder.snapshot()[0]


def test_serve_prints_the_counts_after_the_invocation(
    outcome: BatchOutcome, capsys: pytest.CaptureFixture[str]
) -> None:
    _print_batch(outcome)
    line = capsys.readouterr().out
    assert "invoke: 1 record(s)" in line
    assert line.rstrip().endswith("orders: 2 stored, 1 duplicate-or-stale, 1 rejected")


def test_demo_prints_the_counts_after_the_invocation(outcome: BatchOutcome) -> None:
    printed: list[str] = []
    Demo("dev", {}, echo=printed.append).on_batch(outcome)
    assert printed[0].endswith("orders: 2 stored, 1 duplicate-or-stale, 1 rejected")
