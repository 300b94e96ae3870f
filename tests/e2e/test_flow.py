"""The happy path and the guarantees around it, through the locally deployed dev stack."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import time
import zipfile
from decimal import Decimal

import pytest
from order_pipeline.lambda_package import code_archive
from order_pipeline.pipeline import ALARM_SUFFIXES, duration_alarm_ms

from harness.moto_internals import queue_event_source_mappings
from harness.orders import SEED
from harness.stack_files import load_stack_config
from localcloud.code_package import zip_archive
from localcloud.deploy import deploy
from localcloud.emulator import Emulator
from localcloud.provisioner import UnhandledPropertyError, check_properties

from .conftest import HERE, local_cloud, sns_message_id, wait_for


def test_sns_publish_stores_the_order(cloud) -> None:
    local, recorder = cloud
    local.start_triggers()
    local.publish(SEED)
    item = wait_for(lambda: local.item("O1234"), 15, "the seed order in the table")
    assert {k: item[k] for k in SEED} == {**SEED, "quantity": Decimal(1)}
    assert {"eventTimeUtc", "eventDigest"} <= set(item)
    # The item can be visible before the trigger has recorded the invocation's outcome.
    (outcome,) = wait_for(recorder.snapshot, 5, "the invocation's outcome")
    assert outcome.invocation.ok and outcome.failed_ids == []
    assert outcome.deleted_ids == outcome.record_ids
    wait_for(lambda: not local.queue_messages(), 5, "the queue to be empty")


def test_the_function_runs_the_deployed_package(cloud) -> None:
    """The runtime's files are the zip of the component's code archive, as moto holds it."""
    local, _ = cloud
    runtime = local.trigger.runtime
    expected = zip_archive(code_archive())
    deployed = local.emulator.deployed_code(runtime.config.name)
    assert deployed == expected
    assert (
        runtime.config.code_sha256 == base64.b64encode(hashlib.sha256(expected).digest()).decode()
    )
    with zipfile.ZipFile(io.BytesIO(expected)) as package:
        names = sorted(package.namelist())
    on_disk = sorted(
        p.relative_to(runtime.task_root).as_posix()
        for p in runtime.task_root.rglob("*")
        if p.is_file()
    )
    assert on_disk == names
    assert runtime.config.handler == "handler.index.lambda_handler"
    env = runtime.worker_environment("stream")
    assert env["TABLE_NAME"] == local.outputs["tableName"]
    assert env["RAW_MESSAGE_DELIVERY"] == "false"
    assert env["AWS_ENDPOINT_URL"] == local.emulator.endpoint
    assert env["AWS_REGION"] == "us-east-1"


def test_duplicates_and_out_of_order_updates_leave_the_newest_state(cloud) -> None:
    local, recorder = cloud
    older = {**SEED, "status": "cancelled", "timestamp": "2025-05-03T11:00:00Z"}
    newer = {**SEED, "status": "shipped", "timestamp": "2025-05-03T13:00:00Z"}
    other = {**SEED, "orderId": "O5678", "itemName": "Phone"}
    # Newest first, then older versions and duplicates: the arrival order must not matter.
    for order in (newer, SEED, older, SEED, newer, other):
        local.publish(order)
    local.start_triggers()
    wait_for(lambda: local.trigger.stats.deleted == 6, 20, "all six deliveries processed")
    items = local.items()
    assert [i["orderId"] for i in items] == ["O1234", "O5678"]
    assert {k: items[0][k] for k in newer} == {**newer, "quantity": Decimal(1)}
    assert items[1]["itemName"] == "Phone"
    assert all(not o.failed_ids for o in recorder.snapshot())


def test_moto_never_consumes_or_deletes_messages_itself(cloud) -> None:
    local, recorder = cloud
    # No event source mapping exists in moto, neither through its API nor on the queue.
    assert local.client("lambda").list_event_source_mappings()["EventSourceMappings"] == []
    queue_name = local.outputs["queueUrl"].rsplit("/", 1)[-1]
    account = local.emulator.account_id()
    assert queue_event_source_mappings(account, "us-east-1", queue_name) == {}

    # With the trigger never started, a published order just waits in the queue.
    local.publish(SEED)
    wait_for(lambda: local.queue_messages(), 5, "the order in the queue")
    time.sleep(1.5)
    (waiting,) = local.queue_messages()
    assert waiting.receive_count == 0 and waiting.visible
    assert local.items() == []

    # Started and stopped again: a later order is left alone as well.
    local.start_triggers()
    wait_for(lambda: local.item("O1234"), 15, "the order processed once the trigger runs")
    local.stop_triggers()
    local.publish({**SEED, "orderId": "O2"})
    time.sleep(1.5)
    (second,) = local.queue_messages()
    assert second.receive_count == 0
    assert sns_message_id(second.body) not in {
        sns_message_id(r["body"]) for o in recorder.snapshot() for r in o.records
    }


def test_an_unknown_input_property_fails_naming_type_and_property() -> None:
    with Emulator() as emulator, pytest.raises(UnhandledPropertyError) as raised:
        deploy(
            emulator,
            load_stack_config("dev"),
            program=HERE / "programs" / "unknown_property" / "__main__.py",
        )
    assert "aws:sqs/queue:Queue" in str(raised.value)
    assert "'fifoQueue'" in str(raised.value)


def test_an_unknown_nested_property_fails_too() -> None:
    with pytest.raises(
        UnhandledPropertyError, match=r"aws:lambda/function:Function.*loggingConfig\.'logSink'"
    ):
        check_properties(
            "aws:lambda/function:Function", {"loggingConfig": {"logFormat": "JSON", "logSink": "x"}}
        )


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_each_stack_deploys_with_its_own_settings(stack: str) -> None:
    expected = load_stack_config(stack).project_values()
    with local_cloud(stack, fast=False) as (local, _):
        o = local.outputs
        sqs = local.client("sqs")
        queue = sqs.get_queue_attributes(QueueUrl=o["queueUrl"], AttributeNames=["All"])[
            "Attributes"
        ]
        assert int(queue["VisibilityTimeout"]) == expected["visibilityTimeoutSeconds"]
        assert int(queue["MessageRetentionPeriod"]) == expected["messageRetentionSeconds"]
        assert queue["SqsManagedSseEnabled"] == "true"
        redrive = json.loads(queue["RedrivePolicy"])
        assert redrive == {
            "deadLetterTargetArn": o["deadLetterQueueArn"],
            "maxReceiveCount": expected["maxReceiveCount"],
        }
        assert "OrderTopicOnly" in queue["Policy"]
        dlq = sqs.get_queue_attributes(QueueUrl=o["deadLetterQueueUrl"], AttributeNames=["All"])[
            "Attributes"
        ]
        assert int(dlq["MessageRetentionPeriod"]) == expected["dlqRetentionSeconds"]
        assert "DenyInsecureTransport" in dlq["Policy"]
        assert "UndeliverableFromOrderTopic" not in dlq["Policy"]  # fed by the queue only

        sns = local.client("sns")
        assert (
            sns.get_topic_attributes(TopicArn=o["topicArn"])["Attributes"]["KmsMasterKeyId"]
            == "alias/aws/sns"
        )
        (subscription,) = sns.list_subscriptions_by_topic(TopicArn=o["topicArn"])["Subscriptions"]
        attributes = sns.get_subscription_attributes(
            SubscriptionArn=subscription["SubscriptionArn"]
        )["Attributes"]
        assert attributes["Endpoint"] == o["queueArn"]
        # Undeliverable messages go to the subscription's own DLQ, not the order DLQ.
        assert json.loads(attributes["RedrivePolicy"]) == {
            "deadLetterTargetArn": o["subscriptionDeadLetterQueueArn"]
        }
        undeliverable = sqs.get_queue_attributes(
            QueueUrl=o["subscriptionDeadLetterQueueUrl"], AttributeNames=["All"]
        )["Attributes"]
        assert int(undeliverable["MessageRetentionPeriod"]) == expected["dlqRetentionSeconds"]
        assert "UndeliverableFromOrderTopic" in undeliverable["Policy"]
        assert attributes["RawMessageDelivery"] == str(expected["rawMessageDelivery"]).lower()

        dynamodb = local.client("dynamodb")
        table = dynamodb.describe_table(TableName=o["tableName"])["Table"]
        assert table["KeySchema"] == [{"AttributeName": "orderId", "KeyType": "HASH"}]
        assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        assert table["DeletionProtectionEnabled"] is expected["deletionProtection"]
        assert table["SSEDescription"]["Status"] == "ENABLED"
        pitr = dynamodb.describe_continuous_backups(TableName=o["tableName"])[
            "ContinuousBackupsDescription"
        ]
        status = pitr["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"]
        assert status == ("ENABLED" if expected["pointInTimeRecovery"] else "DISABLED")

        function = local.client("lambda").get_function_configuration(FunctionName=o["functionName"])
        assert function["Timeout"] == expected["functionTimeoutSeconds"]
        assert function["MemorySize"] == expected["memoryMb"]
        assert function["Architectures"] == [expected["architecture"]]
        assert function["Handler"] == "handler.index.lambda_handler"
        assert function["Environment"]["Variables"] == {
            "TABLE_NAME": o["tableName"],
            "RAW_MESSAGE_DELIVERY": str(expected["rawMessageDelivery"]).lower(),
        }
        role = local.client("iam").get_role(RoleName=function["Role"].rsplit("/", 1)[-1])["Role"]
        (policy_name,) = local.client("iam").list_role_policies(RoleName=role["RoleName"])[
            "PolicyNames"
        ]
        assert policy_name.startswith(f"orders-{stack}-processor-policy")

        logs = local.client("logs").describe_log_groups(
            logGroupNamePrefix=f"orders-{stack}-processor-logs"
        )
        (group,) = logs["logGroups"]
        assert group["retentionInDays"] == expected["logRetentionDays"]

        cloudwatch = local.client("cloudwatch")
        alarms = {a["AlarmName"]: a for a in cloudwatch.describe_alarms()["MetricAlarms"]}
        assert sorted(alarms) == sorted(f"orders-{stack}-{suffix}" for suffix in ALARM_SUFFIXES)
        assert all(a["AlarmActions"] == [o["alarmTopicArn"]] for a in alarms.values())
        arrivals = alarms[f"orders-{stack}-dlq-new-arrivals"]["Metrics"]
        assert [(m["Id"], m["ReturnData"]) for m in arrivals] == [
            ("visible", False),
            ("in_flight", False),
            ("arrivals", True),
        ]
        assert alarms[f"orders-{stack}-function-duration"]["Threshold"] == duration_alarm_ms(
            expected["functionTimeoutSeconds"]
        )
        dashboard = cloudwatch.get_dashboard(DashboardName=o["dashboardName"])
        assert len(json.loads(dashboard["DashboardBody"])["widgets"]) > 1
        key_id = sns.get_topic_attributes(TopicArn=o["alarmTopicArn"])["Attributes"][
            "KmsMasterKeyId"
        ]
        assert (
            local.client("kms").get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True
        )

        spec = local.trigger.spec
        assert spec.batch_size == expected["batchSize"]
        assert spec.batching_window_seconds == expected["batchingWindowSeconds"]
        assert spec.maximum_concurrency == (expected["maximumConcurrency"] or None)
        assert spec.function_response_types == ("ReportBatchItemFailures",)
        assert local.trigger.concurrency == (expected["maximumConcurrency"] or 5)


def test_overrides_reach_the_emulator() -> None:
    with local_cloud("dev", {"rawMessageDelivery": True, "batchSize": 3}) as (local, _):
        o = local.outputs
        sns = local.client("sns")
        (subscription,) = sns.list_subscriptions_by_topic(TopicArn=o["topicArn"])["Subscriptions"]
        attributes = sns.get_subscription_attributes(
            SubscriptionArn=subscription["SubscriptionArn"]
        )["Attributes"]
        assert attributes["RawMessageDelivery"] == "true"
        assert local.trigger.runtime.config.environment["RAW_MESSAGE_DELIVERY"] == "true"
        assert local.trigger.spec.batch_size == 3
        queue = local.client("sqs").get_queue_attributes(
            QueueUrl=o["queueUrl"], AttributeNames=["VisibilityTimeout"]
        )
        assert queue["Attributes"]["VisibilityTimeout"] == "6"
        # And the deployed function agrees with the subscription: a raw order is stored.
        local.start_triggers()
        local.publish(SEED)
        wait_for(lambda: local.item("O1234"), 15, "the raw-delivered order in the table")
