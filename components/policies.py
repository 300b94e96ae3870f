"""IAM, resource and key policy documents as plain data.

Every function here is pure: it takes resolved ARNs and returns a dict, so tests
read the exact statements without running Pulumi. The function's policy names
exact actions on exact ARNs; elsewhere wildcards appear only in Deny statements
(which can only take access away) and in the alarm key's policy.
"""

from __future__ import annotations

from typing import Any

Policy = dict[str, Any]

VERSION = "2012-10-17"

# The function's SQS trigger (the event source mapping) uses the function's role.
QUEUE_CONSUMER_ACTIONS = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
# One conditional PutItem per record; ReturnValues=ALL_OLD needs no further permission.
TABLE_WRITER_ACTIONS = ["dynamodb:PutItem"]
# The log group is created by the component, so the function never needs logs:CreateLogGroup.
LOG_WRITER_ACTIONS = ["logs:CreateLogStream", "logs:PutLogEvents"]


def _deny_insecure_transport(service: str, resource_arn: str) -> dict[str, Any]:
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": f"{service}:*",
        "Resource": resource_arn,
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def _allow_topic_to_send(sid: str, queue_arn: str, topic_arn: str) -> dict[str, Any]:
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"Service": "sns.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": queue_arn,
        "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},
    }


def account_of(arn: str) -> str:
    """The account id field of an ARN (arn:partition:service:region:account:resource)."""
    parts = arn.split(":")
    if len(parts) < 6 or not parts[4]:
        raise ValueError(f"not an ARN with an account id: {arn!r}")
    return parts[4]


def lambda_assume_role_policy() -> Policy:
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Sid": "LambdaServiceOnly",
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def function_policy(queue_arn: str, table_arn: str, log_group_arn: str) -> Policy:
    """What the order processor and its SQS trigger need, each on its one ARN."""
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Sid": "ConsumeOrderQueue",
                "Effect": "Allow",
                "Action": QUEUE_CONSUMER_ACTIONS,
                "Resource": queue_arn,
            },
            {
                "Sid": "WriteOrdersTable",
                "Effect": "Allow",
                "Action": TABLE_WRITER_ACTIONS,
                "Resource": table_arn,
            },
            {
                "Sid": "WriteFunctionLogs",
                "Effect": "Allow",
                "Action": LOG_WRITER_ACTIONS,
                # Log streams live under the group: arn:...:log-group:NAME:log-stream:STREAM.
                "Resource": f"{log_group_arn}:log-stream:*",
            },
        ],
    }


def order_topic_policy(topic_arn: str) -> Policy:
    # Publishers in the owning account are authorised by their own IAM policies;
    # the topic policy only adds the TLS requirement.
    return {"Version": VERSION, "Statement": [_deny_insecure_transport("sns", topic_arn)]}


def order_queue_policy(queue_arn: str, topic_arn: str) -> Policy:
    return {
        "Version": VERSION,
        "Statement": [
            _allow_topic_to_send("OrderTopicOnly", queue_arn, topic_arn),
            _deny_insecure_transport("sqs", queue_arn),
        ],
    }


def dead_letter_queue_policy(dead_letter_queue_arn: str) -> Policy:
    # Fed only by the order queue's redrive (SQS itself, no grant needed), so the
    # native DLQ redrive (StartMessageMoveTask) accepts it.
    return {
        "Version": VERSION,
        "Statement": [_deny_insecure_transport("sqs", dead_letter_queue_arn)],
    }


def subscription_dead_letter_queue_policy(queue_arn: str, topic_arn: str) -> Policy:
    # The subscription's own dead-letter target: a message SNS cannot deliver to the
    # order queue (policy or queue trouble) lands here instead of being dropped.
    return {
        "Version": VERSION,
        "Statement": [
            _allow_topic_to_send("UndeliverableFromOrderTopic", queue_arn, topic_arn),
            _deny_insecure_transport("sqs", queue_arn),
        ],
    }


def subscription_redrive_policy(dead_letter_queue_arn: str) -> Policy:
    return {"deadLetterTargetArn": dead_letter_queue_arn}


def redrive_policy(dead_letter_queue_arn: str, max_receive_count: int) -> Policy:
    return {"deadLetterTargetArn": dead_letter_queue_arn, "maxReceiveCount": max_receive_count}


def redrive_allow_policy(source_queue_arn: str) -> Policy:
    return {"redrivePermission": "byQueue", "sourceQueueArns": [source_queue_arn]}


def alarm_arn(partition: str, region: str, account_id: str, alarm_name: str) -> str:
    """A CloudWatch alarm's ARN, known before the alarm exists (the alarms have fixed names)."""
    return f"arn:{partition}:cloudwatch:{region}:{account_id}:alarm:{alarm_name}"


def _from_these_alarms(account_id: str, alarm_arns: list[str]) -> dict[str, Any]:
    # CloudWatch calls SNS (and KMS for the topic's key) with the alarm's ARN as
    # aws:SourceArn, so naming our alarms keeps every other alarm of the account out.
    return {
        "StringEquals": {"aws:SourceAccount": account_id},
        "ArnEquals": {"aws:SourceArn": sorted(alarm_arns)},
    }


def alarm_topic_policy(alarm_topic_arn: str, alarm_arns: list[str]) -> Policy:
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Sid": "CloudWatchAlarmsOfThisPipeline",
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": "sns:Publish",
                "Resource": alarm_topic_arn,
                "Condition": _from_these_alarms(account_of(alarm_topic_arn), alarm_arns),
            },
            _deny_insecure_transport("sns", alarm_topic_arn),
        ],
    }


def alarm_key_policy(account_id: str, partition: str, alarm_arns: list[str]) -> Policy:
    """Key policy for the alarm topic's customer-managed key.

    CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key
    (its policy cannot be changed to admit cloudwatch.amazonaws.com), so the
    alarm topic gets its own key. In a key policy "Resource": "*" means this key.
    """
    return {
        "Version": VERSION,
        "Statement": [
            {
                # Without an account-root statement a key can become unmanageable.
                "Sid": "AccountAdministersKey",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "CloudWatchPublishesEncryptedAlarms",
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
                "Condition": _from_these_alarms(account_id, alarm_arns),
            },
        ],
    }
