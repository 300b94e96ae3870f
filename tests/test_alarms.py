"""Every alarm of both stacks, run as the real program under mocks with the real stack files.

What each alarm watches (metric, dimensions, statistic, period, threshold) and whom it
notifies; thresholds come from the stack files (`settings`), never from numbers here.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from order_pipeline import PipelineSettings
from order_pipeline.handler.metrics import DIMENSION, METRIC_FOR_OUTCOME, NAMESPACE
from order_pipeline.pipeline import (
    ALARM_PERIOD_SECONDS,
    ALARM_SUFFIXES,
    ARRIVALS_ALARM_SUFFIXES,
    DURATION_ALARM_SHARE_OF_TIMEOUT,
    duration_alarm_ms,
)
from order_pipeline.settings import ORDER_ALARM_PERIOD_SECONDS
from stacks import STACKS, deploy, expected_settings

from harness.program import ProgramRun, RegisteredResource
from harness.resource_types import ALARM, FUNCTION, QUEUE, SUBSCRIPTION, TOPIC

PAGER = "arn:aws:sns:us-east-1:123456789012:pager"


def alarm(run: ProgramRun, suffix: str) -> RegisteredResource:
    return run.one(ALARM, f"-{suffix}")


def expected_single_metric_alarms(
    run: ProgramRun, s: PipelineSettings
) -> dict[str, dict[str, Any]]:
    """suffix -> the inputs that say what the alarm watches and when it fires."""
    queue = {"QueueName": run.one(QUEUE, "-queue").outputs["name"]}
    dlq = {"QueueName": run.one(QUEUE, "-dlq").outputs["name"]}
    undeliverable = {"QueueName": run.one(QUEUE, "-undeliverable").outputs["name"]}
    function_name = run.one(FUNCTION).outputs["name"]
    function = {"FunctionName": function_name}
    outcomes = {DIMENSION: function_name}

    def spec(
        namespace: str,
        metric: str,
        dimensions: dict[str, str],
        statistic: str,
        threshold: int,
        comparison: str = "GreaterThanThreshold",
        period: int = ALARM_PERIOD_SECONDS,
    ) -> dict[str, Any]:
        return {
            "namespace": namespace,
            "metricName": metric,
            "dimensions": dimensions,
            "statistic": statistic,
            "period": period,
            "threshold": threshold,
            "comparisonOperator": comparison,
        }

    return {
        "dlq-not-empty": spec("AWS/SQS", "ApproximateNumberOfMessagesVisible", dlq, "Maximum", 0),
        "undeliverable-not-empty": spec(
            "AWS/SQS", "ApproximateNumberOfMessagesVisible", undeliverable, "Maximum", 0
        ),
        "queue-backlog-age": spec(
            "AWS/SQS",
            "ApproximateAgeOfOldestMessage",
            queue,
            "Maximum",
            s.oldest_message_age_alarm_seconds,
        ),
        "function-errors": spec("AWS/Lambda", "Errors", function, "Sum", 0),
        "function-throttles": spec("AWS/Lambda", "Throttles", function, "Sum", 0),
        "function-duration": spec(
            "AWS/Lambda",
            "Duration",
            function,
            "Maximum",
            duration_alarm_ms(s.function_timeout_seconds),
        ),
        "orders-failed": spec(
            NAMESPACE,
            METRIC_FOR_OUTCOME["failed"],
            outcomes,
            "Sum",
            s.failed_orders_alarm_threshold,
            "GreaterThanOrEqualToThreshold",
            ORDER_ALARM_PERIOD_SECONDS,
        ),
        "orders-rejected": spec(
            NAMESPACE,
            METRIC_FOR_OUTCOME["rejected"],
            outcomes,
            "Sum",
            s.rejected_orders_alarm_threshold,
            "GreaterThanOrEqualToThreshold",
            ORDER_ALARM_PERIOD_SECONDS,
        ),
    }


def test_the_stack_has_exactly_the_named_alarms(run: ProgramRun) -> None:
    component = run.one("order-pipeline:index:OrderPipeline").name
    assert sorted(a.inputs["name"] for a in run.of_type(ALARM)) == sorted(
        f"{component}-{suffix}" for suffix in ALARM_SUFFIXES
    )
    # Fixed names (no random suffix): the policies can name the ARNs before the alarms exist.
    for resource in run.of_type(ALARM):
        assert resource.name == resource.inputs["name"]


def test_each_alarm_watches_its_metric_with_its_threshold(
    run: ProgramRun, settings: PipelineSettings
) -> None:
    expected = expected_single_metric_alarms(run, settings)
    assert set(expected) | set(ARRIVALS_ALARM_SUFFIXES) == set(ALARM_SUFFIXES)
    for suffix, watched in expected.items():
        inputs = alarm(run, suffix).inputs
        assert {key: inputs.get(key) for key in watched} == watched, suffix
        assert inputs["evaluationPeriods"] == 1, suffix
        assert inputs["treatMissingData"] == "notBreaching", suffix
        assert inputs["alarmDescription"], suffix
        assert "metricQueries" not in inputs, suffix


def test_every_alarm_notifies_the_alarm_topic(run: ProgramRun) -> None:
    alarm_topic = run.one(TOPIC, "-alarms").outputs["arn"]
    for resource in run.of_type(ALARM):
        assert resource.inputs["alarmActions"] == [alarm_topic], resource.name
        arrivals = resource.name.endswith(tuple(f"-{s}" for s in ARRIVALS_ALARM_SUFFIXES))
        expected_ok = [] if arrivals else [alarm_topic]
        assert resource.inputs.get("okActions", []) == expected_ok, resource.name


@pytest.mark.parametrize(
    ("suffix", "queue_suffix"),
    [("dlq-new-arrivals", "-dlq"), ("undeliverable-new-arrivals", "-undeliverable")],
)
def test_arrivals_alarm_fires_on_every_increase_of_its_dead_letter_queue_depth(
    run: ProgramRun, suffix: str, queue_suffix: str
) -> None:
    # The order DLQ and the subscription's DLQ (what SNS could not deliver) alike.
    arrivals = alarm(run, suffix).inputs
    dlq = {"QueueName": run.one(QUEUE, queue_suffix).outputs["name"]}
    queries = {q["id"]: q for q in arrivals["metricQueries"]}
    assert set(queries) == {"visible", "in_flight", "arrivals"}
    for query_id, metric in (
        ("visible", "ApproximateNumberOfMessagesVisible"),
        ("in_flight", "ApproximateNumberOfMessagesNotVisible"),
    ):
        assert queries[query_id] == {
            "id": query_id,
            "metric": {
                "namespace": "AWS/SQS",
                "metricName": metric,
                "dimensions": dlq,
                "period": ALARM_PERIOD_SECONDS,
                "stat": "Maximum",
            },
            "returnData": False,
        }
    # The depth (waiting + in flight, so inspecting the DLQ is no "arrival") minus the
    # previous minute's: > 0 in every minute something arrived, 0 in the next quiet one.
    assert queries["arrivals"]["expression"] == "DIFF(visible + in_flight)"
    assert queries["arrivals"]["returnData"] is True
    assert (arrivals["threshold"], arrivals["comparisonOperator"]) == (0, "GreaterThanThreshold")
    assert arrivals["evaluationPeriods"] == 1
    assert arrivals["treatMissingData"] == "notBreaching"
    # A metric-math alarm names no single metric.
    assert not {"metricName", "namespace", "statistic", "dimensions"} & set(arrivals)


def test_duration_alarm_fires_before_the_timeout(settings: PipelineSettings) -> None:
    timeout_ms = settings.function_timeout_seconds * 1000
    assert duration_alarm_ms(settings.function_timeout_seconds) == int(
        timeout_ms * DURATION_ALARM_SHARE_OF_TIMEOUT
    )
    assert timeout_ms / 2 < duration_alarm_ms(settings.function_timeout_seconds) < timeout_ms


def test_order_alarm_thresholds_follow_the_config() -> None:
    run = deploy("dev", {"failedOrdersAlarmThreshold": 3, "rejectedOrdersAlarmThreshold": 7})
    assert alarm(run, "orders-failed").inputs["threshold"] == 3
    assert alarm(run, "orders-rejected").inputs["threshold"] == 7


def test_stacks_set_their_own_order_alarm_thresholds() -> None:
    dev, prod = expected_settings("dev"), expected_settings("prod")
    # Iterating in dev sends bad orders on purpose; prod wants to hear of the first failures.
    assert dev.rejected_orders_alarm_threshold > prod.rejected_orders_alarm_threshold
    assert dev.failed_orders_alarm_threshold > prod.failed_orders_alarm_threshold


def test_alarm_topic_arn_is_notified_by_every_alarm() -> None:
    run = deploy("prod", {"alarmTopicArn": PAGER})
    alarm_topic = run.one(TOPIC, "-alarms").outputs["arn"]
    for resource in run.of_type(ALARM):
        assert resource.inputs["alarmActions"] == [alarm_topic, PAGER], resource.name
        if not resource.name.endswith(tuple(f"-{s}" for s in ARRIVALS_ALARM_SUFFIXES)):
            assert resource.inputs["okActions"] == [alarm_topic, PAGER], resource.name
    # An existing topic is only notified: nothing subscribes it or changes its policy.
    assert [s.inputs["protocol"] for s in run.of_type(SUBSCRIPTION)] == ["sqs"]


def test_alarm_email_subscribes_to_the_alarm_topic() -> None:
    run = deploy("prod", {"alarmEmail": "ops@example.com"})
    email = run.one(SUBSCRIPTION, "-alarms-email")
    assert email.inputs["protocol"] == "email"
    assert email.inputs["endpoint"] == "ops@example.com"
    assert email.inputs["topic"] == run.one(TOPIC, "-alarms").outputs["arn"]


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


@pytest.mark.parametrize("stack", STACKS)
def test_a_stack_without_subscriber_warns_naming_both_keys(
    stack: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Under Pulumi's mocks the engine's Log call goes to the logging module: this is the
    # warning `pulumi preview` shows for the stack files as they are (neither key set).
    with caplog.at_level(logging.WARNING):
        deploy(stack)
    (warning,) = [w for w in _warnings(caplog) if "notify nobody" in w]
    assert "alarmEmail" in warning and "alarmTopicArn" in warning
    assert f"orders-{stack}" in warning


@pytest.mark.parametrize(
    "overrides", [{"alarmEmail": "ops@example.com"}, {"alarmTopicArn": PAGER}], ids=repr
)
def test_a_stack_with_a_subscriber_does_not_warn(
    overrides: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        deploy("prod", overrides)
    assert not [w for w in _warnings(caplog) if "notify nobody" in w]
