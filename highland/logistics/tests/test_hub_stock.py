"""Stock lots by location: put-away only where it is cold enough, moves and picks that keep
quantities exact, placements that follow packing, and the invariant `verify` checks."""

from __future__ import annotations

import pytest

from highland.catalog.models import StockLot
from highland.core.errors import PermissionDenied, ValidationFailed
from highland.core.idempotency import IdempotentRequest
from highland.core.models import AuditRecord
from highland.logistics.models import LotMovement, LotMovementKind, LotPlacement
from highland.logistics.services.hub import move_lot, pick_from_location, put_away
from highland.orders.stock_invariants import verify_stock


def _nothing_recorded(lot: StockLot) -> None:
    assert not LotPlacement.objects.filter(lot=lot).exists()
    assert not LotMovement.objects.filter(lot=lot).exists()
    assert not AuditRecord.objects.filter(
        action__startswith="logistics.lot.", object_id=str(lot.pk)
    ).exists()


@pytest.mark.parametrize(
    ("sku_code", "location_code", "message"),
    [
        (
            "LT-SRF-500",
            "C-01",
            "is frozen goods and location C-01 is in zone C, which is chilled: "
            "too warm for them. Choose a colder location.",
        ),
        (
            "LT-SRF-500",
            "A-01",
            "is frozen goods and location A-01 is in zone A, which is ambient: "
            "too warm for them. Choose a colder location.",
        ),
        (
            "LT-YY-6",
            "A-02",
            "is chilled goods and location A-02 is in zone A, which is ambient: "
            "too warm for them. Choose a colder location.",
        ),
    ],
)
def test_a_cold_lot_is_refused_in_a_warmer_zone_and_nothing_changes(
    hub, sku_code, location_code, message
):
    # Given a cold lot just received
    lot = hub.new_lot(sku_code, 10)

    # When it is put away in a warmer zone
    with pytest.raises(ValidationFailed) as refused:
        put_away(lot, location=hub.location(location_code), quantity=10, actor=hub.operator)

    # Then the refusal names both classes, and nothing is placed, moved or audited
    assert refused.value.code == "too_warm"
    assert refused.value.field == "location"
    assert refused.value.message == f"Lot {lot.code} {message}"
    _nothing_recorded(lot)


@pytest.mark.parametrize(
    ("sku_code", "location_code"),
    [("LT-YY-6", "F-02"), ("LT-ZC-500", "C-03"), ("LT-ZC-500", "F-03"), ("LT-SRF-500", "F-04")],
)
def test_goods_may_be_put_away_as_cold_or_colder(hub, sku_code, location_code):
    lot = hub.new_lot(sku_code, 12)

    moved = put_away(lot, location=hub.location(location_code), quantity=12, actor=hub.operator)

    assert moved.created
    assert hub.placed(lot) == {location_code: 12}
    assert moved.movement.kind == LotMovementKind.PUT_AWAY
    assert moved.movement.to_location.code == location_code
    record = AuditRecord.objects.get(action="logistics.lot.put_away", object_id=str(lot.pk))
    assert record.changes == {
        "lot": lot.code,
        "quantity": 12,
        "from_location": None,
        "to_location": location_code,
    }


def test_put_away_takes_at_most_what_is_not_yet_put_away(hub):
    lot = hub.new_lot("LT-ZC-500", 10)
    put_away(lot, location=hub.location("A-01"), quantity=7, actor=hub.operator)

    with pytest.raises(ValidationFailed) as refused:
        put_away(lot, location=hub.location("A-02"), quantity=4, actor=hub.operator)

    assert refused.value.code == "not_unplaced"
    assert refused.value.message == (
        f"Only 3 units of lot {lot.code} are not yet put away, not 4 units."
    )
    assert hub.placed(lot) == {"A-01": 7}


def test_a_second_put_away_at_the_same_location_adds_to_it(hub):
    lot = hub.new_lot("LT-JM-W", 5000)  # sold by weight: grams

    put_away(lot, location=hub.location("A-03"), quantity=2000, actor=hub.operator)
    put_away(lot, location=hub.location("A-03"), quantity=1500, actor=hub.operator)

    assert hub.placed(lot) == {"A-03": 3500}
    assert LotPlacement.objects.filter(lot=lot).count() == 1


