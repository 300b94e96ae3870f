"""The seed order (from the original write-ups), read from examples/orders/seed.json.

One home for it: the demo publishes it, the tests build their orders from it, and the
docs show `order-pipeline --local publish @examples/orders/seed.json`.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from .stack_files import PROJECT_ROOT

SEED_FILE = PROJECT_ROOT / "examples" / "orders" / "seed.json"
SEED: dict[str, Any] = json.loads(SEED_FILE.read_text())


def order(order_id: str = "O1234", **changes: Any) -> dict[str, Any]:
    """A fresh copy of the seed order with another id and any fields changed."""
    return {**copy.deepcopy(SEED), "orderId": order_id, **changes}
