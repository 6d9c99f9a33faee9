"""Real races on the same lots (ADR 0010): two packers of different orders, and a packer
with a stocktake. Lots are locked in ascending id, then SKU rows: no deadlock, no lot
below zero, every packed line fully allocated, the invariant holds."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from highland.catalog import services as catalog_services
from highland.catalog.models import Sku, StockLot
from highland.core.errors import DomainError
from highland.orders import services
from highland.orders.models import LineLotAllocation, Order, OrderStatus
from highland.orders.stock_invariants import verify_stock
from highland.testing import OrderFactory, run_concurrently

TEA = "LT-ZC-500"


def _outcome(action) -> str:
    try:
        action()
    except DomainError as error:
        return error.code or "refused"
    return "done"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_packers_of_different_orders_share_the_first_expiring_lot(demo):
    seller = demo.user("seller")
    sku = Sku.objects.select_related("product__seller").get(code=TEA)
    # Bring the shelf down to two small lots of 3, so both orders need both lots.
    catalog_services.set_stock(sku, 0, actor=seller)
    for days in (10, 20):
        catalog_services.receive_stock_lot(
            sku,
            3,
            actor=seller,
            best_before=timezone.localdate() + dt.timedelta(days=days),
        )
    factory = OrderFactory(demo)
    orders = [factory.paid([(TEA, 3)]), factory.paid([(TEA, 3)])]

    results = run_concurrently(
        lambda order: _outcome(
            lambda: services.pack_order(Order.objects.get(pk=order.pk), {}, actor=seller)
        ),
        [(order,) for order in orders],
    )

    assert results == ["done", "done"]
    assert list(StockLot.objects.filter(sku=sku, on_hand__gt=0)) == []
    for order in orders:
        assert Order.objects.get(pk=order.pk).status == OrderStatus.PACKED
        assert sum(a.quantity for a in LineLotAllocation.objects.filter(line__order=order)) == 3
    assert verify_stock(demo.county) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_packer_and_a_stocktake_racing_keep_the_invariant(demo):
    seller = demo.user("seller")
    factory = OrderFactory(demo)
    orders = [factory.paid([(TEA, 5)]) for _ in range(3)]
    sku = Sku.objects.select_related("product__seller").get(code=TEA)

    def act(index: int) -> str:
        if index < 3:
            order = Order.objects.get(pk=orders[index].pk)
            return _outcome(lambda: services.pack_order(order, {}, actor=seller))
        return _outcome(lambda: catalog_services.adjust_stock(sku, -60, actor=seller))

    results = run_concurrently(act, [(index,) for index in range(4)])

    assert results[:3] == ["done"] * 3
    assert results[3] == "done"
    assert Sku.objects.get(pk=sku.pk).stock == 80 - 15 - 60
    assert verify_stock(demo.county) == []