def test_moves_keep_quantities_exact_and_an_emptied_location_disappears(hub):
    lot = hub.new_lot("LT-YY-6", 20)
    put_away(lot, location=hub.location("C-01"), quantity=20, actor=hub.operator)

    move_lot(
        lot,
        from_location=hub.location("C-01"),
        to_location=hub.location("F-02"),
        quantity=8,
        actor=hub.operator,
    )
    assert hub.placed(lot) == {"C-01": 12, "F-02": 8}

    move_lot(
        lot,
        from_location=hub.location("C-01"),
        to_location=hub.location("C-04"),
        quantity=12,
        actor=hub.operator,
    )

    assert hub.placed(lot) == {"C-04": 12, "F-02": 8}
    assert sum(hub.placed(lot).values()) == StockLot.objects.get(pk=lot.pk).on_hand
    assert list(
        LotMovement.objects.filter(lot=lot, kind=LotMovementKind.MOVED)
        .order_by("pk")
        .values_list("from_location__code", "to_location__code", "quantity")
    ) == [("C-01", "F-02", 8), ("C-01", "C-04", 12)]


def test_a_move_into_a_warmer_zone_is_refused_and_nothing_changes(hub):
    lot = hub.new_lot("LT-SRF-500", 6)
    put_away(lot, location=hub.location("F-02"), quantity=6, actor=hub.operator)

    with pytest.raises(ValidationFailed) as refused:
        move_lot(
            lot,
            from_location=hub.location("F-02"),
            to_location=hub.location("C-02"),
            quantity=6,
            actor=hub.operator,
        )

    assert refused.value.code == "too_warm"
    assert "frozen" in refused.value.message and "chilled" in refused.value.message
    assert hub.placed(lot) == {"F-02": 6}
    assert not LotMovement.objects.filter(lot=lot, kind=LotMovementKind.MOVED).exists()


def test_a_move_of_more_than_lies_there_is_refused(hub):
    lot = hub.new_lot("LT-ZC-500", 5)
    put_away(lot, location=hub.location("A-04"), quantity=5, actor=hub.operator)

    with pytest.raises(ValidationFailed) as refused:
        move_lot(
            lot,
            from_location=hub.location("A-04"),
            to_location=hub.location("A-05"),
            quantity=6,
            actor=hub.operator,
        )

    assert refused.value.code == "not_there"
    assert refused.value.message == f"Location A-04 holds 5 units of lot {lot.code}, not 6 units."
    assert hub.placed(lot) == {"A-04": 5}


def test_picking_takes_goods_to_the_bench_and_names_the_order(hub, order_factory):
    lot = hub.demo_lot("LT-ZC-500")
    [(source, before)] = hub.placed(lot).items()
    order = order_factory.paid((("LT-ZC-500", 2),))

    moved = pick_from_location(
        lot, location=hub.location(source), quantity=2, order=order, actor=hub.operator
    )

    assert hub.placed(lot) == {source: before - 2}
    assert moved.movement.order == order
    assert moved.movement.kind == LotMovementKind.PICKED
    assert StockLot.objects.get(pk=lot.pk).on_hand == before  # still in the lot until packed
    record = AuditRecord.objects.get(action="logistics.lot.picked", object_id=str(lot.pk))
    assert record.changes["order"] == order.number


def test_picking_for_an_order_without_this_product_is_refused(hub, order_factory):
    lot = hub.demo_lot("LT-ZC-500")
    [(source, before)] = hub.placed(lot).items()
    order = order_factory.paid((("LT-QK-2500", 1),))

    with pytest.raises(ValidationFailed) as refused:
        pick_from_location(
            lot, location=hub.location(source), quantity=1, order=order, actor=hub.operator
        )

    assert refused.value.code == "wrong_order"
    assert hub.placed(lot) == {source: before}


def test_packing_takes_picked_goods_first_then_from_locations(hub, parcel_factory):
    # Given the demo's tea lot wholly at its location, and two bricks picked to the bench
    lot = hub.demo_lot("LT-ZC-500")
    [(source, before)] = hub.placed(lot).items()
    pick_from_location(lot, location=hub.location(source), quantity=2, actor=hub.operator)

    # When an order of one brick is packed: it comes off the bench
    parcel_factory.packed_order(lines=(("LT-ZC-500", 1),))
    assert hub.placed(lot) == {source: before - 2}

    # When an order of three is packed without picking: one from the bench, two from the shelf
    parcel_factory.packed_order(lines=(("LT-ZC-500", 3),))

    lot.refresh_from_db()
    assert lot.on_hand == before - 4
    assert hub.placed(lot) == {source: before - 4}
    taken = LotMovement.objects.get(lot=lot, kind=LotMovementKind.TAKEN_BY_PACKING)
    assert (taken.from_location.code, taken.quantity, taken.actor) == (source, 2, None)
    assert verify_stock(hub.demo.county) == []


