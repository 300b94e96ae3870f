"""The order: strict JSON parsing, validation, event identity and DynamoDB item size.

Everything here is pure (no AWS calls, no environment), so each rule can be tested on
its own. Every rejection raises InvalidOrderError with a reason that names the field and the
rule, and never echoes the value: reasons end up in logs.
"""

from __future__ import annotations

import decimal
import hashlib
import json
import re
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, NamedTuple

from boto3.dynamodb.types import DYNAMODB_CONTEXT

# Bounds on the required fields (characters).
MAX_ORDER_ID = 128
MAX_USER_ID = 128
MAX_ITEM_NAME = 512
MAX_STATUS = 64
MAX_TIMESTAMP = 64

# DynamoDB limits that apply to the extra fields kept as given.
MAX_DEPTH = 32  # nesting of lists/objects; a top-level list or object is level 1
MAX_NAME = 255  # attribute name length (characters), top-level and inside objects
MAX_ITEM_BYTES = 400 * 1024  # 409600, measured as DynamoDB does (item_size)
# Positive numbers DynamoDB stores: 1E-130 up to 9.9999999999999999999999999999999999999E+125.
MIN_ADJUSTED_EXPONENT = -130
MAX_ADJUSTED_EXPONENT = 125

# Bookkeeping attributes the handler adds to every item; an order may not set them.
EVENT_TIME_UTC = "eventTimeUtc"
EVENT_DIGEST = "eventDigest"
BOOKKEEPING = (EVENT_TIME_UTC, EVENT_DIGEST)

REQUIRED = ("orderId", "userId", "itemName", "quantity", "status", "timestamp")
_STRING_LIMITS = {
    "orderId": MAX_ORDER_ID,
    "userId": MAX_USER_ID,
    "itemName": MAX_ITEM_NAME,
    "status": MAX_STATUS,
}

_SIMPLE_NAME = re.compile(r"[A-Za-z0-9_-]{1,40}")

# Wide enough to render any number that passed DynamoDB's 38-digit check without rounding.
_CANONICAL_CONTEXT = decimal.Context(prec=100, Emin=-999999, Emax=999999)


class InvalidOrderError(ValueError):
    """The message can never become a stored order; `reason` says why (no payload text)."""

    def __init__(self, reason: str, order_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.order_id = order_id  # when the message had a usable one, for the log line


class Order(NamedTuple):
    """A validated order, ready to write."""

    order_id: str
    event_time_utc: str  # fixed width, so string order == time order
    digest: str  # sha256 hex of the canonical order; identifies the event's content
    item: dict[str, Any]  # the order as given (numbers as int/Decimal) + bookkeeping


# --- strict JSON -------------------------------------------------------------------


class NonFiniteNumber:
    """Stands in for NaN/Infinity/-Infinity while parsing, so validation can name the field."""

    def __init__(self, name: str) -> None:
        self.name = name


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        repeated = next(key for key, count in Counter(k for k, _ in pairs).items() if count > 1)
        raise InvalidOrderError(f"a JSON object has the key {_show_name(repeated)} twice")
    return result


def parse_json(text: str, what: str = "order") -> Any:
    """Parse JSON with exact numbers (Decimal) and no repeated keys.

    NaN/Infinity/-Infinity parse to NonFiniteNumber, which validation rejects by field.
    """
    try:
        return json.loads(
            text,
            parse_float=decimal.Decimal,
            parse_constant=NonFiniteNumber,
            object_pairs_hook=_reject_duplicate_keys,
        )
    except InvalidOrderError as error:
        raise InvalidOrderError(f"{what}: {error.reason}") from None
    except json.JSONDecodeError as error:
        raise InvalidOrderError(
            f"{what} is not valid JSON ({error.msg} at line {error.lineno} column {error.colno})"
        ) from None
    except ValueError:  # Python's int max-str-digits limit
        raise InvalidOrderError(f"{what} has an integer with too many digits") from None
    except RecursionError:
        raise InvalidOrderError(f"{what} is nested too deeply to parse") from None


# --- validation --------------------------------------------------------------------


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, decimal.Decimal):
        return "a decimal number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, NonFiniteNumber):
        return value.name
    return type(value).__name__


def _show_name(name: str) -> str:
    """A field name for a reason: plain when simple, else quoted and cut to 40 characters."""
    if _SIMPLE_NAME.fullmatch(name):
        return name
    return json.dumps(name if len(name) <= 40 else name[:40] + "...")


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from "\ud800"-style escapes
        return False
    return True


