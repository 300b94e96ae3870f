"""What the local cloud deliberately does not emulate, and why: the one list, printed at deploy.

Keyed by the Pulumi type token of the resource whose behaviour is (partly) missing;
`describe()` picks the entries for the types a deployment actually registered.
"""

from __future__ import annotations

import platform
import sys

NOT_EMULATED: dict[str, str] = {
    "aws:lambda/eventSourceMapping:EventSourceMapping": (
        "not created in moto: moto's own SQS poller needs Docker to run code, ignores "
        "batchItemFailures and deletes messages itself. Its settings (batch size, batching "
        "window, maximum concurrency, response types) drive localcloud's trigger instead; "
        "its metricsConfig (event source mapping metrics) is recorded, no metrics are published."
    ),
    "aws:lambda/function:Function": (
        "stored in moto with its package and configuration, but moto cannot run it without "
        "Docker: localcloud runs the deployed package in a worker process on this machine's "
        "Python {python} ({machine}), not the declared runtime/architecture image; memorySize "
        "is passed to the context but not enforced; loggingConfig is kept by localcloud "
        "(moto drops it)."
    ),
    "aws:cloudwatch/logGroup:LogGroup": (
        "created with its retention; the function's log lines are written to it (one stream "
        "per worker process, timestamped when the invocation ends), as Lambda writes them."
    ),
    "aws:cloudwatch/metricAlarm:MetricAlarm": (
        "created with its settings (metric math included) but never evaluated: moto publishes "
        "no SQS or Lambda metrics and turns no log line into a metric, so no alarm changes "
        "state or notifies anyone. Each invocation's order outcome counts (what the "
        "order alarms count on AWS) are printed instead."
    ),
    "aws:cloudwatch/dashboard:Dashboard": (
        "stored with its body, which the graph tests check; with no metrics in moto every "
        "widget would be empty."
    ),
    "aws:sns/topicSubscription:TopicSubscription": (
        "SQS subscriptions deliver for real (incl. raw message delivery); an e-mail "
        "subscription (alarmEmail) is recorded but no e-mail is sent or confirmed."
    ),
    "aws:iam/rolePolicy:RolePolicy": (
        "stored but not enforced: moto does not authorize requests, so least privilege is "
        "checked by the policy tests, not by the local cloud."
    ),
    "aws:sqs/queuePolicy:QueuePolicy": (
        "stored but not enforced (SNS-only SendMessage, TLS-only access): the emulator is "
        "plain HTTP on 127.0.0.1 and authorizes every request."
    ),
    "aws:sns/topicPolicy:TopicPolicy": "stored but not enforced (TLS-only publish), as above.",
    "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy": (
        "accepted by moto but neither returned by GetQueueAttributes nor enforced."
    ),
    "aws:kms/key:Key": (
        "created with its policy and rotation flag; SSE settings on the topic, queues and "
        "table are recorded, nothing is actually encrypted."
    ),
    "aws:dynamodb/table:Table": (
        "point-in-time recovery and deletion protection are set in moto; no backups are taken."
    ),
}


def describe(types: set[str]) -> list[tuple[str, str]]:
    """(type, reason) for each registered type that has an entry, in the list's order."""
    details = {"python": platform.python_version(), "machine": platform.machine() or sys.platform}
    return [(t, reason.format(**details)) for t, reason in NOT_EMULATED.items() if t in types]
