"""One embedded-metric-format line per invocation, on stdout, with the batch's outcome counts."""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from conftest import FUNCTION_NAME, THROTTLED, Context, Faults
from order_pipeline.handler import index
from order_pipeline.handler.metrics import (
    DIMENSION,
    METRIC_FOR_OUTCOME,
    NAMESPACE,
    counts_from_log_line,
)
from orders import order

Outcomes = Callable[[], list[dict[str, Any]]]
MetricLines = Callable[[], list[dict[str, int]]]


def test_a_mixed_batch_prints_one_line_whose_counts_are_its_outcomes(
    pipeline: Any,
    faults: Faults,
    outcomes: Outcomes,
    metric_lines: MetricLines,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pipeline.deliver(order("OLD", timestamp="2025-05-03T12:00:00Z"))
    capsys.readouterr()
    faults.faults["FAIL"] = THROTTLED
    before = len(outcomes())
    pipeline.deliver(
        order("NEW1"),
        order("NEW2"),
        order("OLD", timestamp="2025-05-03T13:00:00Z"),  # superseded
        order("OLD", timestamp="2025-05-03T11:00:00Z"),  # stale
        order("BAD", quantity=0),
        "not json",
        order("FAIL"),
    )
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 1
    document = json.loads(printed[0])  # the line itself is the EMF object, not wrapped
    assert document[DIMENSION] == FUNCTION_NAME
    [directive] = document["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == NAMESPACE

    logged = Counter(line["outcome"] for line in outcomes()[before:])
    expected = {"stored": 2, "superseded": 1, "duplicate-or-stale": 1, "rejected": 2, "failed": 1}
    assert logged == expected
    assert counts_from_log_line(printed[0]) == expected
    assert set(expected) == set(METRIC_FOR_OUTCOME)
    assert metric_lines() == []  # read once, nothing more printed


def test_every_invocation_prints_exactly_one_line(pipeline: Any, metric_lines: MetricLines) -> None:
    pipeline.deliver(order("A"))
    pipeline.deliver(order("A"), order("B"))
    pipeline.invoke({"Records": []})
    assert metric_lines() == [
        {"stored": 1, "superseded": 0, "duplicate-or-stale": 0, "rejected": 0, "failed": 0},
        {"stored": 1, "superseded": 0, "duplicate-or-stale": 1, "rejected": 0, "failed": 0},
        {"stored": 0, "superseded": 0, "duplicate-or-stale": 0, "rejected": 0, "failed": 0},
    ]


def test_records_not_attempted_for_lack_of_time_count_as_failed(
    pipeline: Any, metric_lines: MetricLines
) -> None:
    event = pipeline.event_for(order("T1"), order("T2"), order("T3", quantity=0))
    index.lambda_handler(event, Context(50))
    [counts] = metric_lines()
    assert counts["failed"] == 2 and counts["rejected"] == 1 and counts["stored"] == 0


def test_the_metrics_line_is_printed_not_logged(
    pipeline: Any, caplog: pytest.LogCaptureFixture, metric_lines: MetricLines
) -> None:
    """Lambda's JSON log format wraps a logging record's text in "message"; print is raw."""
    caplog.set_level(logging.DEBUG)
    pipeline.deliver(order("A"))
    assert len(metric_lines()) == 1
    assert not any("_aws" in record.getMessage() for record in caplog.records)


def test_an_invocation_that_raises_prints_no_metrics(
    pipeline: Any, monkeypatch: pytest.MonkeyPatch, metric_lines: MetricLines
) -> None:
    event = pipeline.event_for(order("A"))
    monkeypatch.delenv("TABLE_NAME")
    with pytest.raises(index.ConfigurationError):
        pipeline.invoke(event)
    assert metric_lines() == []
