"""Helpers the tests of every app share (imported by tests only, never by the product)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection
from django.utils import timezone


def run_concurrently(
    worker: Callable[..., Any], arguments: int | Sequence[tuple[Any, ...]]
) -> list[Any]:
    """Start the workers together (a barrier), each thread with its own connection.

    `arguments` is how many threads to start with no arguments, or one argument tuple per
    thread. Returns each worker's result in order; an exception a worker raised is
    returned in its place, so the test asserts on it. Fails the test if a thread hangs.
    """
    calls: list[tuple[Any, ...]] = (
        [()] * arguments if isinstance(arguments, int) else [tuple(args) for args in arguments]
    )
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = worker(*calls[index])
        except Exception as error:  # handed back to the test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a racing thread hung"
    return results


def wait_until(predicate: Callable[[], Any], timeout: float = 10.0) -> bool:
    """Poll `predicate` until it is true (True) or `timeout` seconds pass (False): for what
    another process (the gateway sandbox, a live server) does in its own time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


# --- factories ----------------------------------------------------------------------------------

CHENGDU_ADDRESS: dict[str, Any] = {
    "method": "address",
    "recipient_name": "陈静",
    "phone": "13800000013",
    "province": "四川省",
    "city": "成都市",
    "district": "武侯区",
    "township": "浆洗街街道",
    "detail": "洗面桥街 18 号",
}


class OrderFactory:
    """Orders of a county in the state a test needs, made through the services.

    `demo` has `.county` and `.user(username)` (the root conftest's `demo` fixture).
    `lines` are (SKU code, quantity) pairs; by default one brick of tea (¥48.00, 6 %
    commission) for the demo buyer, delivered to an address in Chengdu, paid by transfer.
    """

    def __init__(self, demo: Any) -> None:
        self.demo = demo

    def place(
        self,
        lines: Sequence[tuple[str, int]] = (("LT-ZC-500", 1),),
        *,
        buyer: Any = None,
        delivery: Any = None,
        method: str = "bank_transfer",
    ) -> Any:
        from highland.catalog.models import Sku
        from highland.orders.services import CheckoutLine, DeliveryDetails, place_order

        buyer = buyer or self.demo.user("buyer")
        return place_order(
            self.demo.county,
            [CheckoutLine(Sku.objects.get(code=code).pk, quantity) for code, quantity in lines],
            buyer=buyer,
            actor=buyer,
            delivery=delivery or DeliveryDetails(**CHENGDU_ADDRESS),
            payment_method=method,
        )

    def paid(self, lines: Sequence[tuple[str, int]] = (("LT-ZC-500", 1),), **options: Any) -> Any:
        """A checkout paid by bank transfer, confirmed by the centre operator; its first order."""
        from highland.orders.models import Order
        from highland.payments.services import confirm_bank_transfer

        result = self.place(lines, **options)
        confirm_bank_transfer(
            result.payment, actor=self.demo.user("operator"), bank_reference="ICBC-TEST"
        )
        return Order.objects.get(pk=result.orders[0].pk)

    def delivered(
        self,
        lines: Sequence[tuple[str, int]] = (("LT-ZC-500", 1),),
        *,
        grams: int | None = None,
        days_ago: int = 0,
        **options: Any,
    ) -> Any:
        """A paid order packed (lines sold by weight at `grams`), shipped and delivered,
        `days_ago` days ago."""
        from highland.orders import services
        from highland.orders.models import Order, OrderStatus

        order = self.paid(lines, **options)
        seller, operator = self.demo.user("seller"), self.demo.user("operator")
        packed: dict[int, int] = {
            line.pk: grams if grams is not None else line.quantity
            for line in order.lines.filter(selling_unit="weight")
        }
        services.pack_order(order, packed, actor=seller)
        services.advance_order(order, OrderStatus.SHIPPED, actor=seller)
        services.advance_order(order, OrderStatus.DELIVERED, actor=operator)
        if days_ago:
            Order.objects.filter(pk=order.pk).update(
                delivered_at=timezone.now() - dt.timedelta(days=days_ago)
            )
        return Order.objects.get(pk=order.pk)


def make_other_county_sku(county: Any, *, seller_member: Any) -> Any:
    """Another county's own shop: one herder household selling milk powder (¥50.00 a bag,
    9 left, in one lot); returns the SKU."""
    from highland.catalog.models import Category, Product, Seller, Sku
    from highland.catalog.services import add_lot

    seller = Seller.objects.create(
        county=county, kind="individual", member=seller_member, name_zh="红原牧户"
    )
    category = Category.objects.create(
        county=county,
        code="dairy",
        name_zh="乳品",
        name_bo="འོ།",
        name_en="Dairy",
        direction="up",
        commission_bp=500,
    )
    product = Product.objects.create(
        county=county,
        seller=seller,
        category=category,
        name_zh="红原奶粉",
        storage_class="ambient",
        shelf_life_days=365,
        status="active",
    )
    sku = Sku.objects.create(
        product=product,
        county=county,
        code="HY-NF-1",
        label_zh="袋",
        selling_unit="pack",
        price_fen=5000,
        unit_weight_g=500,
        stock=0,
    )
    add_lot(sku, 9, origin="seller")
    return sku
