"""Plain-text tables for the terminal: orders, dead letters, deployed resources."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from order_pipeline.handler.message import is_sns_envelope

ORDER_COLUMNS = [
    "orderId",
    "userId",
    "itemName",
    "quantity",
    "status",
    "timestamp",
    "eventTimeUtc",
    "eventDigest",
]


def _text(value: Any, width: int) -> str:
    if isinstance(value, Decimal):
        value = int(value) if value == value.to_integral_value() else float(value)
    # ensure_ascii=False: a person reads this; "Zürich" stays Zürich, not Z\u00fcrich.
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    text = text.replace("\n", " ")
    return text if len(text) <= width else text[: max(0, width - 3)] + "..."


def render(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    max_width: int = 40,
    empty: str = "(none)",
) -> str:
    if not rows:
        return empty
    cells = [[_text(row.get(c, ""), max_width) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    line = "+-" + "-+-".join("-" * w for w in widths) + "-+"
    out = [
        line,
        "| " + " | ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)) + " |",
        line,
    ]
    out += [
        "| " + " | ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) + " |" for r in cells
    ]
    out.append(line)
    return "\n".join(out)


def orders_table(items: Sequence[dict[str, Any]]) -> str:
    extra = sorted({k for item in items for k in item} - set(ORDER_COLUMNS))
    columns = [c for c in ORDER_COLUMNS if any(c in item for item in items)] + extra
    rows = [{**item, "eventDigest": str(item.get("eventDigest", ""))[:12]} for item in items]
    return render(rows, columns or ORDER_COLUMNS, empty="(the orders table is empty)")


def unwrap_body(body: str) -> str:
    """The published message: an SNS notification envelope's Message, or the raw body."""
    try:
        envelope = json.loads(body)
    except ValueError:
        return body
    if is_sns_envelope(envelope):
        return str(envelope["Message"])
    return body


def sent_at(milliseconds: int | str) -> str:
    return datetime.fromtimestamp(int(milliseconds) / 1000, UTC).strftime("%H:%M:%S")


def dead_letters_table(rows: Sequence[dict[str, Any]], count_header: str = "receives") -> str:
    """rows: messageId, receives, sent (ms), body."""
    shaped = [
        {
            "messageId": r["messageId"],
            count_header: r["receives"],
            "sent": sent_at(r["sent"]),
            "message": unwrap_body(r["body"]),
        }
        for r in rows
    ]
    return render(
        shaped,
        ["messageId", count_header, "sent", "message"],
        max_width=60,
        empty="(the dead-letter queue is empty)",
    )
