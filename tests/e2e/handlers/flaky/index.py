"""A stand-in function, deployed through EmulatorMocks(code_override=...) for the retry tests.

On a batch's first delivery it crashes (for an order marked "hang" it outlives the
function timeout instead, for one marked "unknown-id" it reports a failure for a
message id that is not in the batch); on a later delivery it stores each order with
what the function saw of its runtime: context, environment, working directory,
event record fields.
Expects SNS envelopes (raw message delivery off).
"""

import json
import os
import time

import boto3

_client = None


def _importable(name):
    try:
        __import__(name)
    except ImportError:
        return False
    return True


def _orders(event):
    return [json.loads(json.loads(record["body"])["Message"]) for record in event["Records"]]


def lambda_handler(event, context):
    global _client
    records = event["Records"]
    orders = _orders(event)
    if any(record["attributes"]["ApproximateReceiveCount"] == "1" for record in records):
        behaviours = {order.get("behaviour") for order in orders}
        if "hang" in behaviours:
            time.sleep(60)
        if "unknown-id" in behaviours:
            return {"batchItemFailures": [{"itemIdentifier": "no-such-message"}]}
        raise RuntimeError("crash on first delivery")
    if _client is None:
        _client = boto3.client("dynamodb")
    for record, order in zip(records, orders, strict=True):
        seen = {
            "receiveCount": record["attributes"]["ApproximateReceiveCount"],
            "batchSize": len(records),
            "remainingMs": context.get_remaining_time_in_millis(),
            "functionName": context.function_name,
            "memoryLimitInMb": context.memory_limit_in_mb,
            "awsRequestId": context.aws_request_id,
            "invokedFunctionArn": context.invoked_function_arn,
            "endpoint": os.environ.get("AWS_ENDPOINT_URL", ""),
            "tableName": os.environ["TABLE_NAME"],
            "rawMessageDelivery": os.environ["RAW_MESSAGE_DELIVERY"],
            "region": os.environ.get("AWS_REGION", ""),
            "cwd": os.getcwd(),
            "handlerFile": __file__,
            "projectImportable": _importable("order_pipeline"),
            "eventSource": record["eventSource"],
            "eventSourceARN": record["eventSourceARN"],
            "md5OfBody": record["md5OfBody"],
        }
        _client.put_item(
            TableName=os.environ["TABLE_NAME"],
            Item={"orderId": {"S": order["orderId"]}, "seen": {"S": json.dumps(seen)}},
        )
    return {"batchItemFailures": []}
