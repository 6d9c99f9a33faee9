"""Bus or van: the bus (fee, arrival) against the van stop's marginal cost, worked by hand
on a three-place county; bus capacity kept under a race; the demo line B1 in a run."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from highland.logistics.models import (
    BusConsignment,
    BusConsignmentStatus,
    BusDeparture,
    BusDepartureBooking,
    BusLine,
    Parcel,
    ParcelCost,
    Vehicle,
)
from highland.logistics.planning.buses import BusOption, BusPlanner, PlannedVan
from highland.logistics.planning.day import Day, Excluded, StopLoad, vehicle_type_for
from highland.logistics.planning.routes import evaluate_route
from highland.logistics.services.buses import book_departure
from highland.logistics.tests.plans_setup import next_weekday, solved_run
from highland.network.models import ServicePoint
from highland.testing import run_concurrently

HOUR = 3600
ALL_DAY = (0, 24 * HOUR)


def _point(pk: int, code: str, name: str) -> ServicePoint:
    return ServicePoint(
        pk=pk,
        code=code,
        name_zh=name,
        name_bo=name,
        name_en=name,
        latitude=Decimal("30"),
        longitude=Decimal("100"),
        altitude_m=4000,
    )


def _parcel(pk: int, point: ServicePoint, temperature_class: str = "ambient") -> Parcel:
    return Parcel(
        pk=pk,
        sscc=f"{pk:018d}",
        kind="order",
        destination_point_id=point.pk,
        weight_g=1_000,
        volume_ml=2_000,
        temperature_class=temperature_class,
    )


HUB, NEAR, FAR = _point(1, "H", "Hub"), _point(2, "A", "Near"), _point(3, "B", "Far")


def _day(far_parcels: tuple[Parcel, ...], *, far_served: bool = True) -> tuple[Day, list[Excluded]]:
    """Hub, a near point A (10 km) and a far one B (50 km; 45 km from A); one van at
    ¥2.00 a km and ¥36.00 an hour; both points open all day."""
    van = Vehicle(
        pk=7,
        plate="TEST",
        capacity_g=1_000_000,
        capacity_ml=5_000_000,
        refrigerated=False,
        shift_minutes=600,
        cost_per_km_fen=200,
        cost_per_hour_fen=3600,
    )
    stops = {"A": StopLoad("A", NEAR, (_parcel(11, NEAR),), (), 0, 0, ALL_DAY)}
    unserved: list[Excluded] = []
    if far_served:
        stops["B"] = StopLoad("B", FAR, far_parcels, (), 0, 0, ALL_DAY)
    else:
        unserved.append(Excluded(FAR, "no_room", far_parcels, 2_000, {}))
    day = Day(
        county=None,  # type: ignore[arg-type]
        day=dt.date(2026, 6, 9),
        departs_s=7 * HOUR,
        depot=HUB,
        places=[HUB, NEAR, FAR],
        location_of={1: 0, 2: 1, 3: 2},
        distance=[[0, 10_000, 50_000], [10_000, 0, 45_000], [50_000, 45_000, 0]],
        duration=[[0, 600, 3000], [600, 0, 2700], [3000, 2700, 0]],
        vehicles={"V7": van},
        vehicle_types=(vehicle_type_for(van, 7 * HOUR),),
        stops=stops,
        excluded=[],
        periods={2: [(8 * HOUR, 11 * HOUR)], 3: [(8 * HOUR, 11 * HOUR)]},
    )
    return day, unserved


def _b1(fee_fen: int, *, departs_at: dt.time = dt.time(8, 0), capacity: int = 20) -> BusOption:
    line = BusLine(pk=5, code="B1", fee_per_parcel_fen=fee_fen, parcel_capacity=capacity)
    departure = BusDeparture(pk=9, line=line, weekday=1, departs_at=departs_at)
    # The bus reaches the far point an hour after it leaves.
    arrives = departs_at.hour * HOUR + departs_at.minute * 60 + HOUR
    return BusOption(line, departure, arrives)


def _decide(
    option: BusOption, far_parcels: tuple[Parcel, ...], *, room: int = 20, far_served: bool = True
):
    day, unserved = _day(far_parcels, far_served=far_served)
    vans = [PlannedVan("V7", ["A", "B"] if far_served else ["A"])]
    planner = BusPlanner(day, vans, unserved, {FAR.pk: [option]}, {option.departure.pk: room})
    return planner.decide(), vans, unserved, day


TWO = (_parcel(21, FAR), _parcel(22, FAR))


def test_the_routes_cost_by_hand():
    day, _unserved = _day(TWO)
    van = day.vehicle_types[0]

    both = evaluate_route(day.problem, van, [day.problem_stop("A"), day.problem_stop("B")])
    near_only = evaluate_route(day.problem, van, [day.problem_stop("A")])

    # 105 km; 600 + 330 (5 min + 30 s) + 2700 + 360 + 3000 s = 6990 s.
    assert (both.distance, both.duration) == (105_000, 6_990)
    # 105 × ¥2.00 + 6990 s × ¥36.00/h = ¥210.00 + ¥69.90.
    assert both.cost_fen == 27_990
    assert (near_only.distance, near_only.duration, near_only.cost_fen) == (20_000, 1_530, 5_530)


def test_a_cheap_bus_takes_the_far_point_and_the_van_no_longer_goes():
    decisions, vans, _unserved, day = _decide(_b1(500), TWO)

    [decision] = decisions
    assert (decision.chosen, decision.reason) == ("bus", "bus_cheaper")
    assert decision.fee_fen == 1_000
    assert decision.van_marginal_fen == 27_990 - 5_530
    assert [p.pk for p in decision.parcels] == [21, 22]
    assert decision.details == {"line": "B1", "arrives": "09:00"}
    assert [van.stop_keys for van in vans] == [["A"]]
    assert "B" not in day.stops


def test_an_expensive_bus_loses_to_the_van():
    decisions, vans, _unserved, _ = _decide(_b1(20_000), TWO)

    [decision] = decisions
    assert (decision.chosen, decision.reason) == ("van", "van_cheaper")
    assert (decision.fee_fen, decision.van_marginal_fen) == (40_000, 22_460)
    assert [van.stop_keys for van in vans] == [["A", "B"]]


def test_a_bus_without_room_for_all_the_points_parcels_is_not_chosen():
    decisions, vans, _unserved, _ = _decide(_b1(500), TWO, room=1)

    [decision] = decisions
    assert (decision.chosen, decision.reason) == ("van", "bus_full")
    assert decision.details == {"line": "B1", "room": 1, "parcels": 2}
    assert [van.stop_keys for van in vans] == [["A", "B"]]


def test_a_bus_reaching_the_point_while_it_is_closed_is_not_chosen():
    decisions, _vans, _unserved, _ = _decide(_b1(500, departs_at=dt.time(14, 0)), TWO)

    [decision] = decisions
    assert (decision.chosen, decision.reason) == ("van", "bus_arrives_closed")
    assert decision.details == {"line": "B1", "arrives": "15:00"}


def test_chilled_goods_never_ride_the_bus():
    cold = (_parcel(21, FAR), _parcel(22, FAR, temperature_class="chilled"))

    decisions, _vans, _unserved, _ = _decide(_b1(1), cold)

    [decision] = decisions
    assert (decision.chosen, decision.reason) == ("van", "cold_goods")


def test_a_point_no_van_could_serve_goes_by_bus():
    decisions, vans, unserved, _ = _decide(_b1(20_000), TWO, far_served=False)

    [decision] = decisions
    assert (decision.chosen, decision.reason) == ("bus", "bus_only")
    assert decision.van_marginal_fen is None
    assert unserved == []
    assert [van.stop_keys for van in vans] == [["A"]]


# --- capacity under a race, and the demo line in a run --------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_plans_racing_for_the_last_places_on_a_bus_never_overfill_it(demo):
    departure = BusDeparture.objects.get(
        line__county=demo.county, line__code="B1", weekday=1, departs_at=dt.time(8, 0)
    )
    date = next_weekday(1)
    assert book_departure(departure, date, 5)  # 15 of 20 left

    results = run_concurrently(lambda: book_departure(departure, date, 10), 2)

    assert sorted(results) == [False, True]
    booking = BusDepartureBooking.objects.get(departure=departure, date=date)
    assert (booking.booked, booking.capacity) == (15, 20)
    assert book_departure(departure, date, 5)
    assert not book_departure(departure, date, 1)
    booking.refresh_from_db()
    assert booking.booked == 20


@pytest.mark.django_db
def test_the_demo_bus_takes_a_far_village_and_a_new_plan_gives_its_places_back(
    demo, parcel_factory, django_capture_on_commit_callbacks
):
    parcel = parcel_factory.order_parcel("LT-S01-V04")  # 阿超村, the end of line B1

    first = solved_run(demo, django_capture_on_commit_callbacks)

    choice = first.bus_choices.get(point__code="LT-S01-V04")
    assert (choice.chosen, choice.reason, choice.bus_fee_fen) == ("bus", "bus_cheaper", 500)
    assert choice.van_marginal_cost_fen is not None and choice.van_marginal_cost_fen > 500
    consignment = BusConsignment.objects.get(run=first)
    assert (consignment.parcel_id, consignment.fee_fen) == (parcel.pk, 500)
    assert consignment.departure.departs_at == dt.time(8, 0)
    assert ParcelCost.objects.get(run=first, parcel=parcel).cost_fen == 500
    assert (first.van_cost_fen, first.bus_fees_fen) == (0, 500)
    booking = BusDepartureBooking.objects.get(departure=consignment.departure)
    assert booking.booked == 1

    second = solved_run(demo, django_capture_on_commit_callbacks)

    booking.refresh_from_db()
    consignment.refresh_from_db()
    assert booking.booked == 1
    assert consignment.status == BusConsignmentStatus.RELEASED
    assert BusConsignment.objects.get(run=second).status == BusConsignmentStatus.BOOKED
