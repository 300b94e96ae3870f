"""Settings validation: every rule rejects a bad value with a message naming key, value and rule."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import yaml
from fake_aws import FakeAwsMocks
from order_pipeline import PipelineSettings, SettingsError, settings_from_config
from order_pipeline.settings import CONFIG_KEYS, DAY, LOG_RETENTION_DAYS
from stacks import STACKS, deploy, expected_settings

from harness.program import run_program
from harness.stack_files import StackConfig, load_stack_config

ROOT = Path(__file__).resolve().parent.parent
PROJECT = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
SCHEMA: dict[str, dict[str, Any]] = PROJECT["config"]
YAML_TYPES = {"int": "integer", "bool": "boolean", "str": "string"}


def test_pulumi_yaml_declares_every_setting_with_type_description_and_default() -> None:
    assert set(SCHEMA) == set(CONFIG_KEYS.values())
    fields = {f.name: f for f in dataclasses.fields(PipelineSettings)}
    for field_name, key in CONFIG_KEYS.items():
        spec = SCHEMA[key]
        assert spec["description"], key
        assert spec["type"] == YAML_TYPES[str(fields[field_name].type)], key
        # The component's own defaults (for importers) are the project's defaults.
        assert spec["default"] == getattr(PipelineSettings(), field_name), key


@pytest.mark.parametrize("stack", STACKS)
def test_stack_files_only_set_declared_keys_and_are_valid(stack: str) -> None:
    stack_file = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    own_keys = {k.split(":", 1)[1] for k in stack_file if k.startswith(f"{PROJECT['name']}:")}
    assert own_keys <= set(SCHEMA)
    expected_settings(stack)  # validates


def test_defaults_are_valid() -> None:
    PipelineSettings()


# Each case: overrides on top of the defaults, the key the error must name, and words of the rule.
INVALID = [
    ({"function_timeout_seconds": 0}, "functionTimeoutSeconds", "between 1 and 900"),
    ({"function_timeout_seconds": 901}, "functionTimeoutSeconds", "between 1 and 900"),
    ({"memory_mb": 127}, "memoryMb", "between 128 and 10240"),
    ({"memory_mb": 10241}, "memoryMb", "between 128 and 10240"),
    ({"architecture": "arm"}, "architecture", "one of arm64, x86_64"),
    ({"visibility_timeout_seconds": 43201}, "visibilityTimeoutSeconds", "between 0 and 43200"),
    ({"batch_size": 0}, "batchSize", "between 1 and 10000"),
    ({"batch_size": 10001, "batching_window_seconds": 1}, "batchSize", "between 1 and 10000"),
    ({"batching_window_seconds": 301}, "batchingWindowSeconds", "between 0 and 300"),
    ({"message_retention_seconds": 59}, "messageRetentionSeconds", "between 60 and 1209600"),
    ({"dlq_retention_seconds": 14 * DAY + 1}, "dlqRetentionSeconds", "between 60 and 1209600"),
    ({"max_receive_count": 0}, "maxReceiveCount", "between 1 and 1000"),
    ({"max_receive_count": 1001}, "maxReceiveCount", "between 1 and 1000"),
    ({"maximum_concurrency": 1}, "maximumConcurrency", "between 2 and 1000"),
    ({"maximum_concurrency": 1001}, "maximumConcurrency", "between 2 and 1000"),
    ({"log_retention_days": 10}, "logRetentionDays", "CloudWatch Logs values"),
    ({"alarm_email": "ops.example.com"}, "alarmEmail", "e-mail address"),
    ({"oldest_message_age_alarm_seconds": 59}, "oldestMessageAgeAlarmSeconds", "between 60"),
    (
        {"alarm_topic_arn": "arn:aws:sqs:us-east-1:123456789012:pager"},
        "alarmTopicArn",
        "must be an SNS topic ARN",
    ),
    ({"alarm_topic_arn": "pager"}, "alarmTopicArn", "must be an SNS topic ARN"),
    (
        {"alarm_topic_arn": "arn:aws:sns:us-east-1:1234:pager"},
        "alarmTopicArn",
        "must be an SNS topic ARN",
    ),
    ({"failed_orders_alarm_threshold": 0}, "failedOrdersAlarmThreshold", "between 1 and 1000000"),
    (
        {"rejected_orders_alarm_threshold": 0},
        "rejectedOrdersAlarmThreshold",
        "between 1 and 1000000",
    ),
    # Cross-field rules.
    (
        {"function_timeout_seconds": 11},
        "visibilityTimeoutSeconds",
        "at least 6 x functionTimeoutSeconds + batchingWindowSeconds = 66",
    ),
    (
        {"batching_window_seconds": 1},
        "visibilityTimeoutSeconds",
        "at least 6 x functionTimeoutSeconds + batchingWindowSeconds = 61",
    ),
    ({"batch_size": 11}, "batchingWindowSeconds", "at least 1 when batchSize (11) is over 10"),
    (
        {"dlq_retention_seconds": 4 * DAY},
        "dlqRetentionSeconds",
        "longer than messageRetentionSeconds (345600)",
    ),
    (
        {"oldest_message_age_alarm_seconds": 4 * DAY},
        "oldestMessageAgeAlarmSeconds",
        "below messageRetentionSeconds (345600)",
    ),
    # Types: a project importing the component may pass anything.
    ({"batch_size": "10"}, "batchSize", "whole number"),
    ({"batch_size": True}, "batchSize", "whole number"),
    ({"memory_mb": 256.0}, "memoryMb", "whole number"),
    ({"point_in_time_recovery": "yes"}, "pointInTimeRecovery", "true or false"),
    ({"alarm_email": None}, "alarmEmail", "must be a string"),
    ({"tags": {"team": 7}}, "tags", "strings to strings"),
]


@pytest.mark.parametrize(
    ("overrides", "key", "rule"), INVALID, ids=[c[1] + ":" + repr(c[0]) for c in INVALID]
)
def test_invalid_setting_fails_naming_key_value_and_rule(
    overrides: dict[str, Any], key: str, rule: str
) -> None:
    with pytest.raises(SettingsError) as error:
        PipelineSettings(**overrides)
    message = str(error.value)
    assert message.startswith(f"{key} ")
    field_name = (
        next(f for f, k in CONFIG_KEYS.items() if k == key) if key in CONFIG_KEYS.values() else key
    )
    assert repr(overrides.get(field_name, getattr(PipelineSettings, field_name, None))) in message
    assert rule in message


def test_every_log_retention_value_is_accepted() -> None:
    for days in LOG_RETENTION_DAYS:
        PipelineSettings(log_retention_days=days)


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:sns:us-east-1:123456789012:pager",
        "arn:aws-us-gov:sns:us-gov-west-1:123456789012:ops_chat-1",
        "arn:aws-cn:sns:cn-north-1:123456789012:alarms",
    ],
)
def test_alarm_topic_arn_accepts_topics_of_every_partition(arn: str) -> None:
    assert PipelineSettings(alarm_topic_arn=arn).alarm_topic_arn == arn


def test_maximum_concurrency_zero_means_unlimited() -> None:
    assert PipelineSettings(maximum_concurrency=0).maximum_concurrency == 0


def test_unknown_config_key_is_an_error() -> None:
    with pytest.raises(SettingsError, match=r"unknown config key.*batchsize"):
        settings_from_config({"batchsize": 5})


def test_bad_stack_value_fails_the_program_before_any_resource(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import fake_aws

    registered: list[str] = []
    original = fake_aws.FakeAwsMocks.new_resource

    def counting(self: Any, args: Any) -> Any:
        registered.append(args.typ)
        return original(self, args)

    monkeypatch.setattr(fake_aws.FakeAwsMocks, "new_resource", counting)
    with pytest.raises(
        SettingsError, match=r"visibilityTimeoutSeconds .* = 30: must be at least 6 x"
    ):
        deploy("dev", {"visibilityTimeoutSeconds": 30})
    assert registered == []


def test_misspelled_stack_key_fails_the_real_program() -> None:
    # Straight to the program, past the local cloud's own check of the stack file:
    # this is what `pulumi preview` would hand over for a typo in Pulumi.dev.yaml.
    config = StackConfig(
        "order-pipeline",
        "dev",
        {**load_stack_config("dev").values, "order-pipeline:maxRecieveCount": 1},
    )
    with pytest.raises(
        SettingsError, match=r"unknown config key\(s\) \['order-pipeline:maxRecieveCount'\]"
    ):
        run_program(config, FakeAwsMocks())


def test_other_namespaces_are_not_the_programs_business() -> None:
    values = {**load_stack_config("dev").values, "aws:profile": "ops", "shop:batchSize": 3}
    run_program(StackConfig("order-pipeline", "dev", values), FakeAwsMocks())
