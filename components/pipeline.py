"""OrderPipeline: SNS topic -> SQS queue (+ DLQ) -> Lambda -> DynamoDB, with alarms."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws
from order_pipeline.handler.metrics import DIMENSION, METRIC_FOR_OUTCOME, NAMESPACE
from order_pipeline.handler.outcomes import FAILED, REJECTED

from . import policies
from .dashboard import DashboardTargets, console_url, dashboard_body
from .lambda_package import HANDLER, code_archive
from .settings import CONFIG_KEYS, ORDER_ALARM_PERIOD_SECONDS, PipelineSettings

COMPONENT_TYPE = "order-pipeline:index:OrderPipeline"
RUNTIME = "python3.13"

# Every alarm is named "<component name>-<suffix>", so its ARN is known before it
# exists and the alarm topic and key policies can admit exactly these alarms.
ALARM_SUFFIXES = (
    "dlq-not-empty",
    "dlq-new-arrivals",
    "queue-backlog-age",
    "function-errors",
    "function-throttles",
    "function-duration",
    "orders-failed",
    "orders-rejected",
)
ALARM_PERIOD_SECONDS = 60
# Alarm when an invocation runs for this share of the function timeout: still time to act.
DURATION_ALARM_SHARE_OF_TIMEOUT = 0.8


def duration_alarm_ms(function_timeout_seconds: int) -> int:
    return int(function_timeout_seconds * 1000 * DURATION_ALARM_SHARE_OF_TIMEOUT)


def no_subscriber_warning(name: str) -> str:
    email, topic = CONFIG_KEYS["alarm_email"], CONFIG_KEYS["alarm_topic_arn"]
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
    """The whole order pipeline; every resource is a child of this component.

    `settings` are plain values, validated when the PipelineSettings is built, so
    a bad value fails before any resource is registered.
    """

    def __init__(
        self,
        name: str,
        settings: PipelineSettings | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(COMPONENT_TYPE, name, None, opts)
        self.settings = settings = settings if settings is not None else PipelineSettings()
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(settings.tags)

        self._create_messaging(name, settings, child, tags)
        self._create_storage(name, settings, child, tags)
        self._create_function(name, settings, child, tags)
        self._create_alarms(name, settings, child, tags)
        self._create_dashboard(name, settings, child)

        self.topic_arn = self.topic.arn
        self.queue_url = self.queue.url
        self.queue_arn = self.queue.arn
        self.dead_letter_queue_url = self.dead_letter_queue.url
        self.dead_letter_queue_arn = self.dead_letter_queue.arn
        self.subscription_dead_letter_queue_url = self.subscription_dead_letter_queue.url
        self.subscription_dead_letter_queue_arn = self.subscription_dead_letter_queue.arn
        self.table_name = self.table.name
        self.table_arn = self.table.arn
        self.function_name = self.function.name
        self.function_arn = self.function.arn
        self.alarm_topic_arn = self.alarm_topic.arn
        self.dashboard_name = self.dashboard.dashboard_name
        self.register_outputs(self.outputs())

    def outputs(self) -> dict[str, pulumi.Output[Any]]:
        """The values a caller wires next, keyed by their exported names."""
        return {
            "topicArn": self.topic_arn,
            "queueUrl": self.queue_url,
            "queueArn": self.queue_arn,
            "deadLetterQueueUrl": self.dead_letter_queue_url,
            "deadLetterQueueArn": self.dead_letter_queue_arn,
            "subscriptionDeadLetterQueueUrl": self.subscription_dead_letter_queue_url,
            "subscriptionDeadLetterQueueArn": self.subscription_dead_letter_queue_arn,
            "tableName": self.table_name,
            "tableArn": self.table_arn,
            "functionName": self.function_name,
            "functionArn": self.function_arn,
            "alarmTopicArn": self.alarm_topic_arn,
            "dashboardName": self.dashboard_name,
            "dashboardUrl": self.dashboard_url,
            "logGroupName": self.log_group.name,
        }

    def _create_messaging(
        self, name: str, s: PipelineSettings, child: pulumi.ResourceOptions, tags: dict[str, str]
    ) -> None:
        self.topic = aws.sns.Topic(
            f"{name}-topic",
            kms_master_key_id="alias/aws/sns",
            tags=tags,
            opts=child,
        )
        self.topic_policy = aws.sns.TopicPolicy(
            f"{name}-topic-policy",
            arn=self.topic.arn,
            policy=_json(self.topic.arn, build=policies.order_topic_policy),
            opts=child,
        )

        # SQS-managed SSE: SNS cannot deliver to a queue under the AWS-managed
        # alias/aws/sqs key, and this needs no key policy.
        self.dead_letter_queue = aws.sqs.Queue(
            f"{name}-dlq",
            message_retention_seconds=s.dlq_retention_seconds,
            sqs_managed_sse_enabled=True,
            tags=tags,
            opts=child,
        )
        self.queue = aws.sqs.Queue(
            f"{name}-queue",
            visibility_timeout_seconds=s.visibility_timeout_seconds,
            message_retention_seconds=s.message_retention_seconds,
            sqs_managed_sse_enabled=True,
            redrive_policy=_json(
                self.dead_letter_queue.arn,
                s.max_receive_count,
                build=policies.redrive_policy,
            ),
            tags=tags,
            opts=child,
        )
        self.dead_letter_queue_redrive_allow = aws.sqs.RedriveAllowPolicy(
            f"{name}-dlq-redrive-allow",
            queue_url=self.dead_letter_queue.url,
            redrive_allow_policy=_json(self.queue.arn, build=policies.redrive_allow_policy),
            opts=child,
        )
        self.dead_letter_queue_policy = aws.sqs.QueuePolicy(
            f"{name}-dlq-policy",
            queue_url=self.dead_letter_queue.url,
            policy=_json(self.dead_letter_queue.arn, build=policies.dead_letter_queue_policy),
            opts=child,
        )
        # A separate DLQ for what SNS cannot deliver: StartMessageMoveTask accepts only
        # DLQs whose sources are SQS queues, so the order DLQ must be fed by the queue alone.
        self.subscription_dead_letter_queue = aws.sqs.Queue(
            f"{name}-undeliverable",
            message_retention_seconds=s.dlq_retention_seconds,
            sqs_managed_sse_enabled=True,
            tags=tags,
            opts=child,
        )
        self.subscription_dead_letter_queue_policy = aws.sqs.QueuePolicy(
            f"{name}-undeliverable-policy",
            queue_url=self.subscription_dead_letter_queue.url,
            policy=_json(
                self.subscription_dead_letter_queue.arn,
                self.topic.arn,
                build=policies.subscription_dead_letter_queue_policy,
            ),
            opts=child,
        )
        self.queue_policy = aws.sqs.QueuePolicy(
            f"{name}-queue-policy",
            queue_url=self.queue.url,
            policy=_json(self.queue.arn, self.topic.arn, build=policies.order_queue_policy),
            opts=child,
        )
        # Subscribe only once both queues admit the topic, or the first orders are dropped.
        self.subscription = aws.sns.TopicSubscription(
            f"{name}-subscription",
            topic=self.topic.arn,
            protocol="sqs",
            endpoint=self.queue.arn,
            raw_message_delivery=s.raw_message_delivery,
            redrive_policy=_json(
                self.subscription_dead_letter_queue.arn,
                build=policies.subscription_redrive_policy,
            ),
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[self.queue_policy, self.subscription_dead_letter_queue_policy],
            ),
        )

    def _create_storage(
        self, name: str, s: PipelineSettings, child: pulumi.ResourceOptions, tags: dict[str, str]
    ) -> None:
        self.table = aws.dynamodb.Table(
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

    def _create_function(
        self, name: str, s: PipelineSettings, child: pulumi.ResourceOptions, tags: dict[str, str]
    ) -> None:
        # Created here (not implicitly by Lambda) so its retention is ours and the
        # role can be scoped to exactly this group.
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-processor-logs",
            retention_in_days=s.log_retention_days,
            tags=tags,
            opts=child,
        )
        self.role = aws.iam.Role(
            f"{name}-processor-role",
            assume_role_policy=json.dumps(policies.lambda_assume_role_policy(), sort_keys=True),
            tags=tags,
            opts=child,
        )
        self.role_policy = aws.iam.RolePolicy(
            f"{name}-processor-policy",
            role=self.role.id,
            policy=_json(
                self.queue.arn,
                self.table.arn,
                self.log_group.arn,
                build=policies.function_policy,
            ),
            opts=child,
        )
        needs_permissions = pulumi.ResourceOptions(parent=self, depends_on=[self.role_policy])
        self.function = aws.lambda_.Function(
            f"{name}-processor",
            runtime=RUNTIME,
            architectures=[s.architecture],
            handler=HANDLER,
            code=code_archive(),
            role=self.role.arn,
            timeout=s.function_timeout_seconds,
            memory_size=s.memory_mb,
            environment={
                "variables": {
                    "TABLE_NAME": self.table.name,
                    "RAW_MESSAGE_DELIVERY": "true" if s.raw_message_delivery else "false",
                }
            },
            logging_config={
                "log_format": "JSON",
                "log_group": self.log_group.name,
                "application_log_level": "INFO",
                "system_log_level": "WARN",
            },
            tags=tags,
            opts=needs_permissions,
        )
        self.event_source_mapping = aws.lambda_.EventSourceMapping(
            f"{name}-processor-trigger",
            event_source_arn=self.queue.arn,
            function_name=self.function.arn,
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

    def _create_alarms(
        self, name: str, s: PipelineSettings, child: pulumi.ResourceOptions, tags: dict[str, str]
    ) -> None:
        if not (s.alarm_email or s.alarm_topic_arn):
            pulumi.log.warn(no_subscriber_warning(name), resource=self)
        invoke = pulumi.InvokeOptions(parent=self)
        caller = aws.get_caller_identity_output(opts=invoke)
        self.partition = aws.get_partition_output(opts=invoke).partition
        self.region = aws.get_region_output(opts=invoke).region
        alarm_arns = pulumi.Output.all(self.partition, self.region, caller.account_id).apply(
            lambda v: [
                policies.alarm_arn(v[0], v[1], v[2], f"{name}-{suffix}")
                for suffix in ALARM_SUFFIXES
            ]
        )
        self.alarm_key = aws.kms.Key(
            f"{name}-alarm-key",
            description="Encrypts order-pipeline alarm notifications; CloudWatch may use it.",
            enable_key_rotation=True,
            policy=_json(
                caller.account_id, self.partition, alarm_arns, build=policies.alarm_key_policy
            ),
            tags=tags,
            opts=child,
        )
        self.alarm_topic = aws.sns.Topic(
            f"{name}-alarms",
            kms_master_key_id=self.alarm_key.arn,
            tags=tags,
            opts=child,
        )
        self.alarm_topic_policy = aws.sns.TopicPolicy(
            f"{name}-alarms-policy",
            arn=self.alarm_topic.arn,
            policy=_json(self.alarm_topic.arn, alarm_arns, build=policies.alarm_topic_policy),
            opts=child,
        )
        self.alarm_email_subscription = (
            aws.sns.TopicSubscription(
                f"{name}-alarms-email",
                topic=self.alarm_topic.arn,
                protocol="email",
                endpoint=s.alarm_email,
                opts=child,
            )
            if s.alarm_email
            else None
        )
        notify: list[pulumi.Input[str]] = [self.alarm_topic.arn]
        if s.alarm_topic_arn:
            notify.append(s.alarm_topic_arn)

        def alarm(
            suffix: str, description: str, notify_ok: bool = True, **metric: Any
        ) -> aws.cloudwatch.MetricAlarm:
            assert suffix in ALARM_SUFFIXES, suffix  # the policies admit only those
            return aws.cloudwatch.MetricAlarm(
                f"{name}-{suffix}",
                name=f"{name}-{suffix}",
                alarm_description=description,
                evaluation_periods=1,
                treat_missing_data="notBreaching",
                alarm_actions=notify,
                ok_actions=notify if notify_ok else [],
                tags=tags,
                opts=child,
                **metric,
            )

        dlq = {"QueueName": self.dead_letter_queue.name}
        function = {"FunctionName": self.function.name}
        outcomes = {DIMENSION: self.function.name}
        self.dead_letter_alarm = alarm(
            "dlq-not-empty",
            "Orders failed maxReceiveCount times and wait in the DLQ (notifies on the first).",
            namespace="AWS/SQS",
            metric_name="ApproximateNumberOfMessagesVisible",
            dimensions=dlq,
            statistic="Maximum",
            period=ALARM_PERIOD_SECONDS,
            threshold=0,
            comparison_operator="GreaterThanThreshold",
        )
        # ALARM in each minute the DLQ grew, OK (silently) in the next minute it did not:
        # a notification for every new arrival, not only the first. Messages in flight
        # count too, so someone inspecting the DLQ does not look like new arrivals.
        self.dead_letter_arrivals_alarm = alarm(
            "dlq-new-arrivals",
            "More orders arrived in the DLQ during the last minute.",
            metric_queries=[
                *(
                    {
                        "id": query_id,
                        "metric": {
                            "namespace": "AWS/SQS",
                            "metric_name": metric_name,
                            "dimensions": dlq,
                            "period": ALARM_PERIOD_SECONDS,
                            "stat": "Maximum",
                        },
                        "return_data": False,
                    }
                    for query_id, metric_name in (
                        ("visible", "ApproximateNumberOfMessagesVisible"),
                        ("in_flight", "ApproximateNumberOfMessagesNotVisible"),
                    )
                ),
                {
                    "id": "arrivals",
                    "expression": "DIFF(visible + in_flight)",
                    "label": "DLQ depth increase",
                    "return_data": True,
                },
            ],
            threshold=0,
            comparison_operator="GreaterThanThreshold",
            notify_ok=False,
        )
        self.oldest_message_alarm = alarm(
            "queue-backlog-age",
            "Orders wait on the queue longer than the configured threshold.",
            namespace="AWS/SQS",
            metric_name="ApproximateAgeOfOldestMessage",
            dimensions={"QueueName": self.queue.name},
            statistic="Maximum",
            period=ALARM_PERIOD_SECONDS,
            threshold=s.oldest_message_age_alarm_seconds,
            comparison_operator="GreaterThanThreshold",
        )
        self.function_errors_alarm = alarm(
            "function-errors",
            "A whole batch failed: the function raised, timed out or is misconfigured.",
            namespace="AWS/Lambda",
            metric_name="Errors",
            dimensions=function,
            statistic="Sum",
            period=ALARM_PERIOD_SECONDS,
            threshold=0,
            comparison_operator="GreaterThanThreshold",
        )
        self.function_throttles_alarm = alarm(
            "function-throttles",
            "Lambda refused invocations for lack of concurrency.",
            namespace="AWS/Lambda",
            metric_name="Throttles",
            dimensions=function,
            statistic="Sum",
            period=ALARM_PERIOD_SECONDS,
            threshold=0,
            comparison_operator="GreaterThanThreshold",
        )
        self.function_duration_alarm = alarm(
            "function-duration",
            f"An invocation ran longer than {DURATION_ALARM_SHARE_OF_TIMEOUT:.0%} of the "
            "function timeout.",
            namespace="AWS/Lambda",
            metric_name="Duration",
            dimensions=function,
            statistic="Maximum",
            period=ALARM_PERIOD_SECONDS,
            threshold=duration_alarm_ms(s.function_timeout_seconds),
            comparison_operator="GreaterThanThreshold",
        )
        self.failed_orders_alarm = alarm(
            "orders-failed",
            "Order writes failed (DynamoDB errors or throttling); the orders are retried.",
            namespace=NAMESPACE,
            metric_name=METRIC_FOR_OUTCOME[FAILED],
            dimensions=outcomes,
            statistic="Sum",
            period=ORDER_ALARM_PERIOD_SECONDS,
            threshold=s.failed_orders_alarm_threshold,
            comparison_operator="GreaterThanOrEqualToThreshold",
        )
        self.rejected_orders_alarm = alarm(
            "orders-rejected",
            "Invalid orders were rejected: a publisher sends orders the pipeline cannot store.",
            namespace=NAMESPACE,
            metric_name=METRIC_FOR_OUTCOME[REJECTED],
            dimensions=outcomes,
            statistic="Sum",
            period=ORDER_ALARM_PERIOD_SECONDS,
            threshold=s.rejected_orders_alarm_threshold,
            comparison_operator="GreaterThanOrEqualToThreshold",
        )
        self.alarms = [
            self.dead_letter_alarm,
            self.dead_letter_arrivals_alarm,
            self.oldest_message_alarm,
            self.function_errors_alarm,
            self.function_throttles_alarm,
            self.function_duration_alarm,
            self.failed_orders_alarm,
            self.rejected_orders_alarm,
        ]

    def _create_dashboard(
        self, name: str, s: PipelineSettings, child: pulumi.ResourceOptions
    ) -> None:
        def body(values: list[Any]) -> str:
            region, queue, dlq, function, mapping, table, *alarm_arns = values
            targets = DashboardTargets(
                region=region,
                queue_name=queue,
                dead_letter_queue_name=dlq,
                function_name=function,
                event_source_mapping_uuid=mapping,
                table_name=table,
                function_timeout_ms=s.function_timeout_seconds * 1000,
                duration_alarm_ms=duration_alarm_ms(s.function_timeout_seconds),
                oldest_message_age_alarm_seconds=s.oldest_message_age_alarm_seconds,
                alarm_arns=tuple(alarm_arns),
            )
            return json.dumps(dashboard_body(targets), sort_keys=True)

        self.dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=name,
            dashboard_body=pulumi.Output.all(
                self.region,
                self.queue.name,
                self.dead_letter_queue.name,
                self.function.name,
                self.event_source_mapping.uuid,
                self.table.name,
                *(a.arn for a in self.alarms),
            ).apply(body),
            opts=child,
        )
        self.dashboard_url = pulumi.Output.all(self.partition, self.region).apply(
            lambda v: console_url(v[0], v[1], name)
        )
