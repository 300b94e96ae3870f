"""OrderPipeline: SNS topic -> SQS queue (+ DLQ) -> Lambda -> DynamoDB, with alarms.

Reads top to bottom: `OrderPipeline.__init__` calls one function per part, and each
part returns what it built for the next. No `from __future__ import annotations`:
Pulumi's analyzer reads the class's hints (args, outputs) as real types.
"""

import json
from collections.abc import Callable
from typing import Any, NamedTuple

import pulumi
import pulumi_aws as aws
from order_pipeline.handler.metrics import DIMENSION, METRIC_FOR_OUTCOME, NAMESPACE
from order_pipeline.handler.outcomes import FAILED, REJECTED

from . import policies
from .dashboard import DashboardTargets, console_url, dashboard_body
from .lambda_package import HANDLER, code_archive
from .settings import ORDER_ALARM_PERIOD_SECONDS, PipelineSettings, config_key

COMPONENT_TYPE = "order-pipeline:index:OrderPipeline"
RUNTIME = "python3.13"

# Every alarm is named "<component name>-<suffix>", so its ARN is known before it
# exists and the alarm topic and key policies can admit exactly these alarms.
ALARM_SUFFIXES = (
    "dlq-not-empty",
    "dlq-new-arrivals",
    "undeliverable-not-empty",
    "undeliverable-new-arrivals",
    "queue-backlog-age",
    "function-errors",
    "function-throttles",
    "function-duration",
    "orders-failed",
    "orders-rejected",
)
# These notify on ALARM only: each minute a queue grew, not when it stops growing.
ARRIVALS_ALARM_SUFFIXES = ("dlq-new-arrivals", "undeliverable-new-arrivals")
ALARM_PERIOD_SECONDS = 60
# Alarm when an invocation runs for this share of the function timeout: still time to act.
DURATION_ALARM_SHARE_OF_TIMEOUT = 0.8

_DEFAULTS = PipelineSettings()


def duration_alarm_ms(function_timeout_seconds: int) -> int:
    return int(function_timeout_seconds * 1000 * DURATION_ALARM_SHARE_OF_TIMEOUT)


def no_subscriber_warning(name: str) -> str:
    email, topic = config_key("alarm_email"), config_key("alarm_topic_arn")
    return (
        f"{name}: the pipeline's alarms notify nobody: neither {email} (alarm_email) nor "
        f"{topic} (alarm_topic_arn) is set, so the alarm topic has no subscriber. Set one, "
        f"e.g. `pulumi config set {email} ops@example.com` or "
        f"`pulumi config set {topic} arn:aws:sns:<region>:<account>:<topic>` (docs/alarms.md)."
    )


def _json(*inputs: Any, build: Callable[..., dict[str, Any]]) -> pulumi.Output[str]:
    """Render a policy document once its ARNs are known."""
    return pulumi.Output.all(*inputs).apply(
        lambda values: json.dumps(build(*values), sort_keys=True)
    )


