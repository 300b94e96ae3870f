"""Pulumi mocks whose resource hook creates each resource in the emulator.

`EmulatorMocks.new_resource` receives the exact inputs the component produced
(camelCase, as the engine would hand them to the AWS provider), creates the
resource with the AWS API and answers with the provider's outputs (camelCase:
`arn`, `url`, `name`, `keyId`, ...), so every reference between resources
resolves to a real emulator resource.

Every input property a type may carry is listed in HANDLED; anything else fails
the deploy, naming the type and the property, instead of being dropped silently.

The SQS event source mapping is *not* created in moto (see not_emulated.py): its
settings are recorded as a TriggerSpec for localcloud.trigger.
"""

from __future__ import annotations

import json
import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pulumi
from botocore.exceptions import BotoCoreError, ClientError

from harness.resource_types import (
    ALARM,
    CALLER_IDENTITY,
    DASHBOARD,
    FUNCTION,
    KEY,
    LOG_GROUP,
    PARTITION,
    QUEUE,
    QUEUE_POLICY,
    REDRIVE_ALLOW,
    REGION,
    ROLE,
    ROLE_POLICY,
    SUBSCRIPTION,
    TABLE,
    TOPIC,
    TOPIC_POLICY,
    TRIGGER,
)

from .code_package import zip_archive, zip_directory
from .emulator import Emulator

Inputs = dict[str, Any]
Outputs = dict[str, Any]


# Input properties the hook applies, per resource type. Nested objects list their keys
# as "parent.child". Anything not listed here fails loudly.
HANDLED: dict[str, frozenset[str]] = {
    TOPIC: frozenset({"name", "displayName", "kmsMasterKeyId", "tags"}),
    TOPIC_POLICY: frozenset({"arn", "policy"}),
    SUBSCRIPTION: frozenset(
        {
            "topic",
            "protocol",
            "endpoint",
            "rawMessageDelivery",
            "filterPolicy",
            "filterPolicyScope",
            "redrivePolicy",
        }
    ),
    QUEUE: frozenset(
        {
            "name",
            "visibilityTimeoutSeconds",
            "messageRetentionSeconds",
            "maxMessageSize",
            "delaySeconds",
            "receiveWaitTimeSeconds",
            "sqsManagedSseEnabled",
            "kmsMasterKeyId",
            "kmsDataKeyReusePeriodSeconds",
            "redrivePolicy",
            "policy",
            "tags",
        }
    ),
    QUEUE_POLICY: frozenset({"queueUrl", "policy"}),
    REDRIVE_ALLOW: frozenset({"queueUrl", "redriveAllowPolicy"}),
    TABLE: frozenset(
        {
            "name",
            "hashKey",
            "rangeKey",
            "attributes",
            "attributes.name",
            "attributes.type",
            "billingMode",
            "readCapacity",
            "writeCapacity",
            "serverSideEncryption",
            "serverSideEncryption.enabled",
            "serverSideEncryption.kmsKeyArn",
            "pointInTimeRecovery",
            "pointInTimeRecovery.enabled",
            "deletionProtectionEnabled",
            "ttl",
            "ttl.attributeName",
            "ttl.enabled",
            "tags",
        }
    ),
    LOG_GROUP: frozenset({"name", "retentionInDays", "kmsKeyId", "tags"}),
    ROLE: frozenset(
        {"name", "assumeRolePolicy", "description", "path", "maxSessionDuration", "tags"}
    ),
    ROLE_POLICY: frozenset({"name", "role", "policy"}),
    KEY: frozenset(
        {"description", "policy", "enableKeyRotation", "keyUsage", "customerMasterKeySpec", "tags"}
    ),
    FUNCTION: frozenset(
        {
            "name",
            "description",
            "runtime",
            "architectures",
            "handler",
            "code",
            "role",
            "timeout",
            "memorySize",
            "environment",
            "environment.variables",
            "loggingConfig",
            "loggingConfig.logFormat",
            "loggingConfig.logGroup",
            "loggingConfig.applicationLogLevel",
            "loggingConfig.systemLogLevel",
            "tags",
        }
    ),
    TRIGGER: frozenset(
        {
            "eventSourceArn",
            "functionName",
            "batchSize",
            "maximumBatchingWindowInSeconds",
            "scalingConfig",
            "scalingConfig.maximumConcurrency",
            "functionResponseTypes",
            "enabled",
            "metricsConfig",
            "metricsConfig.metrics",
        }
    ),
    ALARM: frozenset(
        {
            "name",
            "alarmDescription",
            "namespace",
            "metricName",
            "dimensions",
            "statistic",
            "extendedStatistic",
            "unit",
            "period",
            "evaluationPeriods",
            "datapointsToAlarm",
            "threshold",
            "comparisonOperator",
            "treatMissingData",
            "actionsEnabled",
            "alarmActions",
            "okActions",
            "insufficientDataActions",
            "metricQueries",
            "metricQueries.id",
            "metricQueries.expression",
            "metricQueries.label",
            "metricQueries.metric",
            "metricQueries.returnData",
            "tags",
        }
    ),
    DASHBOARD: frozenset({"dashboardName", "dashboardBody"}),
}

