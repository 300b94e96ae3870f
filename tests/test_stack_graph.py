"""The real __main__.py, run per stack under Pulumi mocks with the real stack files.

Expected values come from the stack files (through `settings` in conftest), never
from numbers repeated here.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from fake_aws import ACCOUNT, REGION
from order_pipeline import PipelineSettings
from order_pipeline.lambda_package import HANDLER

from harness.program import ProgramRun, RegisteredResource
from harness.resource_types import (
    ALARM,
    DASHBOARD,
    FUNCTION,
    KEY,
    LOG_GROUP,
    QUEUE,
    QUEUE_POLICY,
    REDRIVE_ALLOW,
    ROLE,
    ROLE_POLICY,
    SUBSCRIPTION,
    TABLE,
    TOPIC,
    TOPIC_POLICY,
    TRIGGER,
)

COMPONENT = "order-pipeline:index:OrderPipeline"

EXPECTED_COUNTS = {
    COMPONENT: 1,
    TOPIC: 2,  # orders, alarms
    TOPIC_POLICY: 2,
    SUBSCRIPTION: 1,  # queue (alarm e-mail only when configured)
    QUEUE: 3,  # main, dead-letter, the subscription's dead-letter ("undeliverable")
    QUEUE_POLICY: 3,
    REDRIVE_ALLOW: 1,
    TABLE: 1,
    LOG_GROUP: 1,
    ROLE: 1,
    ROLE_POLICY: 1,
    FUNCTION: 1,
    TRIGGER: 1,
    ALARM: 10,  # see test_alarms.py
    DASHBOARD: 1,
    KEY: 1,
}


def policy(resource: RegisteredResource, prop: str = "policy") -> dict[str, Any]:
    document = json.loads(resource.inputs[prop])
    assert isinstance(document, dict)
    return document


def statements(resource: RegisteredResource) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in policy(resource)["Statement"]}


def assert_denies_insecure_transport(resource: RegisteredResource, service: str, arn: str) -> None:
    deny = statements(resource)["DenyInsecureTransport"]
    assert deny == {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": f"{service}:*",
        "Resource": arn,
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def test_resource_count_and_types(run: ProgramRun) -> None:
    assert Counter(r.type for r in run.resources) == Counter(EXPECTED_COUNTS)
    assert len(run.resources) == sum(EXPECTED_COUNTS.values()) == 31


def test_every_resource_is_a_child_of_the_component(run: ProgramRun) -> None:
    component = run.one(COMPONENT)
    assert component.parent_urn.endswith("::pulumi:pulumi:Stack::order-pipeline-" + run.stack)
    for resource in run.resources:
        if resource is not component:
            assert resource.parent_urn == component.urn, resource.name
            assert f"{COMPONENT}${resource.type}::" in resource.urn


def test_order_topic_is_encrypted_and_tls_only(run: ProgramRun) -> None:
    topic = run.one(TOPIC, "-topic")
    assert topic.inputs["kmsMasterKeyId"] == "alias/aws/sns"
    topic_policy = run.one(TOPIC_POLICY, "-topic-policy")
    assert topic_policy.inputs["arn"] == topic.outputs["arn"]
    assert len(policy(topic_policy)["Statement"]) == 1
    assert_denies_insecure_transport(topic_policy, "sns", topic.outputs["arn"])


def test_queues_retention_encryption_and_redrive(
    run: ProgramRun, settings: PipelineSettings
) -> None:
    queue = run.one(QUEUE, "-queue")
    dlq = run.one(QUEUE, "-dlq")
    assert queue.inputs["sqsManagedSseEnabled"] is True
    assert dlq.inputs["sqsManagedSseEnabled"] is True
    assert "kmsMasterKeyId" not in queue.inputs  # SNS cannot deliver under alias/aws/sqs
    assert queue.inputs["visibilityTimeoutSeconds"] == settings.visibility_timeout_seconds
    assert queue.inputs["messageRetentionSeconds"] == settings.message_retention_seconds
    assert dlq.inputs["messageRetentionSeconds"] == settings.dlq_retention_seconds
    assert dlq.inputs["messageRetentionSeconds"] > queue.inputs["messageRetentionSeconds"]
    assert "redrivePolicy" not in dlq.inputs
    # The subscription's dead-letter queue: same retention and encryption, no redrive of its own.
    undeliverable = run.one(QUEUE, "-undeliverable")
    assert undeliverable.inputs["sqsManagedSseEnabled"] is True
    assert undeliverable.inputs["messageRetentionSeconds"] == settings.dlq_retention_seconds
    assert "redrivePolicy" not in undeliverable.inputs
    assert json.loads(queue.inputs["redrivePolicy"]) == {
        "deadLetterTargetArn": dlq.outputs["arn"],
        "maxReceiveCount": settings.max_receive_count,
    }
    allow = run.one(REDRIVE_ALLOW)
    assert allow.inputs["queueUrl"] == dlq.outputs["url"]
    assert json.loads(allow.inputs["redriveAllowPolicy"]) == {
        "redrivePermission": "byQueue",
        "sourceQueueArns": [queue.outputs["arn"]],
    }


def test_queue_policy_admits_only_this_topic(run: ProgramRun) -> None:
    queue = run.one(QUEUE, "-queue")
    topic = run.one(TOPIC, "-topic")
    queue_policy = run.one(QUEUE_POLICY, "-queue-policy")
    assert queue_policy.inputs["queueUrl"] == queue.outputs["url"]
    allow = statements(queue_policy)["OrderTopicOnly"]
    assert allow == {
        "Sid": "OrderTopicOnly",
        "Effect": "Allow",
        "Principal": {"Service": "sns.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": queue.outputs["arn"],
        "Condition": {"ArnEquals": {"aws:SourceArn": topic.outputs["arn"]}},
    }
    assert len(policy(queue_policy)["Statement"]) == 2
    assert_denies_insecure_transport(queue_policy, "sqs", queue.outputs["arn"])

    # The order DLQ is fed by the queue's redrive only (SQS needs no grant for that), so
    # StartMessageMoveTask accepts it; its policy only requires TLS.
    dlq = run.one(QUEUE, "-dlq")
    dlq_policy = run.one(QUEUE_POLICY, "-dlq-policy")
    assert dlq_policy.inputs["queueUrl"] == dlq.outputs["url"]
    assert len(policy(dlq_policy)["Statement"]) == 1
    assert_denies_insecure_transport(dlq_policy, "sqs", dlq.outputs["arn"])

    # What SNS could not deliver to the queue lands in a queue of its own, from this topic only.
    undeliverable = run.one(QUEUE, "-undeliverable")
    undeliverable_policy = run.one(QUEUE_POLICY, "-undeliverable-policy")
    assert undeliverable_policy.inputs["queueUrl"] == undeliverable.outputs["url"]
    assert statements(undeliverable_policy)["UndeliverableFromOrderTopic"] == {
        "Sid": "UndeliverableFromOrderTopic",
        "Effect": "Allow",
        "Principal": {"Service": "sns.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": undeliverable.outputs["arn"],
        "Condition": {"ArnEquals": {"aws:SourceArn": topic.outputs["arn"]}},
    }
    assert len(policy(undeliverable_policy)["Statement"]) == 2
    assert_denies_insecure_transport(undeliverable_policy, "sqs", undeliverable.outputs["arn"])


def test_subscription_delivers_topic_to_queue(run: ProgramRun, settings: PipelineSettings) -> None:
    subscription = run.one(SUBSCRIPTION, "-subscription")
    assert subscription.inputs["protocol"] == "sqs"
    assert subscription.inputs["topic"] == run.one(TOPIC, "-topic").outputs["arn"]
    assert subscription.inputs["endpoint"] == run.one(QUEUE, "-queue").outputs["arn"]
    assert subscription.inputs["rawMessageDelivery"] is settings.raw_message_delivery
    # What SNS cannot deliver goes to its own dead-letter queue instead of being dropped.
    assert json.loads(subscription.inputs["redrivePolicy"]) == {
        "deadLetterTargetArn": run.one(QUEUE, "-undeliverable").outputs["arn"]
    }
    # Subscribed only once the queue policies let the topic send.
    assert run.one(QUEUE_POLICY, "-queue-policy").urn in subscription.dependencies
    assert run.one(QUEUE_POLICY, "-undeliverable-policy").urn in subscription.dependencies


def test_table(run: ProgramRun, settings: PipelineSettings) -> None:
    table = run.one(TABLE)
    assert table.inputs["hashKey"] == "orderId"
    assert table.inputs["attributes"] == [{"name": "orderId", "type": "S"}]
    assert "rangeKey" not in table.inputs
    assert table.inputs["billingMode"] == "PAY_PER_REQUEST"
    assert table.inputs["serverSideEncryption"] == {"enabled": True}
    assert table.inputs["pointInTimeRecovery"] == {"enabled": settings.point_in_time_recovery}
    assert table.inputs["deletionProtectionEnabled"] is settings.deletion_protection


def test_role_trusts_lambda_only_and_has_no_managed_policies(run: ProgramRun) -> None:
    role = run.one(ROLE)
    assert policy(role, "assumeRolePolicy")["Statement"] == [
        {
            "Sid": "LambdaServiceOnly",
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ]
    assert "managedPolicyArns" not in role.inputs
    assert not [r for r in run.resources if "policyAttachment" in r.type.lower()]


def test_function_policy_is_least_privilege(run: ProgramRun) -> None:
    role_policy = run.one(ROLE_POLICY)
    assert role_policy.inputs["role"] == run.one(ROLE).id
    queue_arn = run.one(QUEUE, "-queue").outputs["arn"]
    table_arn = run.one(TABLE).outputs["arn"]
    log_group_arn = run.one(LOG_GROUP).outputs["arn"]
    document = policy(role_policy)
    assert [
        (s["Sid"], s["Effect"], sorted(s["Action"]), s["Resource"]) for s in document["Statement"]
    ] == [
        (
            "ConsumeOrderQueue",
            "Allow",
            ["sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"],
            queue_arn,
        ),
        ("WriteOrdersTable", "Allow", ["dynamodb:PutItem"], table_arn),
        (
            "WriteFunctionLogs",
            "Allow",
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            f"{log_group_arn}:log-stream:*",
        ),
    ]
    # The provider's log group ARN has no ":*"; streams are addressed below the group.
    assert re.fullmatch(
        r"arn:aws:logs:[a-z0-9-]+:\d{12}:log-group:[^:*]+:log-stream:\*",
        document["Statement"][2]["Resource"],
    )
    for statement in document["Statement"]:
        assert set(statement) == {"Sid", "Effect", "Action", "Resource"}
        assert all("*" not in action for action in statement["Action"])
        assert statement["Resource"] != "*" and not statement["Resource"].startswith("*")


def test_log_group_and_json_logging(run: ProgramRun, settings: PipelineSettings) -> None:
    log_group = run.one(LOG_GROUP)
    assert log_group.inputs["retentionInDays"] == settings.log_retention_days
    function = run.one(FUNCTION)
    assert function.inputs["loggingConfig"] == {
        "logFormat": "JSON",
        "logGroup": log_group.outputs["name"],
        "applicationLogLevel": "INFO",
        "systemLogLevel": "WARN",
    }


def test_function(run: ProgramRun, settings: PipelineSettings) -> None:
    function = run.one(FUNCTION)
    runtime = function.inputs["runtime"]
    assert runtime.startswith("python3.")
    assert int(runtime.removeprefix("python3.")) >= 12
    assert function.inputs["architectures"] == [settings.architecture]
    assert function.inputs["timeout"] == settings.function_timeout_seconds
    assert function.inputs["memorySize"] == settings.memory_mb
    assert function.inputs["handler"] == HANDLER == "handler.index.lambda_handler"
    assert function.inputs["role"] == run.one(ROLE).outputs["arn"]
    assert function.inputs["environment"] == {
        "variables": {
            "TABLE_NAME": run.one(TABLE).outputs["name"],
            "RAW_MESSAGE_DELIVERY": "true" if settings.raw_message_delivery else "false",
        }
    }
    assert run.one(ROLE_POLICY).urn in function.dependencies


def test_sqs_trigger(run: ProgramRun, settings: PipelineSettings) -> None:
    trigger = run.one(TRIGGER)
    assert trigger.inputs["eventSourceArn"] == run.one(QUEUE, "-queue").outputs["arn"]
    assert trigger.inputs["functionName"] == run.one(FUNCTION).outputs["arn"]
    assert trigger.inputs["batchSize"] == settings.batch_size
    assert trigger.inputs["maximumBatchingWindowInSeconds"] == settings.batching_window_seconds
    assert trigger.inputs["functionResponseTypes"] == ["ReportBatchItemFailures"]
    # Event source mapping metrics (PolledEventCount, InvokedEventCount, ...) are on.
    assert trigger.inputs["metricsConfig"] == {"metrics": ["EventCount"]}
    if settings.maximum_concurrency:
        assert trigger.inputs["scalingConfig"] == {
            "maximumConcurrency": settings.maximum_concurrency
        }
    else:
        assert "scalingConfig" not in trigger.inputs
    # The trigger must not start polling before the role may read the queue.
    assert run.one(ROLE_POLICY).urn in trigger.dependencies


def test_alarm_topic_uses_a_key_cloudwatch_may_use(run: ProgramRun) -> None:
    key = run.one(KEY)
    alarm_topic = run.one(TOPIC, "-alarms")
    # Not the AWS-managed SNS key: CloudWatch cannot publish to a topic under it.
    assert alarm_topic.inputs["kmsMasterKeyId"] == key.outputs["arn"]
    assert key.inputs["enableKeyRotation"] is True
    # CloudWatch may use the key and publish to the topic only for this stack's own alarms:
    # their ARNs are exactly the ARNs of the alarms the program registered.
    only_these_alarms = {
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
        "ArnEquals": {"aws:SourceArn": sorted(a.outputs["arn"] for a in run.of_type(ALARM))},
    }
    grant = statements(key)["CloudWatchPublishesEncryptedAlarms"]
    assert grant["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert sorted(grant["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey*"]
    assert grant["Condition"] == only_these_alarms
    assert statements(key)["AccountAdministersKey"]["Principal"] == {
        "AWS": f"arn:aws:iam::{ACCOUNT}:root"
    }

    topic_policy = run.one(TOPIC_POLICY, "-alarms-policy")
    publish = statements(topic_policy)["CloudWatchAlarmsOfThisPipeline"]
    assert publish["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert publish["Action"] == "sns:Publish"
    assert publish["Resource"] == alarm_topic.outputs["arn"]
    assert publish["Condition"] == only_these_alarms
    assert len(policy(topic_policy)["Statement"]) == 2
    assert_denies_insecure_transport(topic_policy, "sns", alarm_topic.outputs["arn"])


def test_outputs_are_exported_and_point_at_the_resources(run: ProgramRun) -> None:
    assert run.outputs == {
        "topicArn": run.one(TOPIC, "-topic").outputs["arn"],
        "queueUrl": run.one(QUEUE, "-queue").outputs["url"],
        "queueArn": run.one(QUEUE, "-queue").outputs["arn"],
        "deadLetterQueueUrl": run.one(QUEUE, "-dlq").outputs["url"],
        "deadLetterQueueArn": run.one(QUEUE, "-dlq").outputs["arn"],
        "subscriptionDeadLetterQueueUrl": run.one(QUEUE, "-undeliverable").outputs["url"],
        "subscriptionDeadLetterQueueArn": run.one(QUEUE, "-undeliverable").outputs["arn"],
        "tableName": run.one(TABLE).outputs["name"],
        "tableArn": run.one(TABLE).outputs["arn"],
        "functionName": run.one(FUNCTION).outputs["name"],
        "functionArn": run.one(FUNCTION).outputs["arn"],
        "alarmTopicArn": run.one(TOPIC, "-alarms").outputs["arn"],
        "dashboardName": run.one(DASHBOARD).inputs["dashboardName"],
        "dashboardUrl": (
            f"https://console.aws.amazon.com/cloudwatch/home?region={REGION}"
            f"#dashboards/dashboard/{run.one(DASHBOARD).inputs['dashboardName']}"
        ),
        "logGroupName": run.one(LOG_GROUP).outputs["name"],
    }
