"""Test factories for logistics: packed orders for a village point and their parcels,
made through the services (the root conftest registers `parcel_factory`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from highland.logistics.models import Parcel, ParcelKind
from highland.logistics.services.parcels import create_parcel


class ParcelFactory:
    """`demo` is the root conftest's demo county; `orders` its OrderFactory."""

    def __init__(self, demo: Any, orders: Any) -> None:
        self.demo = demo
        self.orders = orders

    def packed_order(
        self,
        point_code: str = "LT-S01-V01",
        lines: Sequence[tuple[str, int]] = (("LT-ZC-500", 1),),
    ) -> Any:
        """A paid order for pickup at `point_code`, packed by the seller."""
        from highland.orders import services
        from highland.orders.models import Order
        from highland.orders.services import DeliveryDetails

        order = self.orders.paid(
            lines,
            delivery=DeliveryDetails(
                method="pickup", recipient_name="格桑", pickup_point=self.demo.point(point_code)
            ),
        )
        packed = {line.pk: line.quantity for line in order.lines.filter(selling_unit="weight")}
        services.pack_order(order, packed, actor=self.demo.user("seller"))
        return Order.objects.get(pk=order.pk)

    def order_parcel(
        self,
        point_code: str = "LT-S01-V01",
        lines: Sequence[tuple[str, int]] = (("LT-ZC-500", 1),),
        *,
        weight_g: int = 600,
        temperature_class: str = "ambient",
    ) -> Parcel:
        """The parcel of a packed order going down to `point_code`."""
        order = self.packed_order(point_code, lines)
        return create_parcel(
            self.demo.county,
            kind=ParcelKind.ORDER,
            order_id=order.pk,
            destination_point=self.demo.point(point_code),
            weight_g=weight_g,
            temperature_class=temperature_class,
            actor=self.demo.user("operator"),
        )

    def collection(
        self,
        point_code: str = "LT-S01-V02",
        *,
        weight_g: int = 20_000,
        temperature_class: str = "ambient",
    ) -> Parcel:
        """Produce waiting at `point_code` to be collected up to the hub."""
        return create_parcel(
            self.demo.county,
            kind=ParcelKind.COLLECTION,
            origin_point=self.demo.point(point_code),
            weight_g=weight_g,
            temperature_class=temperature_class,
            actor=self.demo.user("operator"),
        )
