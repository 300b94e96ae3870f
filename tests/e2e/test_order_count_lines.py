"""Reading an invocation's order outcome counts from its log lines (the local cloud's printout)."""

from __future__ import annotations

import json

from order_pipeline.handler.metrics import METRIC_FOR_OUTCOME, emf_document

from localcloud.order_counts import describe_order_counts, order_counts


def _emf(counts: dict[str, int]) -> str:
    return json.dumps(emf_document(counts, "orders-dev-processor", 1_746_273_600_000))


def test_counts_come_from_the_emf_line_among_other_log_lines() -> None:
    lines = [
        json.dumps({"level": "INFO", "message": "stored O1"}),
        "not json at all",
        _emf({"stored": 3, "failed": 1}),
    ]
    assert order_counts(lines) == {o: 0 for o in METRIC_FOR_OUTCOME} | {"stored": 3, "failed": 1}


def test_an_emf_line_wrapped_by_the_json_log_format_is_read_too() -> None:
    wrapped = json.dumps({"level": "INFO", "message": _emf({"superseded": 2})})
    counts = order_counts([wrapped])
    assert counts is not None and counts["superseded"] == 2


def test_two_emf_lines_are_added_up() -> None:
    counts = order_counts([_emf({"stored": 1}), _emf({"stored": 2, "rejected": 1})])
    assert counts is not None and (counts["stored"], counts["rejected"]) == (3, 1)


def test_an_invocation_without_an_emf_line_reports_none() -> None:
    assert order_counts(['{"level": "ERROR", "message": "Task timed out"}']) is None
    assert describe_order_counts(None) == "orders: none reported"


def test_the_description_lists_the_outcomes_that_happened_in_contract_order() -> None:
    counts = {o: 0 for o in METRIC_FOR_OUTCOME} | {"failed": 1, "stored": 4}
    assert describe_order_counts(counts) == "orders: 4 stored, 1 failed"
    assert describe_order_counts({o: 0 for o in METRIC_FOR_OUTCOME}) == "orders: 0"
