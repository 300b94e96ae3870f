"""What became of one record: the outcome names that logs, metrics and alarms share.

Plain constants with no imports, so the component can read the metric contract
(`metrics.py`) without installing the handler's runtime dependencies.
"""

STORED = "stored"  # a new order
SUPERSEDED = "superseded"  # replaced an older version of the order
DUPLICATE_OR_STALE = "duplicate-or-stale"  # the same or a newer version was already stored
REJECTED = "rejected"  # the message can never become an order (validation)
FAILED = "failed"  # the write did not happen; SQS will deliver the record again
