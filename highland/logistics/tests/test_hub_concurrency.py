"""Real races on PostgreSQL: movers, pickers and packers after the same units of one lot.

Every writer of a lot's placements locks the lot's row first (ADR 0010's lock order), so
two movers of one lot take turns; the second finds the units gone and is refused, and
the lot's placements never add up to more than it holds, nor go below zero.
"""

from __future__ import annotations

import pytest
from django.db import connection

from highland.core.errors import DomainError
from highland.logistics.models import LotMovement, LotMovementKind
from highland.logistics.services.hub import move_lot, pick_from_location, put_away
from highland.orders.stock_invariants import verify_stock
from highland.testing import run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _on_postgres() -> None:
    # SQLite is not a missing server: it serialises writers, so these races are PostgreSQL's
    # (CI runs the suite on both; on SQLite they skip there too).
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://…): SQLite serialises writers")


def _outcome(result: object) -> str:
    if isinstance(result, DomainError):
        return result.code
    if isinstance(result, BaseException):
        raise result
    return "done"


def test_two_movers_racing_for_the_same_units_move_them_once(hub):
    _on_postgres()
    # Given 10 bricks of tea at A-01
    lot = hub.new_lot("LT-ZC-500", 10)
    put_away(lot, location=hub.location("A-01"), quantity=10, actor=hub.operator)

    # When two movers each take 7 of them, to different shelves, at the same moment
    def mover(destination: str) -> object:
        return move_lot(
            lot,
            from_location=hub.location("A-01"),
            to_location=hub.location(destination),
            quantity=7,
            actor=hub.operator,
        )

    results = run_concurrently(mover, [("A-02",), ("A-03",)])

    # Then one moved them, the other was refused, and the 10 bricks are all accounted for
    assert sorted(_outcome(result) for result in results) == ["done", "not_there"]
    placed = hub.placed(lot)
    assert placed.pop("A-01") == 3
    assert list(placed.values()) == [7]
    assert LotMovement.objects.filter(lot=lot, kind=LotMovementKind.MOVED).count() == 1
    assert verify_stock(hub.demo.county) == []


def test_two_put_aways_of_the_same_unplaced_goods_place_them_once(hub):
    _on_postgres()
    lot = hub.new_lot("LT-SRF-500", 10)

    def putter(destination: str) -> object:
        return put_away(lot, location=hub.location(destination), quantity=6, actor=hub.operator)

    results = run_concurrently(putter, [("F-02",), ("F-03",)])

    assert sorted(_outcome(result) for result in results) == ["done", "not_unplaced"]
    assert sum(hub.placed(lot).values()) == 6
    assert verify_stock(hub.demo.county) == []


def test_pickers_movers_and_a_packer_of_one_lot_never_overdraw_it(hub, parcel_factory):
    _on_postgres()
    # Given the demo's tea lot wholly at its shelf
    lot = hub.demo_lot("LT-ZC-500")
    [(source, before)] = hub.placed(lot).items()

    def worker(role: str) -> object:
        if role == "pack":
            return parcel_factory.packed_order(lines=(("LT-ZC-500", 5),))
        if role == "pick":
            return pick_from_location(
                lot, location=hub.location(source), quantity=before - 3, actor=hub.operator
            )
        return move_lot(
            lot,
            from_location=hub.location(source),
            to_location=hub.location("A-06" if source != "A-06" else "A-05"),
            quantity=before - 2,
            actor=hub.operator,
        )

    # When a packer, a picker and a mover go at it together
    results = run_concurrently(worker, [("pack",), ("pick",), ("move",)])

    # Then nobody deadlocked or crashed, the packer always got its goods, and every unit
    # is at a location, on the bench, or packed: never more, never fewer
    outcomes = [_outcome(result) for result in results]
    assert outcomes[0] == "done", results
    assert set(outcomes[1:]) <= {"done", "not_there"}
    lot.refresh_from_db()
    assert lot.on_hand == before - 5
    assert 0 <= sum(hub.placed(lot).values()) <= lot.on_hand
    assert verify_stock(hub.demo.county) == []


def test_two_tote_makers_at_once_make_one_tote_per_point(hub, parcel_factory, demo):
    _on_postgres()
    from highland.logistics.models import Parcel, ParcelKind
    from highland.logistics.services.hub import make_totes

    # Given three packed orders for one point and one for another
    orders = [parcel_factory.packed_order("LT-S01-V01") for _ in range(3)]
    orders.append(parcel_factory.packed_order("LT-S01-V02"))

    # When two operators press "make totes" at the same moment
    results = run_concurrently(lambda: make_totes(demo.county, actor=hub.operator), 2)

    # Then no one failed, each point has one tote, and every order is in it once
    assert not [result for result in results if isinstance(result, BaseException)], results
    totes = Parcel.objects.filter(kind=ParcelKind.TOTE)
    assert sorted(totes.values_list("destination_point__code", flat=True)) == [
        "LT-S01-V01",
        "LT-S01-V02",
    ]
    assert Parcel.objects.filter(kind=ParcelKind.ORDER).count() == 4
    assert Parcel.objects.filter(kind=ParcelKind.ORDER, tote__isnull=True).count() == 0
    assert {tote.destination_point.code: tote.contents.count() for tote in totes} == {
        "LT-S01-V01": 3,
        "LT-S01-V02": 1,
    }
