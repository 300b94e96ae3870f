"""OrderPipeline: SNS topic -> SQS queue (+ DLQ) -> Lambda -> DynamoDB, with alarms."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws

from . import policies
from .lambda_package import HANDLER, code_archive
from .settings import PipelineSettings

COMPONENT_TYPE = "order-pipeline:index:OrderPipeline"
RUNTIME = "python3.13"


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
            opts=needs_permissions,
        )

    def _create_alarms(
        self, name: str, s: PipelineSettings, child: pulumi.ResourceOptions, tags: dict[str, str]
    ) -> None:
        caller = aws.get_caller_identity_output(opts=pulumi.InvokeOptions(parent=self))
        partition = aws.get_partition_output(opts=pulumi.InvokeOptions(parent=self))
        self.alarm_key = aws.kms.Key(
            f"{name}-alarm-key",
            description="Encrypts order-pipeline alarm notifications; CloudWatch may use it.",
            enable_key_rotation=True,
            policy=_json(caller.account_id, partition.partition, build=policies.alarm_key_policy),
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
            policy=_json(self.alarm_topic.arn, build=policies.alarm_topic_policy),
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
        notify = [self.alarm_topic.arn]
        self.dead_letter_alarm = aws.cloudwatch.MetricAlarm(
            f"{name}-dlq-not-empty",
            alarm_description="Orders failed maxReceiveCount times and wait in the DLQ.",
            namespace="AWS/SQS",
            metric_name="ApproximateNumberOfMessagesVisible",
            dimensions={"QueueName": self.dead_letter_queue.name},
            statistic="Maximum",
            period=60,
            evaluation_periods=1,
            threshold=0,
            comparison_operator="GreaterThanThreshold",
            treat_missing_data="notBreaching",
            alarm_actions=notify,
            ok_actions=notify,
            tags=tags,
            opts=child,
        )
        self.oldest_message_alarm = aws.cloudwatch.MetricAlarm(
            f"{name}-queue-backlog-age",
            alarm_description="Orders wait on the queue longer than the configured threshold.",
            namespace="AWS/SQS",
            metric_name="ApproximateAgeOfOldestMessage",
            dimensions={"QueueName": self.queue.name},
            statistic="Maximum",
            period=60,
            evaluation_periods=1,
            threshold=s.oldest_message_age_alarm_seconds,
            comparison_operator="GreaterThanThreshold",
            treat_missing_data="notBreaching",
            alarm_actions=notify,
            ok_actions=notify,
            tags=tags,
            opts=child,
        )
