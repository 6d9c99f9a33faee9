"""Building the day: loads per point, windows from opening hours, refrigeration, what no
vehicle can do (closed, unreachable, too heavy, no refrigerated vehicle), split stops."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import override_settings

from highland.coops.services.intake import record_intake
from highland.logistics.models import RoadEdge, Vehicle
from highland.logistics.planning.day import build_day
from highland.logistics.services.roads import close_road
from highland.logistics.tests.plans_setup import next_weekday

pytestmark = pytest.mark.django_db

TUESDAY = next_weekday(1)
SUNDAY = next_weekday(6)
SEVEN = dt.time(7, 0)


def _day(demo: Any, day: dt.date = TUESDAY, departs_at: dt.time = SEVEN) -> Any:
    return build_day(demo.county, day, departs_at=departs_at)


def test_a_points_delivery_and_pickup_loads_are_summed(demo, parcel_factory):
    first = parcel_factory.order_parcel("LT-S01-V01", weight_g=600)
    second = parcel_factory.order_parcel("LT-S01-V01", weight_g=1_400)
    collection = parcel_factory.collection("LT-S01-V01", weight_g=20_000)
    parcel_factory.order_parcel("LT-S01-V02", weight_g=900)

    day = _day(demo)

    stop = day.stops["LT-S01-V01"]
    assert [p.pk for p in stop.drop] == [first.pk, second.pk]
    assert [p.pk for p in stop.collect] == [collection.pk]
    assert (stop.drop_g, stop.drop_ml) == (2_000, 4_000)
    assert (stop.collect_g, stop.collect_ml) == (20_000, 40_000)
    # 5 minutes a stop and 30 s for each of 3 parcels.
    assert stop.service_s == 300 + 3 * 30
    assert day.stops["LT-S01-V02"].drop_g == 900
    assert set(day.stops) == {"LT-S01-V01", "LT-S01-V02"}
    problem_stop = day.problem_stop("LT-S01-V01")
    assert problem_stop.delivery == (2_000, 4_000)
    assert problem_stop.pickup == (20_000, 40_000)
    assert problem_stop.name == "Zhaga Village Service Point"


def test_parcels_on_their_way_or_delivered_are_not_loads(demo, parcel_factory):
    waiting = parcel_factory.order_parcel("LT-S01-V01", weight_g=600)
    gone = parcel_factory.order_parcel("LT-S01-V01", weight_g=700)
    gone.status = "loaded"
    gone.save(update_fields=["status"])
    collected = parcel_factory.collection("LT-S01-V02")
    collected.status = "collected"
    collected.save(update_fields=["status"])

    day = _day(demo)

    assert [p.pk for p in day.stops["LT-S01-V01"].drop] == [waiting.pk]
    assert "LT-S01-V02" not in day.stops


def test_intakes_weighed_at_a_point_wait_there_until_packed_into_a_collection(
    demo, coop, parcel_factory
):
    member = coop.members[1]
    point = member.point
    record_intake(
        member,
        produce=coop.yak,
        grade_code="A",
        gross_g=30_500,
        tare_g=500,
        attributes={},
        point=point,
        actor=coop.manager,
    )

    day = _day(demo)

    stop = day.stops[point.code]
    assert (stop.loose_g, stop.loose_intakes, stop.collect_g) == (30_000, 1, 30_000)
    assert stop.collect_ml == 60_000

    # The agent packs it into a collection parcel: the intake is in the parcel now.
    packed = parcel_factory.collection(point.code, weight_g=30_000)
    day = _day(demo)

    stop = day.stops[point.code]
    assert (stop.loose_g, stop.loose_intakes) == (0, 0)
    assert [p.pk for p in stop.collect] == [packed.pk]


def test_the_window_is_the_first_opening_period_a_vehicle_can_meet(demo, parcel_factory):
    parcel_factory.order_parcel("LT-S01-V01")
    parcel_factory.order_parcel("LT-S01")

    morning = _day(demo)
    afternoon = _day(demo, departs_at=dt.time(13, 0))

    # Village points open 08:00–11:00 and 18:00–21:00; stations 09:00–18:00.
    assert morning.stops["LT-S01-V01"].window == (8 * 3600, 11 * 3600)
    assert morning.stops["LT-S01"].window == (9 * 3600, 18 * 3600)
    assert afternoon.stops["LT-S01-V01"].window == (18 * 3600, 21 * 3600)
    assert afternoon.problem_stop("LT-S01-V01").window_start == 18 * 3600


def test_a_point_closed_that_weekday_is_left_out_by_name(demo, parcel_factory):
    parcel = parcel_factory.order_parcel("LT-S01")  # stations close on Sundays

    day = _day(demo, SUNDAY)

    assert "LT-S01" not in day.stops
    [excluded] = day.excluded
    assert (excluded.point.code, excluded.reason) == ("LT-S01", "closed")
    assert [p.pk for p in excluded.parcels] == [parcel.pk]
    assert excluded.details["weekday"] == 6


def test_a_window_no_vehicle_can_reach_is_reported_with_the_earliest_arrival(demo, parcel_factory):
    parcel_factory.order_parcel("LT-S01-V01")

    # Leaving at 20:55, nobody is at a village point before it closes at 21:00.
    day = _day(demo, departs_at=dt.time(20, 55))

    [excluded] = day.excluded
    assert excluded.reason == "window_impossible"
    assert excluded.details["periods"] == [["08:00", "11:00"], ["18:00", "21:00"]]
    earliest = excluded.details["earliest"]
    assert isinstance(earliest, str) and earliest > "20:55"


def test_chilled_goods_need_refrigeration_and_without_a_refrigerated_vehicle_are_left_out(
    demo, parcel_factory
):
    cold = parcel_factory.order_parcel("LT-S01-V01", temperature_class="chilled")
    warm = parcel_factory.order_parcel("LT-S01-V01")

    day = _day(demo)

    assert day.stops["LT-S01-V01"].needs_refrigeration is True
    assert day.problem_stop("LT-S01-V01").needs_refrigeration is True

    Vehicle.objects.filter(county=demo.county, refrigerated=True).update(active=False)
    day = _day(demo)

    stop = day.stops["LT-S01-V01"]
    assert [p.pk for p in stop.drop] == [warm.pk]
    assert stop.needs_refrigeration is False
    [excluded] = day.excluded
    assert excluded.reason == "needs_refrigeration"
    assert [p.pk for p in excluded.parcels] == [cold.pk]


def test_a_parcel_heavier_than_any_vehicle_is_left_out_and_the_rest_goes(demo, parcel_factory):
    Vehicle.objects.filter(county=demo.county).update(capacity_g=400_000)
    heavy = parcel_factory.collection("LT-S01-V02", weight_g=450_000)
    light = parcel_factory.collection("LT-S01-V02", weight_g=20_000)

    day = _day(demo)

    assert [p.pk for p in day.stops["LT-S01-V02"].collect] == [light.pk]
    [excluded] = day.excluded
    assert excluded.reason == "too_heavy"
    assert [p.pk for p in excluded.parcels] == [heavy.pk]
    assert excluded.details["heaviest_g"] == 450_000
    assert excluded.details["capacity_g"] == 400_000


def test_a_load_larger_than_every_vehicle_is_split_into_stops_at_the_same_point(
    demo, parcel_factory
):
    Vehicle.objects.filter(county=demo.county).update(capacity_g=600_000, capacity_ml=2_000_000)
    parcels = [parcel_factory.collection("LT-S01-V02", weight_g=400_000) for _n in range(3)]

    day = _day(demo)

    assert sorted(day.stops) == ["LT-S01-V02#1", "LT-S01-V02#2", "LT-S01-V02#3"]
    carried = sorted(p.pk for stop in day.stops.values() for p in stop.collect)
    assert carried == sorted(p.pk for p in parcels)
    assert all(stop.collect_g == 400_000 for stop in day.stops.values())
    assert day.excluded == []


@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}})
def test_a_point_cut_off_by_a_closure_is_unreachable_naming_the_road(demo, parcel_factory):
    parcel_factory.order_parcel("LT-S01-V04")
    village = demo.point("LT-S01-V04")
    edges = RoadEdge.objects.filter(
        county=demo.county, to_node__point=village
    ) | RoadEdge.objects.filter(county=demo.county, from_node__point=village)
    for edge in edges:
        close_road(edge, actor=demo.user("dispatcher"), reason="塌方")

    # Closed from now until lifted: in force on the day planned.
    day = _day(demo)

    [excluded] = day.excluded
    assert (excluded.point.code, excluded.reason) == ("LT-S01-V04", "unreachable")
    assert {closure["reason"] for closure in excluded.details["closures"]} == {"塌方"}
