"""Recording tracking events: idempotency, times, places, proof, and the parcel's status."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from highland.core.errors import Conflict, ValidationFailed
from highland.logistics.models import TrackingEvent, Vehicle
from highland.logistics.services.tracking import record_tracking_event


def _vehicle(demo) -> Vehicle:
    return Vehicle.objects.get(county=demo.county, plate="川R·L2760")


def test_an_event_recorded_twice_with_one_key_is_stored_once(demo, parcel_factory) -> None:
    parcel = parcel_factory.order_parcel()
    when = timezone.now() - dt.timedelta(minutes=2)
    first = record_tracking_event(
        parcel,
        kind="loaded",
        occurred_at=when,
        idempotency_key="device-1:0001",
        vehicle=_vehicle(demo),
        actor=demo.user("driver"),
    )
    again = record_tracking_event(
        parcel,
        kind="loaded",
        occurred_at=when,
        idempotency_key="device-1:0001",
        vehicle=_vehicle(demo),
        actor=demo.user("driver"),
    )
    assert first.created is True
    assert again.created is False
    assert again.event.pk == first.event.pk
    assert TrackingEvent.objects.filter(parcel=parcel).count() == 1
    parcel.refresh_from_db()
    assert parcel.status == "loaded"
    assert parcel.status_at == when


def test_one_key_for_another_event_is_a_conflict(demo, parcel_factory) -> None:
    parcel = parcel_factory.order_parcel()
    when = timezone.now() - dt.timedelta(minutes=2)
    record_tracking_event(
        parcel,
        kind="loaded",
        occurred_at=when,
        idempotency_key="device-1:0001",
        vehicle=_vehicle(demo),
        actor=demo.user("driver"),
    )
    with pytest.raises(Conflict) as refused:
        record_tracking_event(
            parcel,
            kind="loaded",
            occurred_at=when + dt.timedelta(minutes=1),
            idempotency_key="device-1:0001",
            vehicle=_vehicle(demo),
            actor=demo.user("driver"),
        )
    assert refused.value.code == "idempotency_key_reused"
    assert refused.value.status_code == 409
    assert TrackingEvent.objects.filter(parcel=parcel).count() == 1


def test_a_future_time_is_refused(demo, parcel_factory) -> None:
    parcel = parcel_factory.order_parcel()
    with pytest.raises(ValidationFailed) as refused:
        record_tracking_event(
            parcel,
            kind="loaded",
            occurred_at=timezone.now() + dt.timedelta(hours=1),
            idempotency_key="device-1:0001",
            vehicle=_vehicle(demo),
            actor=demo.user("driver"),
        )
    assert refused.value.code == "time_in_future"
    assert not TrackingEvent.objects.exists()
