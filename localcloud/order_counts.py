"""The order outcome counts an invocation reported: the handler's embedded-metric (EMF) line.

On AWS, CloudWatch turns that line into the OrderPipeline metrics the alarms and the
dashboard read. The local cloud has no metrics, so it prints the counts instead.
"""

from __future__ import annotations

from collections.abc import Iterable

from order_pipeline.handler.metrics import METRIC_FOR_OUTCOME, counts_from_log_line


def order_counts(log_lines: Iterable[str]) -> dict[str, int] | None:
    """Outcome -> count over the invocation's EMF lines; None when it logged none (a crash)."""
    total: dict[str, int] | None = None
    for line in log_lines:
        counts = counts_from_log_line(line)
        if counts is not None:
            total = {o: (total or {}).get(o, 0) + counts.get(o, 0) for o in METRIC_FOR_OUTCOME}
    return total


def describe_order_counts(counts: dict[str, int] | None) -> str:
    """`orders: 2 stored, 1 rejected` (outcomes with a count); `orders: none reported` without."""
    if counts is None:
        return "orders: none reported"
    shown = [f"{counts[o]} {o}" for o in METRIC_FOR_OUTCOME if counts.get(o)]
    return "orders: " + (", ".join(shown) if shown else "0")
