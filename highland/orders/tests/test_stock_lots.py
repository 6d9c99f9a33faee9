"""Stock held in lots (ADR 0010): goods enter through lots, packing allocates lines to lots
first expiry first (or the lot the packer names), goods coming back go into their own lot,
and the invariant sellable + reserved-but-unpacked = Σ lot on hand always holds."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.utils import timezone

from highland.catalog import services as catalog_services
from highland.catalog.models import LotOrigin, Sku, StockLot
from highland.core.errors import ValidationFailed
from highland.orders import aftersales, services
from highland.orders.models import LineLotAllocation, Order, OrderStatus
from highland.orders.stock_invariants import verify_stock
from highland.testing import OrderFactory

TEA = "LT-ZC-500"  # 80 bricks, sold by the enterprise ("seller")
MATSUTAKE = "LT-SR-W"  # 20 kg, sold by weight, same seller
NOODLES_OR_OTHER = "LT-YJ-250S"  # another seller's SKU

TODAY = timezone.localdate()


def sku(code: str) -> Sku:
    return Sku.objects.select_related("product__seller", "county").get(code=code)


def lots_of(code: str) -> list[StockLot]:
    return list(StockLot.objects.filter(sku__code=code).order_by("pk"))


def on_hand(code: str) -> dict[str, int]:
    return {lot.code: lot.on_hand for lot in lots_of(code)}


def receive(demo, code: str, quantity: int, *, days: int | None) -> StockLot:
    best_before = TODAY + dt.timedelta(days=days) if days is not None else None
    return catalog_services.receive_stock_lot(
        sku(code), quantity, actor=demo.user("seller"), best_before=best_before
    )


def state() -> tuple:
    return (
        list(Sku.objects.order_by("pk").values_list("pk", "stock")),
        list(StockLot.objects.order_by("pk").values_list("pk", "on_hand")),
        list(LineLotAllocation.objects.order_by("pk").values_list("pk", "quantity", "returned")),
        list(Order.objects.order_by("pk").values_list("pk", "status")),
    )


@pytest.fixture
def factory(demo) -> OrderFactory:
    return OrderFactory(demo)


# --- goods enter through lots -----------------------------------------------------------------


def test_the_demo_catalogue_holds_its_stock_in_lots(demo):
    assert verify_stock(demo.county) == []
    for each in Sku.objects.filter(county=demo.county, stock__gt=0):
        assert sum(lot.on_hand for lot in lots_of(each.code)) == each.stock
        assert {lot.origin for lot in lots_of(each.code)} == {LotOrigin.SELLER}


def test_a_stocktake_below_the_count_takes_out_of_the_first_expiring_lots(demo):
    late = receive(demo, TEA, 10, days=300)
    early = receive(demo, TEA, 10, days=30)
    opening = lots_of(TEA)[0]  # 80, no best-before date: last out

    catalog_services.set_stock(sku(TEA), 85, actor=demo.user("seller"), reason="counted")

    assert on_hand(TEA) == {opening.code: 80, late.code: 5, early.code: 0}
    assert sku(TEA).stock == 85
    assert verify_stock(demo.county) == []


def test_a_stocktake_counts_reserved_units_and_refuses_a_count_below_them(demo, factory):
    factory.paid([(TEA, 30)])  # 30 reserved, 50 for sale, 80 on the shelf
    before = state()

    with pytest.raises(ValidationFailed) as refusal:
        catalog_services.set_stock(sku(TEA), 29, actor=demo.user("seller"))

    assert refusal.value.code == "reserved_stock"
    assert "30 are reserved by orders not yet packed" in refusal.value.errors["stock"][0]
    assert state() == before

    catalog_services.set_stock(sku(TEA), 30, actor=demo.user("seller"))
    assert sku(TEA).stock == 0
    assert sum(on_hand(TEA).values()) == 30
    assert verify_stock(demo.county) == []


def test_removing_more_than_is_for_sale_names_the_reserved_units(demo, factory):
    factory.paid([(TEA, 75)])
    before = state()

    with pytest.raises(ValidationFailed) as refusal:
        catalog_services.adjust_stock(sku(TEA), -6, actor=demo.user("seller"))

    assert refusal.value.code == "insufficient_stock"
    assert refusal.value.errors == {
        "quantity": [
            "Not enough stock: only 5 can be removed, 75 more are reserved by orders not yet "
            "packed."
        ]
    }
    assert state() == before


def test_a_best_before_date_before_the_day_received_is_refused(demo):
    before = state()
    with pytest.raises(ValidationFailed) as refusal:
        receive(demo, TEA, 5, days=-1)
    assert "best_before" in refusal.value.errors
    assert state() == before


# --- packing --------------------------------------------------------------------------------


def test_packing_takes_the_first_expiring_lot_and_records_the_allocation(demo, factory):
    later = receive(demo, TEA, 3, days=200)
    sooner = receive(demo, TEA, 2, days=20)
    order = factory.paid([(TEA, 4)])

    services.pack_order(order, {}, actor=demo.user("seller"))

    line = order.lines.get()
    allocations = {a.lot.code: a.quantity for a in line.lot_allocations.select_related("lot")}
    assert allocations == {sooner.code: 2, later.code: 2}
    assert on_hand(TEA)[sooner.code] == 0 and on_hand(TEA)[later.code] == 1
    assert sku(TEA).stock == 80 + 5 - 4
    assert verify_stock(demo.county) == []


def test_the_packer_may_name_the_lot(demo, factory):
    named = receive(demo, TEA, 5, days=400)
    order = factory.paid([(TEA, 5)])

    services.pack_order(order, {}, actor=demo.user("seller"), lots={order.lines.get().pk: named.pk})

    assert on_hand(TEA)[named.code] == 0
    assert verify_stock(demo.county) == []


def test_a_lot_of_another_sku_is_refused_and_nothing_is_saved(demo, factory):
    order = factory.paid([(TEA, 1)])
    other = lots_of(MATSUTAKE)[0]
    before = state()

    with pytest.raises(ValidationFailed) as refusal:
        services.pack_order(
            order, {}, actor=demo.user("seller"), lots={order.lines.get().pk: other.pk}
        )

    assert refusal.value.code == "wrong_lot"
    assert state() == before


def test_a_named_lot_holding_too_little_is_refused(demo, factory):
    small = receive(demo, TEA, 2, days=10)
    order = factory.paid([(TEA, 3)])
    before = state()

    with pytest.raises(ValidationFailed) as refusal:
        services.pack_order(
            order, {}, actor=demo.user("seller"), lots={order.lines.get().pk: small.pk}
        )

    assert refusal.value.code == "lot_short"
    assert f"lot {small.code} holds only 2, 3 are to be packed" in str(refusal.value.errors)
    assert state() == before


def test_packing_twice_is_refused(demo, factory):
    order = factory.paid([(TEA, 2)])
    services.pack_order(order, {}, actor=demo.user("seller"))
    before = state()

    with pytest.raises(ValidationFailed):
        services.pack_order(order, {}, actor=demo.user("seller"))

    assert state() == before
    assert LineLotAllocation.objects.filter(line__order=order).count() == 1


def test_grams_packed_under_the_order_go_back_on_sale(demo, factory):
    order = factory.paid([(MATSUTAKE, 1000)])
    line = order.lines.get()
    stock_before = sku(MATSUTAKE).stock

    services.pack_order(order, {line.pk: 960}, actor=demo.user("seller"))

    assert sku(MATSUTAKE).stock == stock_before + 40
    assert LineLotAllocation.objects.get(line=line).quantity == 960
    assert verify_stock(demo.county) == []


def test_packing_more_grams_than_are_left_for_sale_is_refused(demo, factory):
    order = factory.paid([(MATSUTAKE, 1000)])
    line = order.lines.get()
    # Everything else goes, so the 40 g more than ordered cannot come from anywhere.
    catalog_services.adjust_stock(sku(MATSUTAKE), -sku(MATSUTAKE).stock, actor=demo.user("seller"))
    before = state()

    with pytest.raises(ValidationFailed) as refusal:
        services.pack_order(order, {line.pk: 1040}, actor=demo.user("seller"))

    assert refusal.value.code == "insufficient_stock"
    assert state() == before
    services.pack_order(order, {line.pk: 1000}, actor=demo.user("seller"))
    assert verify_stock(demo.county) == []


# --- goods coming back ------------------------------------------------------------------------


def test_cancelling_before_packing_touches_no_lot(demo, factory):
    order = factory.paid([(TEA, 3)])
    lots_before = on_hand(TEA)

    services.cancel_order(order, actor=demo.user("buyer"), reason="changed my mind")

    assert on_hand(TEA) == lots_before
    assert sku(TEA).stock == 80
    assert verify_stock(demo.county) == []


def test_cancelling_after_packing_puts_the_goods_back_into_the_same_lot(demo, factory):
    first = receive(demo, TEA, 2, days=5)
    order = factory.paid([(TEA, 3)])
    services.pack_order(order, {}, actor=demo.user("seller"))
    opening = lots_of(TEA)[0]
    assert on_hand(TEA) == {opening.code: 79, first.code: 0}

    services.cancel_order(order, actor=demo.user("seller"), reason="damaged in the yard")

    assert on_hand(TEA) == {opening.code: 80, first.code: 2}
    assert sku(TEA).stock == 82
    assert all(a.returned == a.quantity for a in LineLotAllocation.objects.all())
    assert verify_stock(demo.county) == []


def test_a_return_after_the_lot_was_emptied_refills_that_lot(demo, factory):
    lot = receive(demo, TEA, 2, days=3)
    order = factory.delivered([(TEA, 2)])
    assert on_hand(TEA)[lot.code] == 0
    catalog_services.set_stock(sku(TEA), 0, actor=demo.user("seller"))  # all the rest gone
    seller = demo.user("seller")
    request = aftersales.open_aftersale(
        order, actor=demo.user("buyer"), kind="return_and_refund", reason="damaged"
    )
    aftersales.accept_aftersale(request, actor=seller)

    aftersales.receive_return(request, actor=seller)

    assert on_hand(TEA)[lot.code] == 2
    assert sku(TEA).stock == 2
    assert LineLotAllocation.objects.get(line__order=order).returned == 2
    assert verify_stock(demo.county) == []


def test_a_legacy_packed_order_cancelled_comes_back_in_a_new_opening_lot(demo, factory):
    order = factory.paid([(TEA, 2)])
    services.pack_order(order, {}, actor=demo.user("seller"))
    # As if packed before lots existed: its allocation was never recorded.
    LineLotAllocation.objects.filter(line__order=order).delete()
    StockLot.objects.filter(sku__code=TEA).update(on_hand=78)

    services.cancel_order(order, actor=demo.user("seller"), reason="never shipped")

    new = StockLot.objects.filter(sku__code=TEA).order_by("pk").last()
    assert (new.origin, new.on_hand) == (LotOrigin.OPENING, 2)
    assert sku(TEA).stock == 80


# --- migration and the verify command ------------------------------------------------------------


def test_the_migration_puts_stock_and_reservations_into_one_opening_lot(demo, factory):
    order = factory.place([(TEA, 5)]).orders[0]  # awaiting payment: 5 reserved
    assert order.status == OrderStatus.PENDING_PAYMENT
    StockLot.objects.filter(sku__code=TEA).delete()
    migration = importlib.import_module("highland.orders.migrations.0014_opening_stock_lots_lots")

    migration.open_lots(apps, None)

    (lot,) = lots_of(TEA)
    assert (lot.code, lot.on_hand, lot.origin) == (f"OPEN-{TEA}", 80, LotOrigin.OPENING)
    assert sku(TEA).stock == 75
    assert verify_stock(demo.county) == []


def test_verify_reports_a_sku_out_of_step_with_its_lots(demo, capsys):
    call_command("verify", county=demo.county.code)
    assert "stock OK" in capsys.readouterr().out

    Sku.objects.filter(code=TEA).update(stock=81)

    with pytest.raises(CommandError):
        call_command("verify", county=demo.county.code)
    assert f"SKU {TEA}: 81 for sale + 0 reserved is not the 80 its lots hold." in (
        capsys.readouterr().out
    )


def test_verify_reports_a_packed_line_without_allocation(demo, factory, capsys):
    order = factory.paid([(TEA, 1)])
    services.pack_order(order, {}, actor=demo.user("seller"))
    LineLotAllocation.objects.filter(line__order=order).update(quantity=1, returned=0)
    assert verify_stock(demo.county) == []

    LineLotAllocation.objects.filter(line__order=order).delete()

    problems = verify_stock(demo.county)
    assert any("packed 1 but 0 is allocated" in problem for problem in problems)
