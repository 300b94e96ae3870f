"""How serve and demo show the function's log lines."""

from __future__ import annotations

import json

from order_pipeline.handler.metrics import metric_line

from localcloud.printout import attention_text, log_text


def test_a_json_log_entry_shows_its_level_and_message() -> None:
    line = json.dumps({"level": "WARNING", "message": "rejected messageId=m1"})
    assert log_text(line) == "WARNING: rejected messageId=m1"
    assert attention_text(line) == "WARNING: rejected messageId=m1"


def test_plain_text_shows_as_is() -> None:
    assert log_text("START RequestId: 1") == "START RequestId: 1"


def test_the_metrics_line_is_not_echoed_its_counts_are_in_the_summary() -> None:
    line = metric_line({"stored": 2}, "orders-dev-processor", 0)
    assert log_text(line) is None
    assert attention_text(line) is None
