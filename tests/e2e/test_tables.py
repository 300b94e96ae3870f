"""Terminal tables show order fields as a person wrote them."""

from __future__ import annotations

from localcloud.tables import orders_table


def test_non_ascii_fields_print_as_written() -> None:
    table = orders_table([{"orderId": "O1", "shipTo": {"city": "Zürich"}, "itemName": "Café"}])
    assert "Zürich" in table and "Café" in table
    assert "\\u00fc" not in table
