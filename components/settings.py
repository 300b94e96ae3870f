"""Pipeline settings: one frozen dataclass, its config keys, and validation.

Validation is pure and runs before any resource exists, so a bad value fails
`pulumi preview` (or an importing project's program) with a message that names
the key, the value and the rule, instead of failing half-way through a deploy.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any

DAY = 24 * 60 * 60

# CloudWatch Logs accepts only these retention periods (days).
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip
ARCHITECTURES = ("arm64", "x86_64")
# Deliberately loose: SNS confirms the address; this only catches typos like a missing '@'.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# arn:<partition>:sns:<region>:<12-digit account>:<topic name> (SNS topic name rules).
_SNS_TOPIC_ARN = re.compile(
    r"^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$"
)
_SNS_TOPIC_ARN_RULE = (
    "must be an SNS topic ARN (arn:<partition>:sns:<region>:<account id>:<topic name>), "
    "or empty for none"
)
# The order-outcome alarms count orders over this period; their thresholds are per period.
ORDER_ALARM_PERIOD_SECONDS = 300
# An upper bound only catches typos (a count per period has no natural ceiling).
ORDER_ALARM_THRESHOLD_MAX = 1_000_000


class SettingsError(ValueError):
    """A setting has a value AWS would reject or that would make the pipeline misbehave."""


@dataclass(frozen=True)
class PipelineSettings:
    """Every tunable of an OrderPipeline. Defaults match `Pulumi.yaml`."""

    function_timeout_seconds: int = 10
    memory_mb: int = 256
    architecture: str = "arm64"
    visibility_timeout_seconds: int = 60
    batch_size: int = 10
    batching_window_seconds: int = 0
    maximum_concurrency: int = 0
    message_retention_seconds: int = 4 * DAY
    dlq_retention_seconds: int = 14 * DAY
    max_receive_count: int = 5
    log_retention_days: int = 30
    point_in_time_recovery: bool = True
    deletion_protection: bool = True
    raw_message_delivery: bool = False
    alarm_email: str = ""
    alarm_topic_arn: str = ""
    oldest_message_age_alarm_seconds: int = 300
    failed_orders_alarm_threshold: int = 1
    rejected_orders_alarm_threshold: int = 10
    tags: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        validate(self)


# Stack config key (camelCase, as in Pulumi.yaml) for each settings field.
CONFIG_KEYS: dict[str, str] = {
    "function_timeout_seconds": "functionTimeoutSeconds",
    "memory_mb": "memoryMb",
    "architecture": "architecture",
    "visibility_timeout_seconds": "visibilityTimeoutSeconds",
    "batch_size": "batchSize",
    "batching_window_seconds": "batchingWindowSeconds",
    "maximum_concurrency": "maximumConcurrency",
    "message_retention_seconds": "messageRetentionSeconds",
    "dlq_retention_seconds": "dlqRetentionSeconds",
    "max_receive_count": "maxReceiveCount",
    "log_retention_days": "logRetentionDays",
    "point_in_time_recovery": "pointInTimeRecovery",
    "deletion_protection": "deletionProtection",
    "raw_message_delivery": "rawMessageDelivery",
    "alarm_email": "alarmEmail",
    "alarm_topic_arn": "alarmTopicArn",
    "oldest_message_age_alarm_seconds": "oldestMessageAgeAlarmSeconds",
    "failed_orders_alarm_threshold": "failedOrdersAlarmThreshold",
    "rejected_orders_alarm_threshold": "rejectedOrdersAlarmThreshold",
}


def _fail(field_name: str, value: Any, rule: str) -> SettingsError:
    key = CONFIG_KEYS.get(field_name, field_name)
    return SettingsError(f"{key} ({field_name}) = {value!r}: {rule}")


def _check_types(settings: PipelineSettings) -> None:
    for f in dataclasses.fields(settings):
        value = getattr(settings, f.name)
        expected = f.type
        if expected == "int" and (isinstance(value, bool) or not isinstance(value, int)):
            raise _fail(f.name, value, "must be a whole number")
        if expected == "bool" and not isinstance(value, bool):
            raise _fail(f.name, value, "must be true or false")
        if expected == "str" and not isinstance(value, str):
            raise _fail(f.name, value, "must be a string")
    if not isinstance(settings.tags, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in settings.tags.items()
    ):
        raise _fail("tags", settings.tags, "must map strings to strings")


def _check_range(settings: PipelineSettings, name: str, low: int, high: int, why: str) -> None:
    value = getattr(settings, name)
    if not low <= value <= high:
        raise _fail(name, value, f"must be between {low} and {high} ({why})")


def validate(settings: PipelineSettings) -> None:
    """Raise SettingsError for the first setting that breaks a rule."""
    _check_types(settings)
    s = settings

    _check_range(s, "function_timeout_seconds", 1, 900, "Lambda timeout limit")
    _check_range(s, "memory_mb", 128, 10240, "Lambda memory limit")
    if s.architecture not in ARCHITECTURES:
        raise _fail("architecture", s.architecture, f"must be one of {', '.join(ARCHITECTURES)}")
    _check_range(s, "visibility_timeout_seconds", 0, 43200, "SQS limit, 12 hours")
    _check_range(s, "batch_size", 1, 10000, "SQS event source limit for standard queues")
    _check_range(s, "batching_window_seconds", 0, 300, "event source batching window limit")
    _check_range(s, "message_retention_seconds", 60, 14 * DAY, "SQS retention limit")
    _check_range(s, "dlq_retention_seconds", 60, 14 * DAY, "SQS retention limit")
    _check_range(s, "max_receive_count", 1, 1000, "SQS redrive policy limit")
    _check_range(
        s,
        "oldest_message_age_alarm_seconds",
        60,
        14 * DAY,
        "at least one 60 s alarm period, at most the SQS retention limit",
    )

    if s.maximum_concurrency != 0:
        _check_range(s, "maximum_concurrency", 2, 1000, "event source limit; 0 means no limit")
    if s.log_retention_days not in LOG_RETENTION_DAYS:
        raise _fail(
            "log_retention_days",
            s.log_retention_days,
            f"must be one of the CloudWatch Logs values {list(LOG_RETENTION_DAYS)}",
        )
    if s.alarm_email and not _EMAIL.match(s.alarm_email):
        raise _fail("alarm_email", s.alarm_email, "must be an e-mail address, or empty for none")
    if s.alarm_topic_arn and not _SNS_TOPIC_ARN.match(s.alarm_topic_arn):
        raise _fail("alarm_topic_arn", s.alarm_topic_arn, _SNS_TOPIC_ARN_RULE)
    for name in ("failed_orders_alarm_threshold", "rejected_orders_alarm_threshold"):
        # The alarms fire at sum >= threshold, so 0 would alarm on every quiet period.
        _check_range(
            s,
            name,
            1,
            ORDER_ALARM_THRESHOLD_MAX,
            f"orders per {ORDER_ALARM_PERIOD_SECONDS} s alarm period; 0 would always alarm",
        )

    _check_cross_field_rules(s)


def _check_cross_field_rules(s: PipelineSettings) -> None:
    # Lambda rejects an SQS trigger whose visibility timeout is below the function
    # timeout; AWS recommends 6x (plus the batching window) so retries after a
    # throttle or a slow batch do not make a message visible while still in flight.
    needed = 6 * s.function_timeout_seconds + s.batching_window_seconds
    if s.visibility_timeout_seconds < needed:
        raise _fail(
            "visibility_timeout_seconds",
            s.visibility_timeout_seconds,
            f"must be at least 6 x functionTimeoutSeconds + batchingWindowSeconds = {needed}",
        )
    if s.batch_size > 10 and s.batching_window_seconds < 1:
        raise _fail(
            "batching_window_seconds",
            s.batching_window_seconds,
            f"must be at least 1 when batchSize ({s.batch_size}) is over 10 (event source rule)",
        )
    # Standard queues keep a message's original enqueue time in the DLQ, so a DLQ
    # that does not outlive the main queue's retention can expire a message the
    # moment it arrives there.
    if s.dlq_retention_seconds <= s.message_retention_seconds:
        raise _fail(
            "dlq_retention_seconds",
            s.dlq_retention_seconds,
            f"must be longer than messageRetentionSeconds ({s.message_retention_seconds})",
        )
    # An age alarm that only fires after messages have expired would never warn in time.
    if s.oldest_message_age_alarm_seconds >= s.message_retention_seconds:
        raise _fail(
            "oldest_message_age_alarm_seconds",
            s.oldest_message_age_alarm_seconds,
            f"must be below messageRetentionSeconds ({s.message_retention_seconds}) "
            "or messages expire before the alarm fires",
        )


def settings_from_config(values: dict[str, Any]) -> PipelineSettings:
    """Build settings from a {configKey: value} mapping; absent keys keep their defaults.

    Unknown keys are an error: a typo in a stack file must not be silently ignored.
    """
    by_key = {key: name for name, key in CONFIG_KEYS.items()}
    unknown = sorted(set(values) - set(by_key))
    if unknown:
        raise SettingsError(f"unknown config key(s) {unknown}; known keys: {sorted(by_key)}")
    return PipelineSettings(**{by_key[key]: value for key, value in values.items()})