def _required_string(order: Mapping[str, Any], name: str, limit: int) -> str:
    value = order[name]
    if not isinstance(value, str):
        raise InvalidOrderError(f"{name} must be a string, got {_json_type(value)}")
    if not value.strip():
        raise InvalidOrderError(f"{name} must not be empty or only whitespace")
    if len(value) > limit:
        raise InvalidOrderError(f"{name} is too long ({len(value)} characters, at most {limit})")
    if not _is_utf8(value):
        raise InvalidOrderError(f"{name} is not valid Unicode (lone surrogate)")
    return value


def _check_number(value: int | decimal.Decimal, where: str) -> None:
    """Reject numbers DynamoDB cannot store: > 38 digits or outside 1E-130..9.99E+125.

    The 38-digit check uses boto3's own context, so whatever passes here also passes
    boto3's serializer (which counts written digits, so 10**50 spelled out in full is
    rejected while 1E+50 is accepted).
    """
    try:
        number = DYNAMODB_CONTEXT.create_decimal(value)
    except decimal.DecimalException:
        raise InvalidOrderError(
            f"{where} is a number DynamoDB cannot store (more than 38 significant digits"
            " or out of range)"
        ) from None
    if number and not MIN_ADJUSTED_EXPONENT <= number.adjusted() <= MAX_ADJUSTED_EXPONENT:
        raise InvalidOrderError(
            f"{where} is a number DynamoDB cannot store (magnitude must be between"
            " 1E-130 and 9.99E+125)"
        )


def _quantity(order: Mapping[str, Any]) -> int:
    value = order["quantity"]
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidOrderError(f"quantity must be a positive integer, got {_json_type(value)}")
    if value < 1:
        raise InvalidOrderError("quantity must be a positive integer, got zero or less")
    _check_number(value, "quantity")
    return value


def normalize_timestamp(value: Any) -> str:
    """ISO-8601 with a time zone -> UTC `YYYY-MM-DDTHH:MM:SS.ffffffZ` (always 27 chars)."""
    if not isinstance(value, str):
        raise InvalidOrderError(f"timestamp must be a string, got {_json_type(value)}")
    if len(value) > MAX_TIMESTAMP:
        raise InvalidOrderError(
            f"timestamp is too long ({len(value)} characters, at most {MAX_TIMESTAMP})"
        )
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidOrderError("timestamp is not an ISO-8601 date-time") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidOrderError("timestamp has no time zone (add Z or an offset like +02:00)")
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:
        raise InvalidOrderError(
            "timestamp is outside years 0001-9999 once converted to UTC"
        ) from None
    # Formatted by hand: strftime("%Y") does not zero-pad years below 1000 on every platform.
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T"
        f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}.{utc.microsecond:06d}Z"
    )


def _check_name(name: Any, where: str) -> None:
    if not isinstance(name, str) or not name:
        raise InvalidOrderError(f"{where}: field names must be non-empty strings")
    if len(name) > MAX_NAME:
        raise InvalidOrderError(
            f"{where}: field name is too long ({len(name)} characters, at most {MAX_NAME})"
        )
    if not _is_utf8(name):
        raise InvalidOrderError(f"{where}: field name is not valid Unicode (lone surrogate)")


def _check_value(value: Any, path: str, depth: int) -> None:
    """Check one extra-field value is a DynamoDB value; `depth` counts enclosing containers."""
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, str):
        if not _is_utf8(value):
            raise InvalidOrderError(f"field {path} is not valid Unicode (lone surrogate)")
        return
    if isinstance(value, int | decimal.Decimal):
        _check_number(value, f"field {path}")
        return
    if isinstance(value, list | dict):
        if depth + 1 > MAX_DEPTH:
            raise InvalidOrderError(f"field {path} is nested more than {MAX_DEPTH} levels deep")
        if isinstance(value, list):
            for index, element in enumerate(value):
                _check_value(element, f"{path}[{index}]", depth + 1)
        else:
            for name, element in value.items():
                _check_name(name, f"field {path}")
                _check_value(element, f"{path}.{_show_name(name)}", depth + 1)
        return
    if isinstance(value, NonFiniteNumber):
        raise InvalidOrderError(
            f"field {path} is {value.name}, which is not a number DynamoDB can store"
        )
    raise InvalidOrderError(f"field {path} has an unsupported type {_json_type(value)}")