# Nested objects whose keys are checked (values that are free-form maps, such as tags,
# environment variables or alarm dimensions, are not).
_NESTED = {
    (TABLE, "attributes"),
    (TABLE, "serverSideEncryption"),
    (TABLE, "pointInTimeRecovery"),
    (TABLE, "ttl"),
    (FUNCTION, "environment"),
    (FUNCTION, "loggingConfig"),
    (TRIGGER, "scalingConfig"),
    (TRIGGER, "metricsConfig"),
    (ALARM, "metricQueries"),
}


class ProvisionError(RuntimeError):
    """A resource could not be created in the emulator as declared."""


class UnhandledPropertyError(ProvisionError):
    pass


class UnsupportedResourceError(ProvisionError):
    pass


@dataclass(frozen=True)
class TriggerSpec:
    """An SQS event source mapping as declared, for localcloud.trigger to run."""

    uuid: str
    logical_name: str
    event_source_arn: str
    function_name: str
    batch_size: int
    batching_window_seconds: int
    maximum_concurrency: int | None
    function_response_types: tuple[str, ...]
    enabled: bool


@dataclass(frozen=True)
class FunctionSpec:
    """What localcloud keeps about a deployed function beyond what moto stores."""

    name: str
    arn: str
    logging_config: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CreatedResource:
    type: str
    logical_name: str
    physical_id: str


def check_properties(type_token: str, inputs: Inputs) -> None:
    """Raise UnhandledPropertyError for an input the hook would not apply."""
    handled = HANDLED[type_token]
    for prop, value in inputs.items():
        if prop not in handled:
            raise UnhandledPropertyError(
                f"{type_token}: input property {prop!r} is not applied by the local cloud "
                f"(handled: {sorted(p for p in handled if '.' not in p)}); "
                "teach localcloud/provisioner.py to apply it (HANDLED + the type's applier)"
            )
        if (type_token, prop) in _NESTED and value is not None:
            for item in value if isinstance(value, list) else [value]:
                for key in item:
                    if f"{prop}.{key}" not in handled:
                        raise UnhandledPropertyError(
                            f"{type_token}: input property {prop}.{key!r} is not applied by the "
                            "local cloud"
                        )


def _int(value: Any) -> int:
    """Numbers arrive from the engine as floats (30.0); AWS wants integers."""
    if isinstance(value, bool) or float(value) != int(value):
        raise ValueError(f"expected a whole number, got {value!r}")
    return int(value)


def _bool_text(value: Any) -> str:
    return "true" if value else "false"


def _name_of_arn(arn: str) -> str:
    return arn.rsplit(":", 1)[-1]


def _auto_name(logical: str, inputs: Inputs) -> str:
    # Pulumi's auto-naming: the logical name plus a random 7-character suffix.
    return str(inputs.get("name") or f"{logical}-{secrets.token_hex(4)[:7]}")


