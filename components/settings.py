"""Pipeline settings: the one home of each setting's key, type, default, rule and description.

`PipelineSettings` declares every setting once: the field name (its config key is the
camelCase of it), the type hint, the default, and the description (the string right
after the field, which Pulumi's component analyzer also reads for the plugin schema).
Everything else -- the stack config reader, the plugin schema's defaults, the checks on
Pulumi.yaml and the README -- is derived from it by `SETTINGS`.

Validation is pure and runs before any resource exists, so a bad value fails
`pulumi preview` (or an importing project's program) with a message that names
the key, the value and the rule, for every bad value at once.

No `from __future__ import annotations` here: Pulumi's analyzer reads these hints as
real types, not strings.
"""

import ast
import dataclasses
import inspect
import re
import types
import typing
from collections.abc import Callable, Mapping
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
    r"^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,256}$"
)
_SNS_TOPIC_ARN_RULE = (
    "must be a standard SNS topic ARN (arn:<partition>:sns:<region>:<account id>:<topic name>; "
    "CloudWatch alarm actions cannot publish to a FIFO topic), or empty for none"
)
# The order-outcome alarms count orders over this period; their thresholds are per period.
ORDER_ALARM_PERIOD_SECONDS = 300
# An upper bound only catches typos (a count per period has no natural ceiling).
ORDER_ALARM_THRESHOLD_MAX = 1_000_000


@dataclass(frozen=True)
class PipelineSettings:
    """Every tunable of an OrderPipeline, with its default."""

    function_timeout_seconds: int = 10
    """Lambda timeout in seconds (1-900)."""
    memory_mb: int = 256
    """Lambda memory in MB (128-10240)."""
    architecture: str = "arm64"
    """Lambda architecture, arm64 or x86_64."""
    visibility_timeout_seconds: int = 60
    """Main queue visibility timeout (0-43200); at least 6 x functionTimeoutSeconds + batchingWindowSeconds."""  # noqa: E501
    batch_size: int = 10
    """Records per Lambda invocation (1-10000); over 10 needs batchingWindowSeconds >= 1."""
    batching_window_seconds: int = 0
    """Seconds the trigger may wait to fill a batch (0-300)."""
    maximum_concurrency: int = 0
    """Most concurrent invocations the SQS trigger starts (2-1000), or 0 for no limit."""
    message_retention_seconds: int = 4 * DAY
    """Main queue retention in seconds (60-1209600)."""
    dlq_retention_seconds: int = 14 * DAY
    """Dead-letter queue retention in seconds (60-1209600); longer than messageRetentionSeconds."""
    max_receive_count: int = 5
    """Receives before a message moves to the dead-letter queue (1-1000; AWS suggests >= 5 for Lambda)."""  # noqa: E501
    log_retention_days: int = 30
    """Function log retention in days; one of the CloudWatch Logs values (1, 3, 5, 7, 14, 30, 60, 90, ...)."""  # noqa: E501
    point_in_time_recovery: bool = True
    """DynamoDB point-in-time recovery on the orders table."""
    deletion_protection: bool = True
    """DynamoDB deletion protection on the orders table."""
    raw_message_delivery: bool = False
    """SNS raw message delivery to the queue (the function is told which format to expect)."""
    alarm_email: str = ""
    """E-mail address subscribed to the alarm topic, or empty for none."""
    alarm_topic_arn: str = ""
    """ARN of an existing standard SNS topic in the stack's region (pager, chat) that every alarm also notifies, or empty for none."""  # noqa: E501
    oldest_message_age_alarm_seconds: int = 300
    """Alarm when the oldest queued order is older than this (>= 60, below messageRetentionSeconds)."""  # noqa: E501
    failed_orders_alarm_threshold: int = 1
    """Alarm when at least this many order writes fail (a DynamoDB problem) within 5 minutes (1-1000000)."""  # noqa: E501
    rejected_orders_alarm_threshold: int = 10
    """Alarm when at least this many orders are rejected as invalid within 5 minutes (1-1000000); each retry counts."""  # noqa: E501
    tags: dict[str, str] = field(default_factory=dict)
    """Tags for the component's topics, queues, table, function, role, log group, key and alarms (none by default)."""  # noqa: E501

    def __post_init__(self) -> None:
        validate(self)


def config_key(field_name: str) -> str:
    """The stack config key (and plugin input name) of a field: snake_case -> camelCase."""
    first, *rest = field_name.split("_")
    return first + "".join(word[:1].upper() + word[1:] for word in rest)


def _attribute_docstrings(cls: type) -> dict[str, str]:
    # The string literal right after an annotated attribute: the convention Pulumi's
    # analyzer reads too, so the stack config and the plugin schema share one text.
    (class_def,) = ast.parse(inspect.getsource(cls)).body
    assert isinstance(class_def, ast.ClassDef)
    found: dict[str, str] = {}
    for node, after in zip(class_def.body, class_def.body[1:], strict=False):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            found[node.target.id] = " ".join(after.value.value.split())
    return found


