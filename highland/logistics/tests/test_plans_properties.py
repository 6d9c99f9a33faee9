"""Random days through the whole planner (the day built from the database, the real
solver, bus or van): every route it gives holds, and refrigerated loads never ride an
ambient vehicle."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from highland.logistics.models import Parcel, ParcelKind
from highland.logistics.planning.day import build_day
from highland.logistics.planning.dayplan import plan_day
from highland.logistics.services.parcels import create_parcel
from highland.logistics.tests.plans_setup import next_weekday

pytestmark = pytest.mark.django_db

POINTS = [
    "LT-S01",
    "LT-S01-V01",
    "LT-S01-V02",
    "LT-S01-V03",
    "LT-S01-V04",
    "LT-S01-V05",
    "LT-S02",
    "LT-S02-V01",
    "LT-S03",
    "LT-S03-V02",
    "LT-S04-V01",
    "LT-S05-V01",
]

parcels = st.lists(
    st.tuples(
        st.sampled_from(POINTS),
        st.sampled_from([ParcelKind.TOTE, ParcelKind.COLLECTION]),
        st.integers(200, 300_000),
        st.sampled_from(["ambient", "ambient", "chilled", "frozen"]),
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(day_parcels=parcels, departs=st.sampled_from([dt.time(6, 0), dt.time(7, 0), dt.time(9, 30)]))
def test_every_planned_route_holds_and_cold_goods_ride_refrigerated(demo, day_parcels, departs):
    Parcel.objects.filter(county=demo.county).delete()
    operator = demo.user("operator")
    for code, kind, grams, temperature in day_parcels:
        point = demo.point(code)
        create_parcel(
            demo.county,
            kind=kind,
            weight_g=grams,
            temperature_class=temperature,
            destination_point=point if kind == ParcelKind.TOTE else None,
            origin_point=point if kind == ParcelKind.COLLECTION else None,
            actor=operator,
        )
    day = build_day(demo.county, next_weekday(2), departs_at=departs)
    everything = {p.pk for stop in day.stops.values() for p in (*stop.drop, *stop.collect)}

    plan = plan_day(day, seconds=0.3)

    vehicles = {key: vehicle for key, vehicle in day.vehicles.items()}
    carried: set[int] = set()
    for van in plan.vans:
        route = plan.routes[van.vehicle_key]
        vehicle = vehicles[van.vehicle_key]
        assert route.violation is None
        assert route.load_at_start[0] <= vehicle.capacity_g
        for visit in route.visits:
            assert visit.load_after[0] <= vehicle.capacity_g
            assert visit.stop.window_start <= visit.service_start <= visit.stop.window_end
            if visit.stop.needs_refrigeration:
                assert vehicle.refrigerated
            load = day.stops[visit.stop.key]
            for parcel in (*load.drop, *load.collect):
                if parcel.temperature_class != "ambient":
                    assert vehicle.refrigerated
                carried.add(parcel.pk)
    on_buses = {p.pk for d in plan.bus if d.chosen == "bus" for p in d.parcels}
    unserved = {p.pk for entry in plan.unserved for p in entry.parcels}
    assert everything <= carried | on_buses | unserved
    assert not any(
        p.temperature_class != "ambient" for d in plan.bus if d.chosen == "bus" for p in d.parcels
    )
