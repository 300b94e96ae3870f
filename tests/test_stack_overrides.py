"""Config keys that the stack files leave at their defaults still reach the resources."""

from __future__ import annotations

from stacks import deploy
from test_stack_graph import FUNCTION, SUBSCRIPTION, TOPIC


def test_alarm_email_subscribes_to_the_alarm_topic() -> None:
    run = deploy("prod", {"alarmEmail": "oncall@example.com"})
    email = run.one(SUBSCRIPTION, "-alarms-email")
    assert email.inputs["protocol"] == "email"
    assert email.inputs["endpoint"] == "oncall@example.com"
    assert email.inputs["topic"] == run.one(TOPIC, "-alarms").outputs["arn"]


def test_no_alarm_email_means_no_email_subscription() -> None:
    run = deploy("dev")
    assert [r.name for r in run.of_type(SUBSCRIPTION)] == ["orders-dev-subscription"]


def test_raw_delivery_reaches_subscription_and_function() -> None:
    run = deploy("dev", {"rawMessageDelivery": True})
    assert run.one(SUBSCRIPTION, "-subscription").inputs["rawMessageDelivery"] is True
    variables = run.one(FUNCTION).inputs["environment"]["variables"]
    assert variables["RAW_MESSAGE_DELIVERY"] == "true"