def test_packing_takes_from_locations_in_code_order(hub, parcel_factory):
    # Given the frozen matsutake lot spread over F-02 (1) and F-04 (the rest)
    lot = hub.demo_lot("LT-SRF-500")
    [(source, before)] = hub.placed(lot).items()
    for destination, quantity in (("F-02", 1), ("F-04", before - 1)):
        move_lot(
            lot,
            from_location=hub.location(source),
            to_location=hub.location(destination),
            quantity=quantity,
            actor=hub.operator,
        )

    # When ten packs are packed without picking
    parcel_factory.packed_order(lines=(("LT-SRF-500", 10),))

    # Then they came from F-02 first, then F-04
    assert hub.placed(lot) == {"F-04": before - 10}
    assert list(
        LotMovement.objects.filter(lot=lot, kind=LotMovementKind.TAKEN_BY_PACKING)
        .order_by("pk")
        .values_list("from_location__code", "quantity")
    ) == [("F-02", 1), ("F-04", 9)]
    assert verify_stock(hub.demo.county) == []


def test_a_repeated_request_moves_once(hub):
    lot = hub.new_lot("LT-ZC-500", 9)
    once = IdempotentRequest.of("scanner-put-0001", {"lot": lot.pk, "quantity": 9})

    first = put_away(
        lot, location=hub.location("A-06"), quantity=9, actor=hub.operator, idempotent_request=once
    )
    again = put_away(
        lot, location=hub.location("A-06"), quantity=9, actor=hub.operator, idempotent_request=once
    )

    assert (first.created, again.created) == (True, False)
    assert again.movement == first.movement
    assert hub.placed(lot) == {"A-06": 9}


def test_a_dispatcher_sees_the_hub_but_moves_nothing(hub, demo):
    lot = hub.new_lot("LT-ZC-500", 3)

    with pytest.raises(PermissionDenied):
        put_away(lot, location=hub.location("A-01"), quantity=3, actor=demo.user("dispatcher"))

    _nothing_recorded(lot)


def test_verify_reports_a_lot_placed_beyond_what_it_holds(hub, demo):
    lot = hub.demo_lot("LT-ZC-500")
    [(_location, before)] = hub.placed(lot).items()
    LotPlacement.objects.filter(lot=lot).update(quantity=before + 5)

    problems = verify_stock(demo.county)

    assert problems == [
        f"logistics.lots_by_location: Lot {lot.code} has {before + 5} at locations "
        f"but holds only {before}."
    ]


def test_verify_reports_a_frozen_lot_in_a_chilled_zone(hub, demo):
    lot = hub.demo_lot("LT-SRF-500")
    LotPlacement.objects.filter(lot=lot).update(location=hub.location("C-02"))

    assert verify_stock(demo.county) == [
        f"logistics.lots_by_location: Lot {lot.code} (frozen) lies at C-02 in a chilled zone."
    ]


def test_the_demo_hub_holds_every_demo_lot_in_a_zone_of_its_class(hub, demo):
    lots = StockLot.objects.filter(county=demo.county, on_hand__gt=0).select_related("sku__product")
    for lot in lots:
        placements = LotPlacement.objects.filter(lot=lot).select_related("location__zone")
        assert sum(placement.quantity for placement in placements) == lot.on_hand
        assert {p.location.zone.temperature_class for p in placements} == {
            lot.sku.product.storage_class
        }
    assert verify_stock(demo.county) == []


def test_a_stocktake_that_counts_fewer_takes_them_from_the_locations(hub, demo):
    from highland.catalog.services import set_stock

    # Given the brick tea lot wholly at its shelf
    lot = hub.demo_lot("LT-ZC-500")
    [(source, before)] = hub.placed(lot).items()

    # When a stocktake counts three fewer
    set_stock(lot.sku, before - 3, actor=hub.operator, reason="盘点")

    # Then the shelf holds three fewer too
    assert hub.placed(lot) == {source: before - 3}
    taken = LotMovement.objects.get(lot=lot, kind=LotMovementKind.TAKEN_BY_PACKING)
    assert (taken.from_location.code, taken.quantity) == (source, 3)
    assert verify_stock(demo.county) == []