class EmulatorMocks(pulumi.runtime.Mocks):
    """Creates every registered resource in the emulator from its exact inputs.

    `code_override`: a directory deployed as the function's `handler` package instead
    of the component's code archive. A test seam only (e.g. a handler that crashes);
    the default path deploys the archive the component built.
    """

    def __init__(
        self,
        emulator: Emulator,
        code_override: Path | None = None,
        echo: Callable[[str], None] = lambda _: None,
    ) -> None:
        self.emulator = emulator
        self.region = emulator.region
        self.code_override = code_override
        self.echo = echo
        self.triggers: list[TriggerSpec] = []
        self.functions: dict[str, FunctionSpec] = {}
        self.created: list[CreatedResource] = []
        # The engine registers independent resources concurrently; one at a time keeps
        # read-modify-write attribute updates (queue policy vs. redrive-allow) correct.
        self._lock = threading.Lock()
        self._appliers: dict[str, Callable[[str, Inputs], tuple[str, Outputs]]] = {
            TOPIC: self._topic,
            TOPIC_POLICY: self._topic_policy,
            SUBSCRIPTION: self._subscription,
            QUEUE: self._queue,
            QUEUE_POLICY: self._queue_policy,
            REDRIVE_ALLOW: self._redrive_allow_policy,
            TABLE: self._table,
            LOG_GROUP: self._log_group,
            ROLE: self._role,
            ROLE_POLICY: self._role_policy,
            KEY: self._key,
            FUNCTION: self._function,
            TRIGGER: self._trigger,
            ALARM: self._alarm,
            DASHBOARD: self._dashboard,
        }
        missing = set(HANDLED) ^ set(self._appliers)
        assert not missing, f"HANDLED and appliers disagree on {missing}"

    def _aws(self, service: str) -> Any:
        return self.emulator.client(service)

    # --- the Mocks interface ---------------------------------------------------------

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, Outputs]:
        if not args.custom:
            return "", {}  # a component: nothing to create
        applier = self._appliers.get(args.typ)
        if applier is None:
            raise UnsupportedResourceError(
                f"{args.typ} ({args.name}): the local cloud cannot create this resource type; "
                f"known types: {sorted(self._appliers)}"
            )
        inputs = dict(args.inputs)
        check_properties(args.typ, inputs)
        with self._lock:
            try:
                resource_id, outputs = applier(args.name, inputs)
            except (ClientError, BotoCoreError, ValueError, KeyError) as error:
                raise ProvisionError(f"{args.typ} ({args.name}): {error}") from error
            self.created.append(CreatedResource(args.typ, args.name, resource_id))
        self.echo(f"  created {args.typ:<50} {args.name}")
        return resource_id, outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[Any]]:
        if args.token == CALLER_IDENTITY:
            identity = self._aws("sts").get_caller_identity()
            return {
                "accountId": identity["Account"],
                "arn": identity["Arn"],
                "userId": identity["UserId"],
                "id": identity["Account"],
            }, []
        if args.token == PARTITION:
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}, []
        if args.token == REGION:
            return {"region": self.region, "name": self.region, "id": self.region}, []
        raise UnsupportedResourceError(f"the local cloud does not answer data source {args.token}")

    # --- messaging ------------------------------------------------------------------

    def _topic(self, logical: str, inputs: Inputs) -> tuple[str, Outputs]:
        name = _auto_name(logical, inputs)
        attributes = {}
        if "kmsMasterKeyId" in inputs:
            attributes["KmsMasterKeyId"] = inputs["kmsMasterKeyId"]
        if "displayName" in inputs:
            attributes["DisplayName"] = inputs["displayName"]
        sns = self._aws("sns")
        arn = sns.create_topic(
            Name=name,
            Attributes=attributes,
            **(
                {"Tags": [{"Key": k, "Value": v} for k, v in inputs["tags"].items()]}
                if inputs.get("tags")
                else {}
            ),
        )["TopicArn"]
        stored = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
        for key, value in attributes.items():
            if stored.get(key) != value:
                raise ProvisionError(
                    f"{TOPIC} {logical}: {key} is {stored.get(key)!r}, not {value!r}"
                )
        return arn, {**inputs, "name": name, "arn": arn, "owner": stored.get("Owner", "")}

    def _topic_policy(self, logical: str, inputs: Inputs) -> tuple[str, Outputs]:
        self._aws("sns").set_topic_attributes(
            TopicArn=inputs["arn"], AttributeName="Policy", AttributeValue=inputs["policy"]
        )
        return inputs["arn"], dict(inputs)

    def _subscription(self, logical: str, inputs: Inputs) -> tuple[str, Outputs]:
        attributes = {}
        if "rawMessageDelivery" in inputs:
            attributes["RawMessageDelivery"] = _bool_text(inputs["rawMessageDelivery"])
        if "filterPolicy" in inputs:
            attributes["FilterPolicy"] = inputs["filterPolicy"]
        if "filterPolicyScope" in inputs:
            attributes["FilterPolicyScope"] = inputs["filterPolicyScope"]
        if "redrivePolicy" in inputs:
            attributes["RedrivePolicy"] = inputs["redrivePolicy"]
        sns = self._aws("sns")
        arn = sns.subscribe(
            TopicArn=inputs["topic"],
            Protocol=inputs["protocol"],
            Endpoint=inputs["endpoint"],
            Attributes=attributes,
            ReturnSubscriptionArn=True,
        )["SubscriptionArn"]
        return arn, {**inputs, "arn": arn}

    _QUEUE_ATTRIBUTES: ClassVar[dict[str, tuple[str, Callable[[Any], Any]]]] = {
        "visibilityTimeoutSeconds": ("VisibilityTimeout", _int),
        "messageRetentionSeconds": ("MessageRetentionPeriod", _int),
        "maxMessageSize": ("MaximumMessageSize", _int),
        "delaySeconds": ("DelaySeconds", _int),
        "receiveWaitTimeSeconds": ("ReceiveMessageWaitTimeSeconds", _int),
        "kmsDataKeyReusePeriodSeconds": ("KmsDataKeyReusePeriodSeconds", _int),
        "sqsManagedSseEnabled": ("SqsManagedSseEnabled", _bool_text),
        "kmsMasterKeyId": ("KmsMasterKeyId", str),
        "redrivePolicy": ("RedrivePolicy", str),
        "policy": ("Policy", str),
    }

    def _queue(self, logical: str, inputs: Inputs) -> tuple[str, Outputs]:
        name = _auto_name(logical, inputs)
        attributes = {
            attribute: str(convert(inputs[prop]))
            for prop, (attribute, convert) in self._QUEUE_ATTRIBUTES.items()
            if prop in inputs
        }
        sqs = self._aws("sqs")
        url = sqs.create_queue(
            QueueName=name,
            Attributes=attributes,
            **({"tags": inputs["tags"]} if inputs.get("tags") else {}),
        )["QueueUrl"]
        stored = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        for attribute, value in attributes.items():
            same = (
                json.loads(stored.get(attribute, "null")) == json.loads(value)
                if attribute in ("RedrivePolicy", "Policy")
                else str(stored.get(attribute)).lower() == value.lower()
            )
            if not same:
                raise ProvisionError(
                    f"{QUEUE} {logical}: emulator holds {attribute}={stored.get(attribute)!r}, "
                    f"declared {value!r}"
                )
        arn = stored["QueueArn"]
        return url, {**inputs, "name": name, "arn": arn, "url": url}

    def _set_queue_attribute(self, url: str, attribute: str, value: str) -> None:
        sqs = self._aws("sqs")
        # moto resets a queue's Policy on every SetQueueAttributes that omits it, so the
        # current policy is sent along with any other attribute.
        current = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])
        attributes = {attribute: value}
        if attribute != "Policy" and "Policy" in current.get("Attributes", {}):
            attributes["Policy"] = current["Attributes"]["Policy"]
        sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)

    def _queue_policy(self, logical: str, inputs: Inputs) -> tuple[str, Outputs]:
        self._set_queue_attribute(inputs["queueUrl"], "Policy", inputs["policy"])
        return inputs["queueUrl"], dict(inputs)

    def _redrive_allow_policy(self, logical: str, inputs: Inputs) -> tuple[str, Outputs]:
        self._set_queue_attribute(
            inputs["queueUrl"], "RedriveAllowPolicy", inputs["redriveAllowPolicy"]
        )
        return inputs["queueUrl"], dict(inputs)

    # --- storage --------------------------------------------------------------------

    def _table(self, logical: str, inputs: Inputs) -> tuple[str, Outputs]:
        name = _auto_name(logical, inputs)
        key_schema = [{"AttributeName": inputs["hashKey"], "KeyType": "HASH"}]
        if inputs.get("rangeKey"):
            key_schema.append({"AttributeName": inputs["rangeKey"], "KeyType": "RANGE"})
        request: dict[str, Any] = {
            "TableName": name,
            "KeySchema": key_schema,
            "AttributeDefinitions": [
                {"AttributeName": a["name"], "AttributeType": a["type"]}
                for a in inputs["attributes"]
            ],
            "BillingMode": inputs.get("billingMode", "PROVISIONED"),
        }
        if request["BillingMode"] == "PROVISIONED":
            request["ProvisionedThroughput"] = {
                "ReadCapacityUnits": _int(inputs.get("readCapacity", 1)),
                "WriteCapacityUnits": _int(inputs.get("writeCapacity", 1)),
            }
        sse = inputs.get("serverSideEncryption") or {}
        if sse.get("enabled"):
            request["SSESpecification"] = {"Enabled": True, "SSEType": "KMS"}
            if sse.get("kmsKeyArn"):
                request["SSESpecification"]["KMSMasterKeyId"] = sse["kmsKeyArn"]
        if "deletionProtectionEnabled" in inputs:
            request["DeletionProtectionEnabled"] = bool(inputs["deletionProtectionEnabled"])
        if inputs.get("tags"):
            request["Tags"] = [{"Key": k, "Value": v} for k, v in inputs["tags"].items()]
        dynamodb = self._aws("dynamodb")
        table = dynamodb.create_table(**request)["TableDescription"]

        pitr = bool((inputs.get("pointInTimeRecovery") or {}).get("enabled", False))
        dynamodb.update_continuous_backups(
            TableName=name,
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": pitr},
        )
        status = dynamodb.describe_continuous_backups(TableName=name)[
            "ContinuousBackupsDescription"
        ]
        held = status["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"]
        if held != ("ENABLED" if pitr else "DISABLED"):
            raise ProvisionError(
                f"{TABLE} {logical}: point-in-time recovery is {held}, declared {pitr}"
            )
        ttl = inputs.get("ttl") or {}
        if ttl.get("enabled"):
            dynamodb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["attributeName"]},
            )
        return name, {**inputs, "name": name, "arn": table["TableArn"]}

    # --- function ---------------------------------------------------------------------

    def _log_group(self, logical: str, inputs: Inputs) -> tuple[str, Outputs]:
        name = _auto_name(logical, inputs)
        logs = self._aws("logs")
        request: dict[str, Any] = {"logGroupName": name}
        if inputs.get("kmsKeyId"):
            request["kmsKeyId"] = inputs["kmsKeyId"]
        if inputs.get("tags"):
            request["tags"] = inputs["tags"]
        logs.create_log_group(**request)
        if "retentionInDays" in inputs:
            logs.put_retention_policy(
                logGroupName=name, retentionInDays=_int(inputs["retentionInDays"])
            )
        group = next(
            g
            for g in logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
            if g["logGroupName"] == name
        )
        # The provider reports the ARN without the trailing ":*" that DescribeLogGroups adds.
        arn = group["arn"].removesuffix(":*")
        return name, {**inputs, "name": name, "arn": arn}

    def _role(self, logical: str, inputs: Inputs) -> tuple[str, Outputs]:
        name = _auto_name(logical, inputs)
        request: dict[str, Any] = {
            "RoleName": name,
            "AssumeRolePolicyDocument": inputs["assumeRolePolicy"],
        }
        for prop, param in (("description", "Description"), ("path", "Path")):
            if prop in inputs:
                request[param] = inputs[prop]
        if "maxSessionDuration" in inputs:
            request["MaxSessionDuration"] = _int(inputs["maxSessionDuration"])
        if inputs.get("tags"):
            request["Tags"] = [{"Key": k, "Value": v} for k, v in inputs["tags"].items()]
        role = self._aws("iam").create_role(**request)["Role"]
        return name, {**inputs, "name": name, "arn": role["Arn"], "uniqueId": role["RoleId"]}

    def _role_policy(self, logical: str, inputs: Inputs) -> tuple[str, Outputs]:
        name = _auto_name(logical, inputs)
        self._aws("iam").put_role_policy(
            RoleName=inputs["role"], PolicyName=name, PolicyDocument=inputs["policy"]
        )
        return f"{inputs['role']}:{name}", {**inputs, "name": name}

    def _function(self, logical: str, inputs: Inputs) -> tuple[str, Outputs]:
        name = _auto_name(logical, inputs)
        if self.code_override is not None:
            package_dir = inputs["handler"].split(".", 1)[0]
            package = zip_directory(self.code_override, package_dir)
            self.echo(f"  (test seam) deploying {self.code_override} as the function's code")
        else:
            package = zip_archive(inputs["code"])
        request: dict[str, Any] = {
            "FunctionName": name,
            "Runtime": inputs["runtime"],
            "Role": inputs["role"],
            "Handler": inputs["handler"],
            "Code": {"ZipFile": package},
            "PackageType": "Zip",
        }
        if "description" in inputs:
            request["Description"] = inputs["description"]
        if "timeout" in inputs:
            request["Timeout"] = _int(inputs["timeout"])
        if "memorySize" in inputs:
            request["MemorySize"] = _int(inputs["memorySize"])
        if "architectures" in inputs:
            request["Architectures"] = list(inputs["architectures"])
        variables = (inputs.get("environment") or {}).get("variables")
        if variables:
            request["Environment"] = {"Variables": {k: str(v) for k, v in variables.items()}}
        logging_config = {
            key[0].upper() + key[1:]: value
            for key, value in (inputs.get("loggingConfig") or {}).items()
        }
        if logging_config:
            request["LoggingConfig"] = logging_config
        if inputs.get("tags"):
            request["Tags"] = dict(inputs["tags"])
        created = self._aws("lambda").create_function(**request)
        arn = created["FunctionArn"]
        self.functions[name] = FunctionSpec(name=name, arn=arn, logging_config=logging_config)
        return name, {
            **inputs,
            "name": name,
            "arn": arn,
            "qualifiedArn": f"{arn}:$LATEST",
            "invokeArn": (
                f"arn:aws:apigateway:{self.region}:lambda:path/2015-03-31/functions/{arn}/invocations"
            ),
            "version": "$LATEST",
            "codeSha256": created["CodeSha256"],
            "sourceCodeHash": created["CodeSha256"],
        }

    def _trigger(self, logical: str, inputs: Inputs) -> tuple[str, Outputs]:
        # Not created in moto (see not_emulated.py); both ends must exist, though.
        function = self._aws("lambda").get_function_configuration(
            FunctionName=inputs["functionName"]
        )
        queue_arn = inputs["eventSourceArn"]
        if not queue_arn.startswith("arn:aws:sqs:"):
            raise ProvisionError(
                f"{TRIGGER} {logical}: only SQS event sources are emulated, got {queue_arn}"
            )
        self._aws("sqs").get_queue_url(QueueName=_name_of_arn(queue_arn))
        scaling = inputs.get("scalingConfig") or {}
        spec = TriggerSpec(
            uuid=str(uuid.uuid4()),
            logical_name=logical,
            event_source_arn=queue_arn,
            function_name=function["FunctionName"],
            batch_size=_int(inputs.get("batchSize", 10)),
            batching_window_seconds=_int(inputs.get("maximumBatchingWindowInSeconds", 0)),
            maximum_concurrency=(
                _int(scaling["maximumConcurrency"]) if scaling.get("maximumConcurrency") else None
            ),
            function_response_types=tuple(inputs.get("functionResponseTypes") or ()),
            enabled=bool(inputs.get("enabled", True)),
        )
        self.triggers.append(spec)
        account = function["FunctionArn"].split(":")[4]
        arn = f"arn:aws:lambda:{self.region}:{account}:event-source-mapping:{spec.uuid}"
        return spec.uuid, {
            **inputs,
            "uuid": spec.uuid,
            "arn": arn,
            "functionArn": function["FunctionArn"],
            "state": "Enabled" if spec.enabled else "Disabled",
        }

    # --- alarms -------------------------------------------------------------------------

    def _key(self, logical: str, inputs: Inputs) -> tuple[str, Outputs]:
        kms = self._aws("kms")
        request: dict[str, Any] = {}
        for prop, param in (
            ("description", "Description"),
            ("policy", "Policy"),
            ("keyUsage", "KeyUsage"),
            ("customerMasterKeySpec", "KeySpec"),
        ):
            if prop in inputs:
                request[param] = inputs[prop]
        if inputs.get("tags"):
            request["Tags"] = [{"TagKey": k, "TagValue": v} for k, v in inputs["tags"].items()]
        key = kms.create_key(**request)["KeyMetadata"]
        if inputs.get("enableKeyRotation"):
            kms.enable_key_rotation(KeyId=key["KeyId"])
            if not kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"]:
                raise ProvisionError(f"{KEY} {logical}: key rotation did not turn on")
        return key["KeyId"], {**inputs, "keyId": key["KeyId"], "arn": key["Arn"]}

    _ALARM_PARAMETERS: ClassVar[dict[str, tuple[str, Callable[[Any], Any]]]] = {
        "alarmDescription": ("AlarmDescription", str),
        "namespace": ("Namespace", str),
        "metricName": ("MetricName", str),
        "statistic": ("Statistic", str),
        "extendedStatistic": ("ExtendedStatistic", str),
        "unit": ("Unit", str),
        "period": ("Period", _int),
        "evaluationPeriods": ("EvaluationPeriods", _int),
        "datapointsToAlarm": ("DatapointsToAlarm", _int),
        "threshold": ("Threshold", float),
        "comparisonOperator": ("ComparisonOperator", str),
        "treatMissingData": ("TreatMissingData", str),
        "actionsEnabled": ("ActionsEnabled", bool),
        "alarmActions": ("AlarmActions", list),
        "okActions": ("OKActions", list),
        "insufficientDataActions": ("InsufficientDataActions", list),
    }

    def _alarm(self, logical: str, inputs: Inputs) -> tuple[str, Outputs]:
        name = _auto_name(logical, inputs)
        request: dict[str, Any] = {"AlarmName": name}
        for prop, (param, convert) in self._ALARM_PARAMETERS.items():
            if prop in inputs:
                request[param] = convert(inputs[prop])
        if inputs.get("dimensions"):
            request["Dimensions"] = [
                {"Name": k, "Value": str(v)} for k, v in inputs["dimensions"].items()
            ]
        if inputs.get("metricQueries"):
            request["Metrics"] = [_metric_query(query) for query in inputs["metricQueries"]]
        if inputs.get("tags"):
            request["Tags"] = [{"Key": k, "Value": v} for k, v in inputs["tags"].items()]
        cloudwatch = self._aws("cloudwatch")
        cloudwatch.put_metric_alarm(**request)
        alarm = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
        return name, {**inputs, "name": name, "arn": alarm["AlarmArn"]}

    def _dashboard(self, logical: str, inputs: Inputs) -> tuple[str, Outputs]:
        name = inputs["dashboardName"]
        cloudwatch = self._aws("cloudwatch")
        cloudwatch.put_dashboard(DashboardName=name, DashboardBody=inputs["dashboardBody"])
        arn = cloudwatch.get_dashboard(DashboardName=name)["DashboardArn"]
        return name, {**inputs, "dashboardArn": arn}


def _metric_query(query: dict[str, Any]) -> dict[str, Any]:
    """A metric math alarm's query, from the provider's shape to PutMetricAlarm's."""
    converted: dict[str, Any] = {"Id": query["id"], "ReturnData": bool(query.get("returnData"))}
    for prop, param in (("expression", "Expression"), ("label", "Label")):
        if prop in query:
            converted[param] = query[prop]
    metric = query.get("metric")
    if metric:
        converted["MetricStat"] = {
            "Metric": {
                "Namespace": metric["namespace"],
                "MetricName": metric["metricName"],
                "Dimensions": [
                    {"Name": k, "Value": str(v)}
                    for k, v in (metric.get("dimensions") or {}).items()
                ],
            },
            "Period": _int(metric["period"]),
            "Stat": metric["stat"],
        }
    return converted
