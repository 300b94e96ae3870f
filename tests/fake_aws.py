"""Pulumi mocks that answer like AWS would: physical names, ARNs and URLs for each resource type.

Used by the graph tests, where no emulator is needed: what matters is that
every reference between resources resolves to the right ARN.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import pulumi

ACCOUNT = "123456789012"
REGION = "us-east-1"


def _physical_name(logical: str, inputs: dict[str, Any]) -> str:
    # Pulumi auto-names with a random suffix; a stable one keeps test output readable.
    return inputs.get("name") or f"{logical}-{hashlib.sha1(logical.encode()).hexdigest()[:7]}"


class FakeAwsMocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        inputs = dict(args.inputs)
        name = _physical_name(args.name, inputs)
        arn_prefix = f"arn:aws:{{service}}:{REGION}:{ACCOUNT}"
        service, _, _ = args.typ.partition(":")[2].partition("/")
        outputs: dict[str, Any] = {**inputs, "name": name}
        resource_id = name
        if args.typ == "aws:sns/topic:Topic":
            outputs["arn"] = resource_id = f"arn:aws:sns:{REGION}:{ACCOUNT}:{name}"
        elif args.typ == "aws:sqs/queue:Queue":
            outputs["arn"] = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"
            outputs["url"] = resource_id = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{name}"
        elif args.typ == "aws:dynamodb/table:Table":
            outputs["arn"] = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"
        elif args.typ == "aws:iam/role:Role":
            outputs["arn"] = f"arn:aws:iam::{ACCOUNT}:role/{name}"
        elif args.typ == "aws:cloudwatch/logGroup:LogGroup":
            outputs["arn"] = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}"
        elif args.typ == "aws:lambda/function:Function":
            outputs["arn"] = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
        elif args.typ == "aws:kms/key:Key":
            outputs["keyId"] = resource_id = hashlib.sha1(name.encode()).hexdigest()
            outputs["arn"] = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{resource_id}"
        elif args.typ == "aws:sns/topicSubscription:TopicSubscription":
            outputs["arn"] = resource_id = (
                f"{inputs['topic']}:{hashlib.sha1(name.encode()).hexdigest()}"
            )
        elif args.typ == "aws:cloudwatch/metricAlarm:MetricAlarm":
            outputs["arn"] = f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{name}"
        elif args.typ == "aws:lambda/eventSourceMapping:EventSourceMapping":
            outputs["uuid"] = resource_id = str(uuid.uuid5(uuid.NAMESPACE_URL, name))
            outputs["arn"] = f"arn:aws:lambda:{REGION}:{ACCOUNT}:event-source-mapping:{resource_id}"
        elif args.typ == "aws:cloudwatch/dashboard:Dashboard":
            resource_id = inputs["dashboardName"]
            outputs["dashboardArn"] = f"arn:aws:cloudwatch::{ACCOUNT}:dashboard/{resource_id}"
        else:
            outputs["arn"] = arn_prefix.format(service=service) + f":{name}"
        return resource_id, outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[Any]]:
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": ACCOUNT,
                "arn": f"arn:aws:iam::{ACCOUNT}:user/ci",
                "userId": "AIDAEXAMPLE",
                "id": ACCOUNT,
            }, []
        if args.token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}, []
        if args.token == "aws:index/getRegion:getRegion":
            # The provider answers with its configured region (the stack's aws:region).
            region = pulumi.Config("aws").get("region") or REGION
            return {"region": region, "name": region, "id": region}, []
        raise NotImplementedError(f"no mock for data source {args.token}")
