"""Order outcomes as CloudWatch metrics: the names the handler emits and the alarms read.

This module is the one home of the metric contract. The handler writes one CloudWatch
embedded-metric-format (EMF) line per invocation with a count for every outcome; the
component's alarms and dashboard import these names, so the two cannot drift apart.
"""

from __future__ import annotations

import json

from .outcomes import DUPLICATE_OR_STALE, FAILED, REJECTED, STORED, SUPERSEDED

NAMESPACE = "OrderPipeline"
# Every metric carries the function's name, so two stacks in one account stay apart.
DIMENSION = "FunctionName"

# Outcome (as logged per record) -> metric name, in the order they are reported.
METRIC_FOR_OUTCOME: dict[str, str] = {
    STORED: "OrdersStored",
    SUPERSEDED: "OrdersSuperseded",
    DUPLICATE_OR_STALE: "OrdersDuplicateOrStale",
    REJECTED: "OrdersRejected",
    FAILED: "OrdersFailed",
}
UNIT = "Count"


def emf_document(
    counts: dict[str, int], function_name: str, timestamp_ms: int
) -> dict[str, object]:
    """One EMF object: a count for every outcome (zeros included, so sums and alarms see 0s).

    `counts` is keyed by outcome (`stored`, `failed`, ...); missing outcomes count 0.
    """
    unknown = set(counts) - set(METRIC_FOR_OUTCOME)
    if unknown:
        raise ValueError(f"unknown outcome(s) {sorted(unknown)}")
    document: dict[str, object] = {
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [
                {
                    "Namespace": NAMESPACE,
                    "Dimensions": [[DIMENSION]],
                    "Metrics": [
                        {"Name": name, "Unit": UNIT} for name in METRIC_FOR_OUTCOME.values()
                    ],
                }
            ],
        },
        DIMENSION: function_name,
    }
    for outcome, name in METRIC_FOR_OUTCOME.items():
        document[name] = counts.get(outcome, 0)
    return document


def metric_line(counts: dict[str, int], function_name: str, timestamp_ms: int) -> str:
    """The EMF object as one line of JSON, as the handler prints it to stdout."""
    return json.dumps(emf_document(counts, function_name, timestamp_ms), separators=(",", ":"))


def counts_from_log_line(line: str) -> dict[str, int] | None:
    """The outcome counts in one log line, if it is (or wraps, as `message`) an EMF object."""
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    if isinstance(entry, dict) and "_aws" not in entry and isinstance(entry.get("message"), str):
        return counts_from_log_line(entry["message"])
    if not isinstance(entry, dict) or not isinstance(entry.get("_aws"), dict):
        return None
    return {outcome: int(entry.get(name, 0)) for outcome, name in METRIC_FOR_OUTCOME.items()}