def _check_extra_fields(order: Mapping[str, Any]) -> None:
    for name, value in order.items():
        if name in REQUIRED:
            continue
        _check_name(name, "order")
        if name in BOOKKEEPING:
            raise InvalidOrderError(f"field {name} is reserved for the handler's bookkeeping")
        _check_value(value, _show_name(name), 0)


def validate_order(candidate: Any) -> Order:
    """Validate a parsed order and build the item to store, or raise InvalidOrderError."""
    if not isinstance(candidate, dict):
        raise InvalidOrderError(f"order must be a JSON object, got {_json_type(candidate)}")
    try:
        return _validated(candidate)
    except InvalidOrderError as error:
        error.order_id = order_id_hint(candidate)
        raise


def _validated(candidate: dict[str, Any]) -> Order:
    for name in REQUIRED:
        if name not in candidate:
            raise InvalidOrderError(f"{name} is missing")
    order_id = _required_string(candidate, "orderId", MAX_ORDER_ID)
    for name in ("userId", "itemName", "status"):
        _required_string(candidate, name, _STRING_LIMITS[name])
    _quantity(candidate)
    event_time_utc = normalize_timestamp(candidate["timestamp"])
    _check_extra_fields(candidate)

    digest = event_digest(candidate, event_time_utc)
    item = {**candidate, EVENT_TIME_UTC: event_time_utc, EVENT_DIGEST: digest}
    size = item_size(item)
    if size > MAX_ITEM_BYTES:
        raise InvalidOrderError(
            f"order is too large for DynamoDB ({size} bytes as an item, at most {MAX_ITEM_BYTES})"
        )
    return Order(order_id=order_id, event_time_utc=event_time_utc, digest=digest, item=item)


def order_id_hint(candidate: Mapping[str, Any]) -> str | None:
    """The orderId of a rejected order, when it is usable as one (for the log line)."""
    value = candidate.get("orderId")
    if isinstance(value, str) and value.strip() and len(value) <= MAX_ORDER_ID:
        return value if _is_utf8(value) else None
    return None


# --- event identity ----------------------------------------------------------------


def _canonical_number(value: int | decimal.Decimal) -> str:
    # Numerically equal spellings (1, 1.0, 1E+0, -0) are one number to DynamoDB: one text here.
    number = _CANONICAL_CONTEXT.create_decimal(value)
    if number.is_zero():
        return "0"
    return str(number.normalize(_CANONICAL_CONTEXT))


def canonical_json(value: Any) -> str:
    """Keys sorted, no whitespace, ASCII only, numbers in one canonical spelling."""
    if value is None or isinstance(value, bool | str):
        return json.dumps(value)
    if isinstance(value, int | decimal.Decimal):
        return _canonical_number(value)
    if isinstance(value, list):
        return "[" + ",".join(canonical_json(element) for element in value) + "]"
    if isinstance(value, dict):
        members = (f"{json.dumps(key)}:{canonical_json(value[key])}" for key in sorted(value))
        return "{" + ",".join(members) + "}"
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def event_digest(order: Mapping[str, Any], event_time_utc: str) -> str:
    """sha256 of the order with its timestamp in normalized form.

    The same instant spelled differently (Z, +00:00, .000Z, +02:00 with the clock
    shifted) gives the same digest, so it is recognised as the same event.
    """
    canonical = canonical_json({**order, "timestamp": event_time_utc})
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


# --- item size ---------------------------------------------------------------------


def _utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def attribute_size(value: Any) -> int:
    """Bytes one attribute value takes in DynamoDB (name not included)."""
    if value is None or isinstance(value, bool):
        return 1
    if isinstance(value, str):
        return _utf8_len(value)
    if isinstance(value, int | decimal.Decimal):
        number = _CANONICAL_CONTEXT.create_decimal(value)
        digits = (
            1 if number.is_zero() else len(number.normalize(_CANONICAL_CONTEXT).as_tuple().digits)
        )
        return (digits + 1) // 2 + 1 + (1 if number.is_signed() else 0)
    if isinstance(value, list):
        return 3 + sum(1 + attribute_size(element) for element in value)
    if isinstance(value, dict):
        return 3 + sum(
            1 + _utf8_len(key) + attribute_size(element) for key, element in value.items()
        )
    raise TypeError(f"not a DynamoDB value: {type(value).__name__}")


def item_size(item: Mapping[str, Any]) -> int:
    """Bytes an item takes in DynamoDB: attribute names (UTF-8) plus their values."""
    return sum(_utf8_len(name) + attribute_size(value) for name, value in item.items())
