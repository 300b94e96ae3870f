"""Settings validation: every rule rejects a bad value with a message naming key, value and rule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from fake_aws import FakeAwsMocks
from order_pipeline import PipelineSettings, SettingsError, settings_from_config
from order_pipeline.settings import (
    DAY,
    LOG_RETENTION_DAYS,
    SETTINGS,
    config_key,
    settings_from_inputs,
    type_check,
)
from order_pipeline.stack_config import project_config_block
from stacks import STACKS, deploy, expected_settings

from harness.program import run_program
from harness.stack_files import StackConfig, load_stack_config

ROOT = Path(__file__).resolve().parent.parent
PROJECT = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
SCHEMA: dict[str, dict[str, Any]] = PROJECT["config"]


def test_config_key_is_the_camel_case_of_the_field_name() -> None:
    assert config_key("memory_mb") == "memoryMb"
    assert config_key("dlq_retention_seconds") == "dlqRetentionSeconds"
    assert config_key("architecture") == "architecture"


def test_pulumi_yaml_config_block_is_what_the_settings_class_says() -> None:
    # Keys, types, defaults and descriptions: one declaration per setting, derived.
    assert project_config_block() == SCHEMA


def test_every_setting_has_a_description_and_a_valid_default() -> None:
    for setting in SETTINGS:
        assert setting.description.endswith("."), setting.name
    assert PipelineSettings() == PipelineSettings(**{s.name: s.default for s in SETTINGS})


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
        "must be a standard SNS topic ARN",
    ),
    ({"alarm_topic_arn": "pager"}, "alarmTopicArn", "must be a standard SNS topic ARN"),
    (
        {"alarm_topic_arn": "arn:aws:sns:us-east-1:1234:pager"},
        "alarmTopicArn",
        "must be a standard SNS topic ARN",
    ),
    (
        {"alarm_topic_arn": "arn:aws:sns:us-east-1:123456789012:pager.fifo"},
        "alarmTopicArn",
        "cannot publish to a FIFO topic",
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
    field_name = next(s.name for s in SETTINGS if s.key == key)
    value = overrides.get(field_name, getattr(PipelineSettings(), field_name))
    # The error lists each broken rule on its own line; this one is among them.
    lines = [line.strip() for line in str(error.value).splitlines()]
    expected = [line for line in lines if line.startswith(f"{key} ({field_name}) = {value!r}: ")]
    assert expected and rule in expected[0], lines
    assert any(v.field == field_name and rule in v.rule for v in error.value.violations)


def test_every_violation_is_reported_at_once() -> None:
    with pytest.raises(SettingsError) as error:
        PipelineSettings(memory_mb=64, architecture="arm", batch_size=11, log_retention_days=10)
    message = str(error.value)
    assert message.splitlines()[0] == "4 settings break their rules:"
    assert [v.field for v in error.value.violations] == [
        "memory_mb",
        "architecture",
        "log_retention_days",
        "batching_window_seconds",
    ]
    for line in (
        "memoryMb (memory_mb) = 64: must be between 128 and 10240",
        "architecture (architecture) = 'arm': must be one of arm64, x86_64",
        "logRetentionDays (log_retention_days) = 10: must be one of the CloudWatch Logs values",
        "batchingWindowSeconds (batching_window_seconds) = 0: must be at least 1 when batchSize",
    ):
        assert line in message


def test_every_type_error_is_reported_and_value_rules_wait_for_right_types() -> None:
    with pytest.raises(SettingsError) as error:
        PipelineSettings(batch_size="10", memory_mb=1, tags={"team": 7})  # type: ignore[arg-type]
    assert [(v.field, v.rule) for v in error.value.violations] == [
        ("batch_size", "must be a whole number"),
        ("tags", "must map strings to strings"),
    ]


def test_type_checks_come_from_real_type_hints() -> None:
    accepts, rule = type_check(int | None)
    assert accepts(None) and accepts(3) and not accepts(True) and not accepts("3")
    assert rule == "must be a whole number, or null"
    accepts, _ = type_check(dict[str, str])
    assert accepts({"a": "b"}) and not accepts({"a": 1}) and not accepts([])


def test_engine_numbers_become_ints_and_other_floats_still_fail() -> None:
    settings = settings_from_inputs({"batch_size": 5.0, "memory_mb": 512.0})
    assert (settings.batch_size, type(settings.batch_size)) == (5, int)
    assert type(settings.memory_mb) is int
    with pytest.raises(SettingsError, match=r"batchSize \(batch_size\) = 5.5: must be a whole"):
        settings_from_inputs({"batch_size": 5.5})


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
