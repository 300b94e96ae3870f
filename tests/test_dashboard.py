"""The dashboard of both stacks: the body parses; every widget shows a resource of the stack."""

from __future__ import annotations

import json
from typing import Any

import pytest
from order_pipeline.dashboard import WIDTH, console_url
from order_pipeline.handler.metrics import DIMENSION, METRIC_FOR_OUTCOME, NAMESPACE

from harness.program import ProgramRun
from harness.resource_types import ALARM, DASHBOARD, FUNCTION, QUEUE, TABLE, TRIGGER
from harness.stack_files import load_stack_config

GRID_COLUMNS = 24


def body(run: ProgramRun) -> dict[str, Any]:
    document = json.loads(run.one(DASHBOARD).inputs["dashboardBody"])
    assert isinstance(document, dict)
    return document


def metric_widgets(run: ProgramRun) -> list[dict[str, Any]]:
    return [w for w in body(run)["widgets"] if w["type"] == "metric"]


def graphed(run: ProgramRun) -> list[tuple[str, str, dict[str, str]]]:
    """(namespace, metric name, dimensions) of every line of every graph."""
    lines = []
    for widget in metric_widgets(run):
        for metric in widget["properties"]["metrics"]:
            namespace, name, *rest = metric
            assert isinstance(rest[-1], dict)  # rendering options: stat and label
            pairs = rest[:-1]
            lines.append((namespace, name, dict(zip(pairs[::2], pairs[1::2], strict=True))))
    return lines


def real_names(run: ProgramRun) -> dict[str, set[str]]:
    """Dimension -> the values it may take: names and ids of this stack's resources."""
    function = {r.outputs["name"] for r in run.of_type(FUNCTION)}
    return {
        "QueueName": {r.outputs["name"] for r in run.of_type(QUEUE)},
        "FunctionName": function,
        DIMENSION: function,
        "TableName": {r.outputs["name"] for r in run.of_type(TABLE)},
        "EventSourceMappingUUID": {r.outputs["uuid"] for r in run.of_type(TRIGGER)},
    }


def test_the_dashboard_is_named_for_the_pipeline(run: ProgramRun) -> None:
    dashboard = run.one(DASHBOARD)
    assert dashboard.inputs["dashboardName"] == run.one("order-pipeline:index:OrderPipeline").name
    assert run.outputs["dashboardName"] == dashboard.inputs["dashboardName"]


def test_every_widget_names_a_real_resource_of_the_stack(run: ProgramRun) -> None:
    names = real_names(run)
    region = load_stack_config(run.stack).values["aws:region"]
    for widget in metric_widgets(run):
        assert widget["properties"]["region"] == region
        assert widget["properties"]["title"]
    lines = graphed(run)
    assert lines
    for namespace, metric, dimensions in lines:
        assert dimensions, (namespace, metric)
        for key, value in dimensions.items():
            assert value in names[key], (namespace, metric, key, value)
    (alarm_widget,) = [w for w in body(run)["widgets"] if w["type"] == "alarm"]
    assert sorted(alarm_widget["properties"]["alarms"]) == sorted(
        a.outputs["arn"] for a in run.of_type(ALARM)
    )


def test_the_dashboard_shows_the_whole_pipeline(run: ProgramRun) -> None:
    queue = run.one(QUEUE, "-queue").outputs["name"]
    dlq = run.one(QUEUE, "-dlq").outputs["name"]
    undeliverable = run.one(QUEUE, "-undeliverable").outputs["name"]
    shown = {(namespace, metric, tuple(d.values())) for namespace, metric, d in graphed(run)}
    function = run.one(FUNCTION).outputs["name"]
    table = run.one(TABLE).outputs["name"]
    mapping = run.one(TRIGGER).outputs["uuid"]
    expected = {
        # queue depth and oldest age, the depth of both dead-letter queues
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible", (queue,)),
        ("AWS/SQS", "ApproximateNumberOfMessagesNotVisible", (queue,)),
        ("AWS/SQS", "ApproximateAgeOfOldestMessage", (queue,)),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible", (dlq,)),
        ("AWS/SQS", "ApproximateNumberOfMessagesNotVisible", (dlq,)),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible", (undeliverable,)),
        ("AWS/SQS", "ApproximateNumberOfMessagesNotVisible", (undeliverable,)),
        # the function
        *(
            ("AWS/Lambda", metric, (function,))
            for metric in ("Invocations", "Errors", "Throttles", "Duration", "ConcurrentExecutions")
        ),
        # the SQS trigger's own metrics (metricsConfig EventCount)
        *(
            ("AWS/Lambda", metric, (mapping,))
            for metric in (
                "PolledEventCount",
                "InvokedEventCount",
                "FailedInvokeEventCount",
                "DeletedEventCount",
            )
        ),
        # order outcomes, as the handler emits them
        *((NAMESPACE, metric, (function,)) for metric in METRIC_FOR_OUTCOME.values()),
        # the table's writes and throttles
        ("AWS/DynamoDB", "ConsumedWriteCapacityUnits", (table,)),
        ("AWS/DynamoDB", "WriteThrottleEvents", (table,)),
    }
    assert shown == expected


def test_widgets_tile_the_grid_without_overlapping(run: ProgramRun) -> None:
    taken: set[tuple[int, int]] = set()
    for widget in body(run)["widgets"]:
        assert widget["width"] == WIDTH and widget["x"] + widget["width"] <= GRID_COLUMNS
        cells = {
            (x, y)
            for x in range(widget["x"], widget["x"] + widget["width"])
            for y in range(widget["y"], widget["y"] + widget["height"])
        }
        assert not cells & taken
        taken |= cells


def test_the_console_url_is_exported(run: ProgramRun) -> None:
    region = load_stack_config(run.stack).values["aws:region"]
    name = run.outputs["dashboardName"]
    assert run.outputs["dashboardUrl"] == console_url("aws", region, name)


@pytest.mark.parametrize(
    ("partition", "host"),
    [
        ("aws", "console.aws.amazon.com"),
        ("aws-cn", "console.amazonaws.cn"),
        ("aws-us-gov", "console.amazonaws-us-gov.com"),
    ],
)
def test_console_url_per_partition(partition: str, host: str) -> None:
    assert console_url(partition, "eu-west-1", "orders-prod") == (
        f"https://{host}/cloudwatch/home?region=eu-west-1#dashboards/dashboard/orders-prod"
    )