@dataclass(frozen=True)
class Setting:
    """One setting as every consumer sees it, derived from PipelineSettings."""

    name: str
    key: str
    type: Any
    default: Any
    description: str


def _settings_table() -> tuple[Setting, ...]:
    hints = typing.get_type_hints(PipelineSettings)
    descriptions = _attribute_docstrings(PipelineSettings)
    table = []
    for f in dataclasses.fields(PipelineSettings):
        if f.default is not dataclasses.MISSING:
            default = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            raise TypeError(f"setting {f.name} has no default")
        if f.name not in descriptions:
            raise TypeError(f"setting {f.name} has no description (a string after the field)")
        table.append(
            Setting(f.name, config_key(f.name), hints[f.name], default, descriptions[f.name])
        )
    return tuple(table)


class SettingsError(ValueError):
    """Settings AWS would reject or that would make the pipeline misbehave.

    `violations` lists every broken rule; the message has one line per violation.
    """

    def __init__(self, message: str, violations: tuple["Violation", ...] = ()) -> None:
        super().__init__(message)
        self.violations = violations


@dataclass(frozen=True)
class Violation:
    field: str
    value: Any
    rule: str

    def __str__(self) -> str:
        return f"{config_key(self.field)} ({self.field}) = {self.value!r}: {self.rule}"


# --- types, from the real type hints ---------------------------------------------------

