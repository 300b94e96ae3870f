"""`publish` and `orders`: messages to the topic, items from the table."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, TextIO

from boto3.dynamodb.types import TypeDeserializer
from order_pipeline.handler.order import InvalidOrderError, parse_json, validate_order

from .errors import ConfigurationError

_deserializer = TypeDeserializer()


def read_messages(arguments: list[str], stdin: TextIO = sys.stdin) -> list[str]:
    """Each argument is an order's JSON, @FILE (read that file) or - (read standard input)."""
    texts = []
    for argument in arguments:
        if argument == "-":
            texts.append(stdin.read())
        elif argument.startswith("@"):
            try:
                texts.append(Path(argument[1:]).read_text())
            except OSError as error:
                raise ConfigurationError(f"cannot read {argument}: {error.strerror}.") from error
        else:
            texts.append(argument)
    return texts


def checked_order_id(text: str, position: int) -> str:
    """The orderId of a valid order (the handler's own validation); else a usage error."""
    try:
        return str(validate_order(parse_json(text, "order")).order_id)
    except InvalidOrderError as error:
        raise ConfigurationError(
            f"order {position} is not one the function accepts ({error.reason}); fix it,"
            " nothing was published."
        ) from error


def publish(sns: Any, topic_arn: str, texts: list[str]) -> list[dict[str, str]]:
    order_ids = [checked_order_id(text, n) for n, text in enumerate(texts, 1)]
    published = []
    for order_id, text in zip(order_ids, texts, strict=True):
        message_id = sns.publish(TopicArn=topic_arn, Message=text)["MessageId"]
        published.append({"orderId": order_id, "messageId": message_id})
    return published


def item_from_dynamodb(raw: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB item in the low-level API's shape as plain Python values."""
    return {name: _deserializer.deserialize(value) for name, value in raw.items()}


def read_orders(
    dynamodb: Any, table: str, limit: int | None = None, *, consistent_read: bool = False
) -> list[dict[str, Any]]:
    """Up to `limit` items (all without one) of the table, by orderId: every scan page."""
    items: list[dict[str, Any]] = []
    request: dict[str, Any] = {"TableName": table, "ConsistentRead": consistent_read}
    if limit is not None:
        request["Limit"] = min(limit, 1000)
    while limit is None or len(items) < limit:
        page = dynamodb.scan(**request)
        items += [item_from_dynamodb(raw) for raw in page.get("Items", [])]
        if "LastEvaluatedKey" not in page:
            break
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return sorted(items[:limit], key=lambda item: str(item.get("orderId")))
