"""Test helpers for the county hub: new lots waiting to be put away, locations by code,
where a lot lies. Imported by tests only."""

from __future__ import annotations

from typing import Any

from highland.catalog.models import Sku, StockLot
from highland.catalog.services import receive_stock_lot
from highland.logistics.models import HubLocation, LotPlacement


class HubFactory:
    """`demo` is the root conftest's demo county (zones A ambient, C chilled, F frozen)."""

    def __init__(self, demo: Any) -> None:
        self.demo = demo
        self.operator = demo.user("operator")

    def location(self, code: str) -> HubLocation:
        return HubLocation.objects.select_related("zone").get(county=self.demo.county, code=code)

    def new_lot(self, sku_code: str, quantity: int) -> StockLot:
        """A lot just received, none of it put away yet."""
        sku = Sku.objects.get(county=self.demo.county, code=sku_code)
        return receive_stock_lot(sku, quantity, actor=self.operator)

    def placed(self, lot: StockLot) -> dict[str, int]:
        """{location code: quantity} of the lot's placements."""
        return dict(
            LotPlacement.objects.filter(lot=lot)
            .order_by("location__code")
            .values_list("location__code", "quantity")
        )

    def demo_lot(self, sku_code: str) -> StockLot:
        """The demo catalogue's opening lot of a SKU (put away by the demo)."""
        return StockLot.objects.filter(sku__code=sku_code).order_by("pk").first()  # type: ignore[return-value]
