"""A parcel's exposure, derived from its tracking events and the sensors of each place."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from highland.logistics.coldchain.exposure import parcel_exposure
from highland.logistics.models import HubLocation, TrackingEvent, Vehicle
from highland.logistics.tests.coldchain_setup import T0, at, make_cold_setup, reading, store

_keys = itertools.count(1)


def event(parcel, kind: str, minutes: float, **place) -> TrackingEvent:
    return TrackingEvent.objects.create(
        county=parcel.county,
        parcel=parcel,
        kind=kind,
        occurred_at=at(minutes),
        idempotency_key=f"exposure-test-{next(_keys)}",
        **place,
    )


@pytest.fixture
def journey(demo, parcel_factory):
    """A chilled collection: in zone C (C-01) for an hour at 3 °C, an hour in the van at
    5 °C (out of 0–4 °C), an hour at the village point (no sensor), then picked up."""
    cold = make_cold_setup(demo)
    parcel = parcel_factory.collection(temperature_class="chilled")
    location = HubLocation.objects.get(county=demo.county, code="C-01")
    van = Vehicle.objects.get(county=demo.county, plate="川R·L3341")
    store("T-C1", *(reading(minute, 3.0) for minute in range(-10, 70, 10)))
    store("T-V1", *(reading(minute, 5.0) for minute in range(60, 130, 10)))
    event(parcel, "received_at_hub", 0, location=location)
    event(parcel, "sorted", 30)  # names no place: the parcel stays in zone C
    event(parcel, "loaded", 60, vehicle=van)
    event(parcel, "arrived_at_point", 120, point=demo.point("LT-S01-V02"))
    event(parcel, "picked_up", 180, point=demo.point("LT-S01-V02"))
    return cold, parcel


def test_each_place_is_judged_by_the_parcels_own_range(journey, django_assert_max_num_queries):
    _cold, parcel = journey

    with django_assert_max_num_queries(5):
        exposure = parcel_exposure(parcel, now=T0 + dt.timedelta(days=1))

    assert exposure.finished is True
    assert exposure.range_text == "0.0–4.0 °C"
    legs = [(leg.kind, leg.start, leg.end) for leg in exposure.legs]
    assert legs == [
        ("zone", at(0), at(60)),
        ("vehicle", at(60), at(120)),
        ("unmonitored", at(120), at(180)),
    ]
    zone, van, point = exposure.legs
    assert (zone.summary.mkt, zone.summary.minutes_out, zone.summary.monitored_minutes) == (
        pytest.approx(3.0),
        0,
        60,
    )
    assert (van.summary.mkt, van.summary.minutes_out, van.summary.readings) == (
        pytest.approx(5.0),
        60,
        6,
    )
    assert point.monitored is False
    assert point.label.endswith("(no sensor)")
    total = exposure.summary
    # An hour at 3 °C and an hour at 5 °C: e^(−9999.928/276.15) = 1.8765e-16 and
    # e^(−9999.928/278.15) = 2.4346e-16; mean 2.1556e-16; −ln = 36.07330;
    # 9999.928 / 36.07330 = 277.2113 K = 4.0613 °C.
    assert total.mkt == pytest.approx(4.0613, abs=5e-4)
    assert (total.lowest, total.highest) == (3.0, 5.0)
    assert (total.minutes_out, total.monitored_minutes) == (60, 120)
    assert exposure.minutes == 180
    assert exposure.unmonitored_minutes == 60


def test_a_parcel_on_its_way_runs_to_now(demo, parcel_factory) -> None:
    cold = make_cold_setup(demo)
    parcel = parcel_factory.collection(temperature_class="frozen")
    location = HubLocation.objects.get(county=demo.county, code="F-01")
    store("T-F1", reading(0, -20.0), reading(20, -15.0), reading(40, -21.0))
    event(parcel, "put_away", 0, location=location)

    exposure = parcel_exposure(parcel, now=at(45))

    assert exposure.finished is False
    [leg] = exposure.legs
    assert (leg.start, leg.end, leg.sensor_ids) == (at(0), at(45), [cold.frozen.pk])
    # −15 °C held from 20 to 40 minutes: 20 minutes above −18 °C.
    assert leg.summary.minutes_out == 20
    assert (leg.summary.lowest, leg.summary.highest) == (-21.0, -15.0)


def test_a_parcel_without_events_has_no_exposure(demo, parcel_factory) -> None:
    parcel = parcel_factory.collection()

    exposure = parcel_exposure(parcel, now=at(10))

    assert exposure.legs == []
    assert exposure.summary.mkt is None and exposure.summary.monitored_minutes == 0


def test_a_sensor_installed_after_the_parcel_left_does_not_count(demo, parcel_factory) -> None:
    cold = make_cold_setup(demo, installed_at=at(100))
    parcel = parcel_factory.collection(temperature_class="chilled")
    location = HubLocation.objects.get(county=demo.county, code="C-01")
    event(parcel, "put_away", 0, location=location)
    event(parcel, "picked_up", 60, point=demo.point("LT-S01-V02"))
    assert cold.chilled.installed_at == at(100)

    exposure = parcel_exposure(parcel, now=at(200))

    [leg] = exposure.legs
    assert leg.sensor_ids == [] and leg.kind == "unmonitored"
