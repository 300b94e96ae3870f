"""The CloudWatch dashboard of one pipeline, as plain data.

`dashboard_body` is pure: it takes the resolved names of the pipeline's resources and
returns the dashboard body (the JSON structure CloudWatch's PutDashboard takes), so a
test reads every widget without running Pulumi.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from order_pipeline.handler.metrics import DIMENSION, METRIC_FOR_OUTCOME, NAMESPACE

Widget = dict[str, Any]

PERIOD_SECONDS = 60
WIDTH = 12  # two widgets per row on CloudWatch's 24-column grid
HEIGHT = 6

# The CloudWatch console's host in each AWS partition.
_CONSOLE_HOSTS = {
    "aws": "console.aws.amazon.com",
    "aws-cn": "console.amazonaws.cn",
    "aws-us-gov": "console.amazonaws-us-gov.com",
}


@dataclass(frozen=True)
class DashboardTargets:
    """What the widgets show: the names CloudWatch uses as metric dimensions."""

    region: str
    queue_name: str
    dead_letter_queue_name: str
    subscription_dead_letter_queue_name: str
    function_name: str
    event_source_mapping_uuid: str
    table_name: str
    function_timeout_ms: int
    duration_alarm_ms: int
    oldest_message_age_alarm_seconds: int
    alarm_arns: tuple[str, ...]


def console_url(partition: str, region: str, dashboard_name: str) -> str:
    host = _CONSOLE_HOSTS.get(partition, _CONSOLE_HOSTS["aws"])
    return f"https://{host}/cloudwatch/home?region={region}#dashboards/dashboard/{dashboard_name}"


def _metric(
    namespace: str, name: str, dimensions: dict[str, str], stat: str, label: str
) -> list[Any]:
    flat: list[Any] = [namespace, name]
    for key, value in dimensions.items():
        flat += [key, value]
    return [*flat, {"stat": stat, "label": label}]


def _graph(
    title: str,
    metrics: list[list[Any]],
    region: str,
    lines: tuple[tuple[str, int], ...] = (),
) -> Widget:
    properties: dict[str, Any] = {
        "title": title,
        "view": "timeSeries",
        "region": region,
        "period": PERIOD_SECONDS,
        "metrics": metrics,
    }
    if lines:
        properties["annotations"] = {
            "horizontal": [{"label": label, "value": value} for label, value in lines]
        }
    return {"type": "metric", "properties": properties}


def _queue_depth(queue: str) -> list[list[Any]]:
    dimensions = {"QueueName": queue}
    return [
        _metric("AWS/SQS", "ApproximateNumberOfMessagesVisible", dimensions, "Maximum", "waiting"),
        _metric(
            "AWS/SQS", "ApproximateNumberOfMessagesNotVisible", dimensions, "Maximum", "in flight"
        ),
    ]


def _widgets(t: DashboardTargets) -> list[Widget]:
    queue = {"QueueName": t.queue_name}
    function = {"FunctionName": t.function_name}
    mapping = {"EventSourceMappingUUID": t.event_source_mapping_uuid}
    table = {"TableName": t.table_name}
    outcomes = {DIMENSION: t.function_name}
    return [
        {
            "type": "alarm",
            "properties": {"title": "Alarms", "alarms": list(t.alarm_arns)},
        },
        _graph("Order queue: messages", _queue_depth(t.queue_name), t.region),
        _graph(
            "Order queue: age of oldest message (s)",
            [_metric("AWS/SQS", "ApproximateAgeOfOldestMessage", queue, "Maximum", "oldest")],
            t.region,
            (("alarm", t.oldest_message_age_alarm_seconds),),
        ),
        _graph("Dead-letter queue: messages", _queue_depth(t.dead_letter_queue_name), t.region),
        _graph(
            "Undeliverable (subscription dead-letter queue): messages",
            _queue_depth(t.subscription_dead_letter_queue_name),
            t.region,
        ),
        _graph(
            "Order outcomes",
            [
                _metric(NAMESPACE, metric, outcomes, "Sum", outcome)
                for outcome, metric in METRIC_FOR_OUTCOME.items()
            ],
            t.region,
        ),
        _graph(
            "Function: invocations, errors, throttles",
            [
                _metric("AWS/Lambda", name, function, "Sum", name.lower())
                for name in ("Invocations", "Errors", "Throttles")
            ],
            t.region,
        ),
        _graph(
            "Function: duration (ms)",
            [
                _metric("AWS/Lambda", "Duration", function, "Average", "average"),
                _metric("AWS/Lambda", "Duration", function, "Maximum", "maximum"),
            ],
            t.region,
            (("alarm", t.duration_alarm_ms), ("timeout", t.function_timeout_ms)),
        ),
        _graph(
            "Function: concurrent executions",
            [_metric("AWS/Lambda", "ConcurrentExecutions", function, "Maximum", "concurrent")],
            t.region,
        ),
        _graph(
            "SQS trigger: records",
            [
                _metric("AWS/Lambda", name, mapping, "Sum", label)
                for name, label in (
                    ("PolledEventCount", "polled"),
                    ("InvokedEventCount", "invoked"),
                    ("FailedInvokeEventCount", "failed invoke"),
                    ("DeletedEventCount", "deleted"),
                )
            ],
            t.region,
        ),
        _graph(
            "Orders table: writes and throttles",
            [
                _metric("AWS/DynamoDB", "ConsumedWriteCapacityUnits", table, "Sum", "write units"),
                _metric("AWS/DynamoDB", "WriteThrottleEvents", table, "Sum", "write throttles"),
            ],
            t.region,
        ),
    ]


def dashboard_body(targets: DashboardTargets) -> dict[str, Any]:
    """The dashboard: alarms first, then the flow from queue to table, two widgets per row."""
    widgets = _widgets(targets)
    for index, widget in enumerate(widgets):
        widget.update(x=(index % 2) * WIDTH, y=(index // 2) * HEIGHT, width=WIDTH, height=HEIGHT)
    return {"widgets": widgets}