TypeCheck = tuple[Callable[[Any], bool], str]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def type_check(hint: Any) -> TypeCheck:
    """(accepts(value), rule) for a type hint: int, bool, str, float, dict[str, V], X | None."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType) and type(None) in args:
        (inner,) = [a for a in args if a is not type(None)]
        accepts, rule = type_check(inner)
        return (lambda v: v is None or accepts(v)), f"{rule}, or null"
    if hint is int:
        return _is_int, "must be a whole number"
    if hint is bool:
        return (lambda v: isinstance(v, bool)), "must be true or false"
    if hint is str:
        return (lambda v: isinstance(v, str)), "must be a string"
    if hint is float:
        return (lambda v: _is_int(v) or isinstance(v, float)), "must be a number"
    if origin is dict and args[0] is str:
        value_ok, _ = type_check(args[1])
        name = {str: "strings", int: "whole numbers", bool: "booleans"}.get(args[1], "values")
        return (
            lambda v: (
                isinstance(v, dict)
                and all(isinstance(k, str) and value_ok(x) for k, x in v.items())
            )
        ), f"must map strings to {name}"
    raise TypeError(f"no type check for {hint!r}")


# --- rules -------------------------------------------------------------------------------

RANGES: tuple[tuple[str, int, int, str], ...] = (
    ("function_timeout_seconds", 1, 900, "Lambda timeout limit"),
    ("memory_mb", 128, 10240, "Lambda memory limit"),
    ("visibility_timeout_seconds", 0, 43200, "SQS limit, 12 hours"),
    ("batch_size", 1, 10000, "SQS event source limit for standard queues"),
    ("batching_window_seconds", 0, 300, "event source batching window limit"),
    ("message_retention_seconds", 60, 14 * DAY, "SQS retention limit"),
    ("dlq_retention_seconds", 60, 14 * DAY, "SQS retention limit"),
    ("max_receive_count", 1, 1000, "SQS redrive policy limit"),
    (
        "oldest_message_age_alarm_seconds",
        60,
        14 * DAY,
        "at least one 60 s alarm period, at most the SQS retention limit",
    ),
    # The alarms fire at sum >= threshold, so 0 would alarm on every quiet period.
    *(
        (
            name,
            1,
            ORDER_ALARM_THRESHOLD_MAX,
            f"orders per {ORDER_ALARM_PERIOD_SECONDS} s alarm period; 0 would always alarm",
        )
        for name in ("failed_orders_alarm_threshold", "rejected_orders_alarm_threshold")
    ),
)


def _single_field_rules(s: PipelineSettings) -> list[Violation]:
    found = [
        Violation(name, getattr(s, name), f"must be between {low} and {high} ({why})")
        for name, low, high, why in RANGES
        if not low <= getattr(s, name) <= high
    ]
    if s.maximum_concurrency != 0 and not 2 <= s.maximum_concurrency <= 1000:
        found.append(
            Violation(
                "maximum_concurrency",
                s.maximum_concurrency,
                "must be between 2 and 1000 (event source limit; 0 means no limit)",
            )
        )
    if s.architecture not in ARCHITECTURES:
        found.append(
            Violation("architecture", s.architecture, f"must be one of {', '.join(ARCHITECTURES)}")
        )
    if s.log_retention_days not in LOG_RETENTION_DAYS:
        found.append(
            Violation(
                "log_retention_days",
                s.log_retention_days,
                f"must be one of the CloudWatch Logs values {list(LOG_RETENTION_DAYS)}",
            )
        )
    if s.alarm_email and not _EMAIL.match(s.alarm_email):
        found.append(
            Violation("alarm_email", s.alarm_email, "must be an e-mail address, or empty for none")
        )
    if s.alarm_topic_arn and not _SNS_TOPIC_ARN.match(s.alarm_topic_arn):
        found.append(Violation("alarm_topic_arn", s.alarm_topic_arn, _SNS_TOPIC_ARN_RULE))
    return found


def _cross_field_rules(s: PipelineSettings) -> list[Violation]:
    found = []
    # Lambda rejects an SQS trigger whose visibility timeout is below the function
    # timeout; AWS recommends 6x (plus the batching window) so retries after a
    # throttle or a slow batch do not make a message visible while still in flight.
    needed = 6 * s.function_timeout_seconds + s.batching_window_seconds
    if s.visibility_timeout_seconds < needed:
        found.append(
            Violation(
                "visibility_timeout_seconds",
                s.visibility_timeout_seconds,
                f"must be at least 6 x functionTimeoutSeconds + batchingWindowSeconds = {needed}",
            )
        )
    if s.batch_size > 10 and s.batching_window_seconds < 1:
        found.append(
            Violation(
                "batching_window_seconds",
                s.batching_window_seconds,
                f"must be at least 1 when batchSize ({s.batch_size}) is over 10 "
                "(event source rule)",
            )
        )
    # Standard queues keep a message's original enqueue time in the DLQ, so a DLQ
    # that does not outlive the main queue's retention can expire a message the
    # moment it arrives there.
    if s.dlq_retention_seconds <= s.message_retention_seconds:
        found.append(
            Violation(
                "dlq_retention_seconds",
                s.dlq_retention_seconds,
                f"must be longer than messageRetentionSeconds ({s.message_retention_seconds})",
            )
        )
    # An age alarm that only fires after messages have expired would never warn in time.
    if s.oldest_message_age_alarm_seconds >= s.message_retention_seconds:
        found.append(
            Violation(
                "oldest_message_age_alarm_seconds",
                s.oldest_message_age_alarm_seconds,
                f"must be below messageRetentionSeconds ({s.message_retention_seconds}) "
                "or messages expire before the alarm fires",
            )
        )
    return found


def violations(settings: PipelineSettings) -> list[Violation]:
    """Every rule the settings break, type errors first.

    Value rules only run once every type is right: a rule cannot judge a value of the
    wrong type, and the type error already names that setting.
    """
    wrong_types = []
    for setting in SETTINGS:
        accepts, rule = type_check(setting.type)
        value = getattr(settings, setting.name)
        if not accepts(value):
            wrong_types.append(Violation(setting.name, value, rule))
    if wrong_types:
        return wrong_types
    return _single_field_rules(settings) + _cross_field_rules(settings)


def validate(settings: PipelineSettings) -> None:
    """Raise one SettingsError that lists every broken rule."""
    found = violations(settings)
    if len(found) == 1:
        raise SettingsError(str(found[0]), tuple(found))
    if found:
        lines = "\n".join(f"  {violation}" for violation in found)
        raise SettingsError(f"{len(found)} settings break their rules:\n{lines}", tuple(found))


SETTINGS: tuple[Setting, ...] = _settings_table()
"""Every setting in declaration order: name, config key, type hint, default, description."""

_BY_KEY = {setting.key: setting for setting in SETTINGS}


def settings_from_config(values: Mapping[str, Any]) -> PipelineSettings:
    """Build settings from a {configKey: value} mapping; absent keys keep their defaults.

    Unknown keys are an error: a typo in a stack file must not be silently ignored.
    """
    unknown = sorted(set(values) - set(_BY_KEY))
    if unknown:
        raise SettingsError(f"unknown config key(s) {unknown}; known keys: {sorted(_BY_KEY)}")
    return PipelineSettings(**{_BY_KEY[key].name: value for key, value in values.items()})


def settings_from_inputs(values: Mapping[str, Any]) -> PipelineSettings:
    """Settings from {field name: value} as the Pulumi engine delivers a component's inputs.

    The engine carries every number as a double, so an integer setting arrives as 5.0;
    a whole-number float becomes an int again. Anything else is left for validation.
    """
    by_name = {setting.name: setting for setting in SETTINGS}
    unknown = sorted(set(values) - set(by_name))
    if unknown:
        raise SettingsError(f"unknown setting(s) {unknown}; known: {sorted(by_name)}")

    def restored(name: str, value: Any) -> Any:
        if by_name[name].type is int and isinstance(value, float) and value.is_integer():
            return int(value)
        return value

    return PipelineSettings(**{name: restored(name, value) for name, value in values.items()})
