"""Order outcomes as CloudWatch metrics: the names the handler emits and the alarms read.

This module is the one home of the metric contract. The handler writes one CloudWatch
embedded-metric-format (EMF) line per invocation with a count for every outcome; the
component's alarms and dashboard import these names, so the two cannot drift apart.
"""

from __future__ import annotations

from .log import FAILED, REJECTED
from .store import DUPLICATE_OR_STALE, STORED, SUPERSEDED

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
