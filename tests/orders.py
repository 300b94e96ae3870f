"""The seed order and variations, for the tests (its one home is examples/orders/seed.json)."""

from harness.orders import SEED, order

__all__ = ["SEED", "order"]