class OrderPipeline(pulumi.ComponentResource):
    """An order pipeline on AWS: SNS topic -> SQS queue (with dead-letter queues) -> Python Lambda -> DynamoDB table, with CloudWatch alarms and a dashboard."""  # noqa: E501

    topic_arn: pulumi.Output[str]
    """ARN of the order topic: publishers send orders here (sns:Publish)."""
    queue_url: pulumi.Output[str]
    """URL of the order queue the function consumes."""
    queue_arn: pulumi.Output[str]
    """ARN of the order queue the function consumes."""
    dead_letter_queue_url: pulumi.Output[str]
    """URL of the dead-letter queue: orders that failed maxReceiveCount times."""
    dead_letter_queue_arn: pulumi.Output[str]
    """ARN of the dead-letter queue: orders that failed maxReceiveCount times."""
    subscription_dead_letter_queue_url: pulumi.Output[str]
    """URL of the subscription's dead-letter queue: messages SNS could not deliver to the queue."""
    subscription_dead_letter_queue_arn: pulumi.Output[str]
    """ARN of the subscription's dead-letter queue: messages SNS could not deliver to the queue."""
    table_name: pulumi.Output[str]
    """Name of the DynamoDB orders table (partition key orderId)."""
    table_arn: pulumi.Output[str]
    """ARN of the DynamoDB orders table."""
    function_name: pulumi.Output[str]
    """Name of the order-processing Lambda function."""
    function_arn: pulumi.Output[str]
    """ARN of the order-processing Lambda function."""
    alarm_topic_arn: pulumi.Output[str]
    """ARN of the SNS topic every alarm notifies; subscribe more endpoints here."""
    dashboard_name: pulumi.Output[str]
    """Name of the CloudWatch dashboard."""
    dashboard_url: pulumi.Output[str]
    """Console URL of the CloudWatch dashboard."""
    log_group_name: pulumi.Output[str]
    """Name of the function's CloudWatch Logs group."""

    def __init__(
        self,
        name: str,
        args: PipelineSettings = _DEFAULTS,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(COMPONENT_TYPE, name, None, opts)
        self.settings = settings = args
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(settings.tags)

        place = _place(self)
        messaging = _messaging(name, settings, child, tags)
        self.table = _table(name, settings, child, tags)
        processor = _processor(name, settings, child, tags, messaging.queue, self.table)
        alarms = _alarms(name, settings, child, tags, place, messaging, processor.function)
        self.dashboard = _dashboard(
            name, settings, child, place, messaging, self.table, processor, alarms
        )

        self.messaging, self.processor, self.alarms = messaging, processor, alarms
        self.topic_arn = messaging.topic.arn
        self.queue_url = messaging.queue.url
        self.queue_arn = messaging.queue.arn
        self.dead_letter_queue_url = messaging.dead_letter_queue.url
        self.dead_letter_queue_arn = messaging.dead_letter_queue.arn
        self.subscription_dead_letter_queue_url = messaging.subscription_dead_letter_queue.url
        self.subscription_dead_letter_queue_arn = messaging.subscription_dead_letter_queue.arn
        self.table_name = self.table.name
        self.table_arn = self.table.arn
        self.function_name = processor.function.name
        self.function_arn = processor.function.arn
        self.alarm_topic_arn = alarms.topic.arn
        self.dashboard_name = self.dashboard.dashboard_name
        self.dashboard_url = pulumi.Output.all(place.partition, place.region).apply(
            lambda v: console_url(v[0], v[1], name)
        )
        self.log_group_name = processor.log_group.name
        self.register_outputs(self.outputs())

    def outputs(self) -> dict[str, pulumi.Output[Any]]:
        """The values a caller wires next, keyed by their exported (camelCase) names."""
        return {config_key(name): getattr(self, name) for name in output_names()}


def output_names() -> list[str]:
    """The component's outputs: its class-level `pulumi.Output` annotations, in order."""
    return list(OrderPipeline.__annotations__)


class _Place(NamedTuple):
    account_id: pulumi.Output[str]
    partition: pulumi.Output[str]
    region: pulumi.Output[str]


def _place(parent: pulumi.Resource) -> _Place:
    invoke = pulumi.InvokeOptions(parent=parent)
    return _Place(
        aws.get_caller_identity_output(opts=invoke).account_id,
        aws.get_partition_output(opts=invoke).partition,
        aws.get_region_output(opts=invoke).region,
    )


class Messaging(NamedTuple):
    topic: aws.sns.Topic
    queue: aws.sqs.Queue
    dead_letter_queue: aws.sqs.Queue
    subscription_dead_letter_queue: aws.sqs.Queue
    subscription: aws.sns.TopicSubscription


def _messaging(
    name: str, s: PipelineSettings, child: pulumi.ResourceOptions, tags: dict[str, str]
) -> Messaging:
    topic = aws.sns.Topic(f"{name}-topic", kms_master_key_id="alias/aws/sns", tags=tags, opts=child)
    aws.sns.TopicPolicy(
        f"{name}-topic-policy",
        arn=topic.arn,
        policy=_json(topic.arn, build=policies.order_topic_policy),
        opts=child,
    )

    def dead_letter_queue_named(suffix: str) -> aws.sqs.Queue:
        # SQS-managed SSE: SNS cannot deliver to a queue under the AWS-managed
        # alias/aws/sqs key, and this needs no key policy.
        return aws.sqs.Queue(
            f"{name}-{suffix}",
            message_retention_seconds=s.dlq_retention_seconds,
            sqs_managed_sse_enabled=True,
            tags=tags,
            opts=child,
        )

    dead_letter_queue = dead_letter_queue_named("dlq")
    queue = aws.sqs.Queue(
        f"{name}-queue",
        visibility_timeout_seconds=s.visibility_timeout_seconds,
        message_retention_seconds=s.message_retention_seconds,
        sqs_managed_sse_enabled=True,
        redrive_policy=_json(
            dead_letter_queue.arn, s.max_receive_count, build=policies.redrive_policy
        ),
        tags=tags,
        opts=child,
    )
    aws.sqs.RedriveAllowPolicy(
        f"{name}-dlq-redrive-allow",
        queue_url=dead_letter_queue.url,
        redrive_allow_policy=_json(queue.arn, build=policies.redrive_allow_policy),
        opts=child,
    )
    aws.sqs.QueuePolicy(
        f"{name}-dlq-policy",
        queue_url=dead_letter_queue.url,
        policy=_json(dead_letter_queue.arn, build=policies.dead_letter_queue_policy),
        opts=child,
    )
    # A separate DLQ for what SNS cannot deliver: StartMessageMoveTask accepts only
    # DLQs whose sources are SQS queues, so the order DLQ must be fed by the queue alone.
    undeliverable = dead_letter_queue_named("undeliverable")
    undeliverable_policy = aws.sqs.QueuePolicy(
        f"{name}-undeliverable-policy",
        queue_url=undeliverable.url,
        policy=_json(
            undeliverable.arn, topic.arn, build=policies.subscription_dead_letter_queue_policy
        ),
        opts=child,
    )
    queue_policy = aws.sqs.QueuePolicy(
        f"{name}-queue-policy",
        queue_url=queue.url,
        policy=_json(queue.arn, topic.arn, build=policies.order_queue_policy),
        opts=child,
    )
    # Subscribe only once both queues admit the topic, or the first orders are dropped.
    subscription = aws.sns.TopicSubscription(
        f"{name}-subscription",
        topic=topic.arn,
        protocol="sqs",
        endpoint=queue.arn,
        raw_message_delivery=s.raw_message_delivery,
        redrive_policy=_json(undeliverable.arn, build=policies.subscription_redrive_policy),
        opts=pulumi.ResourceOptions.merge(
            child, pulumi.ResourceOptions(depends_on=[queue_policy, undeliverable_policy])
        ),
    )
    return Messaging(topic, queue, dead_letter_queue, undeliverable, subscription)


def _table(
    name: str, s: PipelineSettings, child: pulumi.ResourceOptions, tags: dict[str, str]
) -> aws.dynamodb.Table:
    return aws.dynamodb.Table(
        f"{name}-table",
        hash_key="orderId",
        attributes=[{"name": "orderId", "type": "S"}],
        billing_mode="PAY_PER_REQUEST",
        server_side_encryption={"enabled": True},
        point_in_time_recovery={"enabled": s.point_in_time_recovery},
        deletion_protection_enabled=s.deletion_protection,
        tags=tags,
        opts=child,
    )


class Processor(NamedTuple):
    log_group: aws.cloudwatch.LogGroup
    function: aws.lambda_.Function
    trigger: aws.lambda_.EventSourceMapping


def _processor(
    name: str,
    s: PipelineSettings,
    child: pulumi.ResourceOptions,
    tags: dict[str, str],
    queue: aws.sqs.Queue,
    table: aws.dynamodb.Table,
) -> Processor:
    # Created here (not implicitly by Lambda) so its retention is ours and the
    # role can be scoped to exactly this group.
    log_group = aws.cloudwatch.LogGroup(
        f"{name}-processor-logs", retention_in_days=s.log_retention_days, tags=tags, opts=child
    )
    role = aws.iam.Role(
        f"{name}-processor-role",
        assume_role_policy=json.dumps(policies.lambda_assume_role_policy(), sort_keys=True),
        tags=tags,
        opts=child,
    )
    role_policy = aws.iam.RolePolicy(
        f"{name}-processor-policy",
        role=role.id,
        policy=_json(queue.arn, table.arn, log_group.arn, build=policies.function_policy),
        opts=child,
    )
    needs_permissions = pulumi.ResourceOptions.merge(
        child, pulumi.ResourceOptions(depends_on=[role_policy])
    )
    function = aws.lambda_.Function(
        f"{name}-processor",
        runtime=RUNTIME,
        architectures=[s.architecture],
        handler=HANDLER,
        code=code_archive(),
        role=role.arn,
        timeout=s.function_timeout_seconds,
        memory_size=s.memory_mb,
        environment={
            "variables": {
                "TABLE_NAME": table.name,
                "RAW_MESSAGE_DELIVERY": "true" if s.raw_message_delivery else "false",
            }
        },
        logging_config={
            "log_format": "JSON",
            "log_group": log_group.name,
            "application_log_level": "INFO",
            "system_log_level": "WARN",
        },
        tags=tags,
        opts=needs_permissions,
    )
    trigger = aws.lambda_.EventSourceMapping(
        f"{name}-processor-trigger",
        event_source_arn=queue.arn,
        function_name=function.arn,
        batch_size=s.batch_size,
        maximum_batching_window_in_seconds=s.batching_window_seconds,
        scaling_config=(
            {"maximum_concurrency": s.maximum_concurrency} if s.maximum_concurrency else None
        ),
        function_response_types=["ReportBatchItemFailures"],
        # Polled / invoked / failed / deleted record counts per mapping (AWS/Lambda).
        metrics_config={"metrics": ["EventCount"]},
        opts=needs_permissions,
    )
    return Processor(log_group, function, trigger)


class Alarms(NamedTuple):
    topic: aws.sns.Topic
    by_suffix: dict[str, aws.cloudwatch.MetricAlarm]


def _metric(
    namespace: str,
    metric_name: str,
    dimensions: dict[str, Any],
    statistic: str,
    period: int = ALARM_PERIOD_SECONDS,
) -> dict[str, Any]:
    """The arguments of a single-metric alarm."""
    return {
        "namespace": namespace,
        "metric_name": metric_name,
        "dimensions": dimensions,
        "statistic": statistic,
        "period": period,
    }


def _arrivals(queue_name: pulumi.Output[str], label: str) -> dict[str, Any]:
    """Metric math that is above 0 in each minute the queue's depth grew.

    Messages in flight count too, so someone inspecting the queue does not look like
    new arrivals. The alarm is in ALARM in each minute the queue grew and OK (silently)
    in the next minute it did not: a notification for every new arrival, not the first.
    """
    dimensions = {"QueueName": queue_name}
    depth = [
        {
            "id": query_id,
            "metric": {
                "namespace": "AWS/SQS",
                "metric_name": metric_name,
                "dimensions": dimensions,
                "period": ALARM_PERIOD_SECONDS,
                "stat": "Maximum",
            },
            "return_data": False,
        }
        for query_id, metric_name in (
            ("visible", "ApproximateNumberOfMessagesVisible"),
            ("in_flight", "ApproximateNumberOfMessagesNotVisible"),
        )
    ]
    increase = {
        "id": "arrivals",
        "expression": "DIFF(visible + in_flight)",
        "label": label,
        "return_data": True,
    }
    return {"metric_queries": [*depth, increase]}


class AlarmSpec(NamedTuple):
    description: str
    watches: dict[str, Any]  # a single metric (_metric) or metric math (_arrivals)
    threshold: int
    comparison: str


def _alarm_specs(
    s: PipelineSettings, messaging: Messaging, function: aws.lambda_.Function
) -> dict[str, AlarmSpec]:
    """What each alarm watches and when it fires, by name suffix."""
    dlq = {"QueueName": messaging.dead_letter_queue.name}
    on_function = {"FunctionName": function.name}
    outcomes = {DIMENSION: function.name}
    above, at_least = "GreaterThanThreshold", "GreaterThanOrEqualToThreshold"
    return {
        "dlq-not-empty": AlarmSpec(
            "Orders failed maxReceiveCount times and wait in the DLQ (notifies on the first).",
            _metric("AWS/SQS", "ApproximateNumberOfMessagesVisible", dlq, "Maximum"),
            0,
            above,
        ),
        "dlq-new-arrivals": AlarmSpec(
            "More orders arrived in the DLQ during the last minute.",
            _arrivals(messaging.dead_letter_queue.name, "DLQ depth increase"),
            0,
            above,
        ),
        # The subscription's DLQ is empty and idle for days, and SQS stops publishing an idle
        # queue's metrics, so the arrivals alarm may have no earlier point for its first
        # message: this one makes sure the first undeliverable order is heard of.
        "undeliverable-not-empty": AlarmSpec(
            "SNS could not deliver orders to the queue (check the queue policy); they wait "
            "in the subscription's dead-letter queue (notifies on the first).",
            _metric(
                "AWS/SQS",
                "ApproximateNumberOfMessagesVisible",
                {"QueueName": messaging.subscription_dead_letter_queue.name},
                "Maximum",
            ),
            0,
            above,
        ),
        "undeliverable-new-arrivals": AlarmSpec(
            "SNS could not deliver orders to the queue (check the queue policy); they wait "
            "in the subscription's dead-letter queue.",
            _arrivals(
                messaging.subscription_dead_letter_queue.name, "undeliverable depth increase"
            ),
            0,
            above,
        ),
        "queue-backlog-age": AlarmSpec(
            "Orders wait on the queue longer than the configured threshold.",
            _metric(
                "AWS/SQS",
                "ApproximateAgeOfOldestMessage",
                {"QueueName": messaging.queue.name},
                "Maximum",
            ),
            s.oldest_message_age_alarm_seconds,
            above,
        ),
        "function-errors": AlarmSpec(
            "A whole batch failed: the function raised, timed out or is misconfigured.",
            _metric("AWS/Lambda", "Errors", on_function, "Sum"),
            0,
            above,
        ),
        "function-throttles": AlarmSpec(
            "Lambda refused invocations for lack of concurrency.",
            _metric("AWS/Lambda", "Throttles", on_function, "Sum"),
            0,
            above,
        ),
        "function-duration": AlarmSpec(
            f"An invocation ran longer than {DURATION_ALARM_SHARE_OF_TIMEOUT:.0%} of the "
            "function timeout.",
            _metric("AWS/Lambda", "Duration", on_function, "Maximum"),
            duration_alarm_ms(s.function_timeout_seconds),
            above,
        ),
        "orders-failed": AlarmSpec(
            "Order writes failed (DynamoDB errors or throttling); the orders are retried.",
            _metric(
                NAMESPACE, METRIC_FOR_OUTCOME[FAILED], outcomes, "Sum", ORDER_ALARM_PERIOD_SECONDS
            ),
            s.failed_orders_alarm_threshold,
            at_least,
        ),
        "orders-rejected": AlarmSpec(
            "Invalid orders were rejected: a publisher sends orders the pipeline cannot store.",
            _metric(
                NAMESPACE, METRIC_FOR_OUTCOME[REJECTED], outcomes, "Sum", ORDER_ALARM_PERIOD_SECONDS
            ),
            s.rejected_orders_alarm_threshold,
            at_least,
        ),
    }


def _alarms(
    name: str,
    s: PipelineSettings,
    child: pulumi.ResourceOptions,
    tags: dict[str, str],
    place: _Place,
    messaging: Messaging,
    function: aws.lambda_.Function,
) -> Alarms:
    parent = child.parent
    if not (s.alarm_email or s.alarm_topic_arn):
        pulumi.log.warn(no_subscriber_warning(name), resource=parent)
    alarm_arns = pulumi.Output.all(place.partition, place.region, place.account_id).apply(
        lambda v: [
            policies.alarm_arn(v[0], v[1], v[2], f"{name}-{suffix}") for suffix in ALARM_SUFFIXES
        ]
    )
    key = aws.kms.Key(
        f"{name}-alarm-key",
        description="Encrypts order-pipeline alarm notifications; CloudWatch may use it.",
        enable_key_rotation=True,
        policy=_json(
            place.account_id, place.partition, alarm_arns, build=policies.alarm_key_policy
        ),
        tags=tags,
        opts=child,
    )
    topic = aws.sns.Topic(f"{name}-alarms", kms_master_key_id=key.arn, tags=tags, opts=child)
    aws.sns.TopicPolicy(
        f"{name}-alarms-policy",
        arn=topic.arn,
        policy=_json(topic.arn, alarm_arns, build=policies.alarm_topic_policy),
        opts=child,
    )
    if s.alarm_email:
        aws.sns.TopicSubscription(
            f"{name}-alarms-email",
            topic=topic.arn,
            protocol="email",
            endpoint=s.alarm_email,
            opts=child,
        )
    notify: list[pulumi.Input[str]] = [topic.arn]
    if s.alarm_topic_arn:
        notify.append(s.alarm_topic_arn)

    specs = _alarm_specs(s, messaging, function)
    assert tuple(specs) == ALARM_SUFFIXES  # the policies admit exactly these
    by_suffix = {
        suffix: aws.cloudwatch.MetricAlarm(
            f"{name}-{suffix}",
            name=f"{name}-{suffix}",
            alarm_description=spec.description,
            evaluation_periods=1,
            treat_missing_data="notBreaching",
            alarm_actions=notify,
            ok_actions=[] if suffix in ARRIVALS_ALARM_SUFFIXES else notify,
            threshold=spec.threshold,
            comparison_operator=spec.comparison,
            tags=tags,
            opts=child,
            **spec.watches,
        )
        for suffix, spec in specs.items()
    }
    return Alarms(topic, by_suffix)


def _dashboard(
    name: str,
    s: PipelineSettings,
    child: pulumi.ResourceOptions,
    place: _Place,
    messaging: Messaging,
    table: aws.dynamodb.Table,
    processor: Processor,
    alarms: Alarms,
) -> aws.cloudwatch.Dashboard:
    def body(values: list[Any]) -> str:
        region, queue, dlq, undeliverable, function, mapping, table, *alarm_arns = values
        targets = DashboardTargets(
            region=region,
            queue_name=queue,
            dead_letter_queue_name=dlq,
            subscription_dead_letter_queue_name=undeliverable,
            function_name=function,
            event_source_mapping_uuid=mapping,
            table_name=table,
            function_timeout_ms=s.function_timeout_seconds * 1000,
            duration_alarm_ms=duration_alarm_ms(s.function_timeout_seconds),
            oldest_message_age_alarm_seconds=s.oldest_message_age_alarm_seconds,
            alarm_arns=tuple(alarm_arns),
        )
        return json.dumps(dashboard_body(targets), sort_keys=True)

    return aws.cloudwatch.Dashboard(
        f"{name}-dashboard",
        dashboard_name=name,
        dashboard_body=pulumi.Output.all(
            place.region,
            messaging.queue.name,
            messaging.dead_letter_queue.name,
            messaging.subscription_dead_letter_queue.name,
            processor.function.name,
            processor.trigger.uuid,
            table.name,
            *(alarm.arn for alarm in alarms.by_suffix.values()),
        ).apply(body),
        opts=child,
    )
