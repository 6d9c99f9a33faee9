"""The stock-lot invariant after any sequence of receiving, stocktakes, adjustments,
checkouts, payments, packing (first expiry first or a named lot, by unit and by weight),
cancellations before and after packing and after-sale returns (ADR 0010)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from highland.catalog import services as catalog_services
from highland.catalog.models import Sku, StockLot
from highland.core.errors import DomainError
from highland.orders import aftersales, services
from highland.orders.models import Order, OrderStatus
from highland.orders.stock_invariants import verify_stock
from highland.payments.services import confirm_bank_transfer
from highland.testing import OrderFactory

SKUS = ("LT-ZC-500", "LT-SR-W")  # by the brick, by the gram
SCALE = {"LT-ZC-500": 1, "LT-SR-W": 100}

OPERATIONS = st.lists(
    st.one_of(
        st.tuples(
            st.just("receive"),
            st.sampled_from(SKUS),
            st.integers(1, 20),
            st.one_of(st.none(), st.integers(0, 60)),
        ),
        st.tuples(st.just("stocktake"), st.sampled_from(SKUS), st.integers(-90, 20)),
        st.tuples(st.just("adjust"), st.sampled_from(SKUS), st.integers(-90, 20).filter(bool)),
        st.tuples(st.just("checkout"), st.sampled_from(SKUS), st.integers(1, 12)),
        st.tuples(st.just("pay"), st.integers(0, 20)),
        st.tuples(st.just("pack"), st.integers(0, 20), st.integers(-1, 3), st.integers(-5, 5)),
        st.tuples(st.just("cancel"), st.integers(0, 20)),
        st.tuples(st.just("return"), st.integers(0, 20)),
    ),
    min_size=1,
    max_size=12,
)


class Shelf:
    """Runs one operation through the services; a refusal is a fine outcome."""

    def __init__(self, demo: Any) -> None:
        self.demo = demo
        self.factory = OrderFactory(demo)
        self.seller = demo.user("seller")
        self.operator = demo.user("operator")
        self.buyer = demo.user("buyer")
        self.orders: list[int] = []
        self.today = timezone.localdate()

    def sku(self, code: str) -> Sku:
        return Sku.objects.select_related("product__seller", "county").get(code=code)

    def order(self, index: int) -> Order | None:
        if not self.orders:
            return None
        return Order.objects.get(pk=self.orders[index % len(self.orders)])

    def run(self, operation: tuple) -> None:
        try:
            getattr(self, operation[0])(*operation[1:])
        except DomainError:
            event(f"{operation[0]} refused")
        else:
            event(f"{operation[0]} done")

    def receive(self, code: str, quantity: int, days: int | None) -> None:
        catalog_services.receive_stock_lot(
            self.sku(code),
            quantity * SCALE[code],
            actor=self.seller,
            best_before=None if days is None else self.today + dt.timedelta(days=days),
        )

    def stocktake(self, code: str, delta: int) -> None:
        counted = max(0, catalog_services.on_hand_of(self.sku(code)) + delta * SCALE[code])
        catalog_services.set_stock(self.sku(code), counted, actor=self.seller)

    def adjust(self, code: str, delta: int) -> None:
        catalog_services.adjust_stock(self.sku(code), delta * SCALE[code], actor=self.seller)

    def checkout(self, code: str, quantity: int) -> None:
        amount = quantity * SCALE[code] + (50 if code == "LT-SR-W" else 0)
        result = self.factory.place([(code, amount)])
        self.orders += [order.pk for order in result.orders]

    def pay(self, index: int) -> None:
        order = self.order(index)
        if order is not None and order.status == OrderStatus.PENDING_PAYMENT:
            confirm_bank_transfer(order.payment, actor=self.operator, bank_reference="ICBC-PROP")

    def pack(self, index: int, lot_pick: int, grams_percent: int) -> None:
        order = self.order(index)
        if order is None:
            return
        lines = list(order.lines.all())
        grams = {
            line.pk: line.quantity * (100 + grams_percent) // 100
            for line in lines
            if line.selling_unit == "weight"
        }
        lots: dict[int, int] = {}
        if lot_pick >= 0:
            for line in lines:
                candidates = list(StockLot.objects.filter(sku_id=line.sku_id).order_by("pk"))
                if candidates:
                    lots[line.pk] = candidates[lot_pick % len(candidates)].pk
        services.pack_order(order, grams, actor=self.seller, lots=lots)

    def cancel(self, index: int) -> None:
        order = self.order(index)
        if order is not None:
            services.cancel_order(order, actor=self.seller, reason="property test")

    def return_(self, index: int) -> None:
        order = self.order(index)
        if order is None or order.status != OrderStatus.PACKED:
            return
        services.advance_order(order, OrderStatus.SHIPPED, actor=self.seller)
        services.advance_order(order, OrderStatus.DELIVERED, actor=self.operator)
        request = aftersales.open_aftersale(
            order, actor=self.buyer, kind="return_and_refund", reason="damaged"
        )
        aftersales.accept_aftersale(request, actor=self.seller)
        aftersales.receive_return(request, actor=self.seller)


# "return" is a keyword: the operation runs `return_`.
setattr(Shelf, "return", Shelf.return_)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=OPERATIONS)
def test_the_lot_invariant_holds_after_every_step(demo, operations):
    shelf = Shelf(demo)
    assert verify_stock(demo.county) == []
    for operation in operations:
        shelf.run(operation)
        assert verify_stock(demo.county) == [], operation
        assert not StockLot.objects.filter(on_hand__lt=0).exists()
