"""The seed order (from the original write-ups, as the demo publishes it) and variations."""

from __future__ import annotations

import copy
from typing import Any

from localcloud.scenario import SEED

__all__ = ["SEED", "order"]


def order(order_id: str = "O1234", **changes: Any) -> dict[str, Any]:
    """A fresh copy of the seed order with another id and any fields changed."""
    return {**copy.deepcopy(SEED), "orderId": order_id, **changes}
