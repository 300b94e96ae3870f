"""The seed order (from the original write-ups) and variations of it, for every test suite."""

from __future__ import annotations

import copy
from typing import Any

SEED: dict[str, Any] = {
    "orderId": "O1234",
    "userId": "U123",
    "itemName": "Laptop",
    "quantity": 1,
    "status": "new",
    "timestamp": "2025-05-03T12:00:00Z",
}


def order(order_id: str = "O1234", **changes: Any) -> dict[str, Any]:
    """A fresh copy of the seed order with another id and any fields changed."""
    return {**copy.deepcopy(SEED), "orderId": order_id, **changes}
