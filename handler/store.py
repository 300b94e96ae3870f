"""One conditional PutItem per order: the only DynamoDB call the function makes.

SQS delivers at least once and in no particular order, so the write itself decides
which version of an order wins, atomically, without reading first:

- no item yet                                 -> stored
- the stored event is older                   -> replaced ("superseded")
- same instant, stored digest is smaller      -> replaced (the larger digest wins, so the
                                                 result does not depend on arrival order)
- same event again, or an older one           -> condition fails -> "duplicate-or-stale",
                                                 a success: the table already holds the
                                                 right version
"""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError

from .order import EVENT_DIGEST, EVENT_TIME_UTC, Order
from .outcomes import DUPLICATE_OR_STALE, STORED, SUPERSEDED

# The reason each successful outcome gives in its log line.
REASONS = {
    STORED: "new order",
    SUPERSEDED: "replaced an older version",
    DUPLICATE_OR_STALE: "the same or a newer version is already stored",
}

CONDITION = "attribute_not_exists(#id) OR #t < :t OR (#t = :t AND #d < :d)"
NAMES = {"#id": "orderId", "#t": EVENT_TIME_UTC, "#d": EVENT_DIGEST}

_serializer = TypeSerializer()


def put_request(table_name: str, order: Order) -> dict[str, Any]:
    """The PutItem parameters for one order (low-level attribute-value format)."""
    return {
        "TableName": table_name,
        "Item": {name: _serializer.serialize(value) for name, value in order.item.items()},
        "ConditionExpression": CONDITION,
        "ExpressionAttributeNames": NAMES,
        "ExpressionAttributeValues": {
            ":t": {"S": order.event_time_utc},
            ":d": {"S": order.digest},
        },
        "ReturnValues": "ALL_OLD",
    }


def put_order(client: Any, table_name: str, order: Order) -> str:
    """Write one order; return its outcome. Any other error propagates to the caller."""
    try:
        response = client.put_item(**put_request(table_name, order))
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return DUPLICATE_OR_STALE
        raise
    return SUPERSEDED if response.get("Attributes") else STORED
