"""Recording tracking events: one event per device key, device times checked, what each
kind must name, proof of delivery, and the parcel's status as its latest event."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from highland.core.errors import Conflict, PermissionDenied, ValidationFailed
from highland.core.events import subscribed
from highland.core.models import AuditRecord
from highland.logistics.models import Parcel, TrackingEvent
from highland.logistics.services.tracking import EVENT_RECORDED
from highland.logistics.tests.tracking_helpers import (
    bus,
    jpeg_upload,
    minutes_ago,
    record,
    shelf,
    van,
)


def test_an_event_recorded_twice_with_one_key_is_stored_once(demo, parcel_factory) -> None:
    # given a parcel and a driver's event
    parcel = parcel_factory.order_parcel()
    when = minutes_ago(2)
    driver = demo.user("driver")
    first = record(parcel, "loaded", driver, at=when, key="device-1:0001", vehicle=van(demo))
    # when the device sends it again (its answer was lost)
    again = record(parcel, "loaded", driver, at=when, key="device-1:0001", vehicle=van(demo))
    # then one event, handed back
    assert (first.created, again.created) == (True, False)
    assert again.event.pk == first.event.pk
    assert TrackingEvent.objects.filter(parcel=parcel).count() == 1
    assert AuditRecord.objects.filter(action="logistics.parcel.event_recorded").count() == 1
    parcel.refresh_from_db()
    assert (parcel.status, parcel.status_at) == ("loaded", when)


def test_the_same_instant_in_another_time_zone_is_the_same_event(demo, parcel_factory) -> None:
    parcel = parcel_factory.order_parcel()
    when = minutes_ago(2)
    driver = demo.user("driver")
    first = record(parcel, "loaded", driver, at=when, key="device-1:0001", vehicle=van(demo))
    in_beijing = when.astimezone(dt.timezone(dt.timedelta(hours=8)))
    again = record(parcel, "loaded", driver, at=in_beijing, key="device-1:0001", vehicle=van(demo))
    assert again.created is False and again.event.pk == first.event.pk


def test_one_key_for_another_event_is_a_conflict_and_nothing_changes(demo, parcel_factory) -> None:
    parcel = parcel_factory.order_parcel()
    when = minutes_ago(2)
    record(parcel, "loaded", demo.user("driver"), at=when, key="device-1:0001", vehicle=van(demo))
    with pytest.raises(Conflict) as refused:
        record(
            parcel,
            "loaded",
            demo.user("driver"),
            at=when + dt.timedelta(minutes=1),
            key="device-1:0001",
            vehicle=van(demo),
        )
    assert refused.value.code == "idempotency_key_reused"
    assert refused.value.status_code == 409
    assert TrackingEvent.objects.filter(parcel=parcel).count() == 1
    parcel.refresh_from_db()
    assert parcel.status_at == when


def test_a_malformed_key_is_refused(demo, parcel_factory) -> None:
    parcel = parcel_factory.order_parcel()
    with pytest.raises(ValidationFailed) as refused:
        record(parcel, "loaded", demo.user("driver"), key="short", vehicle=van(demo))
    assert refused.value.code == "bad_idempotency_key"
    assert not TrackingEvent.objects.exists()


@pytest.mark.parametrize(
    ("when", "code"),
    [
        (lambda: timezone.now() + dt.timedelta(minutes=30), "time_in_future"),
        (lambda: timezone.now() - dt.timedelta(hours=2), "time_before_parcel"),
        (lambda: dt.datetime(2026, 5, 1, 9, 30), "naive_time"),
    ],
)
def test_impossible_times_are_refused_with_a_clear_message(
    demo, parcel_factory, when, code
) -> None:
    parcel = parcel_factory.order_parcel()
    with pytest.raises(ValidationFailed) as refused:
        record(parcel, "loaded", demo.user("driver"), at=when(), vehicle=van(demo))
    assert refused.value.code == code
    assert refused.value.field == "occurred_at"
    assert not TrackingEvent.objects.exists()
    assert Parcel.objects.get(pk=parcel.pk).status == "created"


def test_a_device_clock_a_little_fast_or_behind_is_accepted(demo, parcel_factory) -> None:
    parcel = parcel_factory.order_parcel()
    ahead = record(
        parcel,
        "sorted",
        demo.user("operator"),
        at=timezone.now() + dt.timedelta(minutes=3),
        location=shelf(demo),
    )
    behind = record(
        parcel,
        "received_at_hub",
        demo.user("operator"),
        at=parcel.created_at - dt.timedelta(minutes=20),
    )
    assert ahead.created and behind.created


@pytest.mark.parametrize(
    ("kind", "field"),
    [
        ("put_away", "location"),
        ("picked", "location"),
        ("sorted", "location"),
        ("loaded", "vehicle"),
        ("handed_to_bus", "bus_line"),
        ("arrived_at_point", "point"),
        ("delivery_failed", "reason"),
    ],
)
def test_each_kind_names_what_it_needs(demo, parcel_factory, kind, field) -> None:
    parcel = parcel_factory.order_parcel()
    with pytest.raises(ValidationFailed) as refused:
        record(parcel, kind, demo.user("operator"))
    assert refused.value.field == field
    assert refused.value.code == f"needs_{field}"
    assert not TrackingEvent.objects.exists()


def test_an_unknown_kind_is_refused(demo, parcel_factory) -> None:
    parcel = parcel_factory.order_parcel()
    with pytest.raises(ValidationFailed) as refused:
        record(parcel, "teleported", demo.user("operator"))
    assert refused.value.code == "bad_kind"


def test_a_place_of_another_county_is_refused(demo, parcel_factory, other_county) -> None:
    parcel = parcel_factory.order_parcel()
    with pytest.raises(ValidationFailed) as refused:
        record(parcel, "arrived_at_point", demo.user("operator"), point=other_county.centre)
    assert (refused.value.code, refused.value.field) == ("wrong_county", "point")


def test_picked_up_needs_proof(demo, parcel_factory) -> None:
    parcel = parcel_factory.order_parcel()
    with pytest.raises(ValidationFailed) as refused:
        record(parcel, "picked_up", demo.user("village_agent"), point=demo.point("LT-S01-V01"))
    assert refused.value.code == "needs_proof"
    assert not TrackingEvent.objects.exists()


def test_a_photo_that_is_not_an_image_is_refused(demo, parcel_factory) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    parcel = parcel_factory.order_parcel()
    with pytest.raises(ValidationFailed) as refused:
        record(
            parcel,
            "picked_up",
            demo.user("village_agent"),
            point=demo.point("LT-S01-V01"),
            photo=SimpleUploadedFile("x.jpg", b"not a photo", content_type="image/jpeg"),
        )
    assert (refused.value.code, refused.value.field) == ("not_an_image", "photo")
    assert not TrackingEvent.objects.exists()


def test_a_proof_photo_is_kept_privately_and_small(demo, parcel_factory) -> None:
    parcel = parcel_factory.order_parcel()
    recorded = record(
        parcel,
        "picked_up",
        demo.user("village_agent"),
        point=demo.point("LT-S01-V01"),
        photo=jpeg_upload(size=(1200, 900)),
    )
    photo = recorded.event.photo
    assert photo.name.startswith(f"proof/{demo.county.pk}/") and photo.name.endswith(".webp")
    stored = settings.PRIVATE_MEDIA_ROOT / photo.name
    assert stored.is_file()
    with pytest.raises(ValueError):
        photo.url  # noqa: B018  (a private file has no URL)


def test_a_refused_event_leaves_no_photo_behind(demo, parcel_factory) -> None:
    parcel = parcel_factory.order_parcel()
    before = set(settings.PRIVATE_MEDIA_ROOT.rglob("*.webp"))
    with pytest.raises(ValidationFailed):
        record(
            parcel,
            "picked_up",
            demo.user("village_agent"),
            point=demo.point("LT-S01-V01"),
            pickup_code="000000" if parcel.order.pickup_code != "000000" else "111111",
            photo=jpeg_upload(),
        )
    assert set(settings.PRIVATE_MEDIA_ROOT.rglob("*.webp")) == before


def test_an_older_event_arriving_late_does_not_move_the_status_back(demo, parcel_factory) -> None:
    parcel = parcel_factory.order_parcel()
    record(parcel, "handed_to_bus", demo.user("driver"), at=minutes_ago(5), bus_line=bus(demo))
    record(parcel, "put_away", demo.user("operator"), at=minutes_ago(20), location=shelf(demo))
    parcel.refresh_from_db()
    assert parcel.status == "handed_to_bus"
    assert parcel.status_at == TrackingEvent.objects.get(kind="handed_to_bus").occurred_at


def test_events_at_the_same_instant_count_in_lifecycle_order(demo, parcel_factory) -> None:
    parcel = parcel_factory.order_parcel()
    when = minutes_ago(3)
    record(parcel, "loaded", demo.user("driver"), at=when, vehicle=van(demo))
    record(parcel, "picked", demo.user("operator"), at=when, location=shelf(demo))
    parcel.refresh_from_db()
    assert parcel.status == "loaded"


def test_subscribers_hear_of_each_new_event_once(demo, parcel_factory) -> None:
    parcel = parcel_factory.order_parcel()
    heard: list[dict] = []
    with subscribed(
        EVENT_RECORDED,
        "test.tracking",
        lambda event: heard.append(dict(event.payload)),
        in_transaction=True,
    ):
        first = record(
            parcel,
            "put_away",
            demo.user("operator"),
            key="dev:000001",
            location=shelf(demo),
            at=minutes_ago(4),
        )
        record(
            parcel,
            "put_away",
            demo.user("operator"),
            key="dev:000001",
            location=shelf(demo),
            at=first.event.occurred_at,
        )
    assert len(heard) == 1
    assert heard[0]["kind"] == "put_away"
    assert heard[0]["sscc"] == parcel.sscc
    assert heard[0]["location"] == shelf(demo).pk
    assert heard[0]["order"] == parcel.order_id


# --- who may record -------------------------------------------------------------------------


def test_a_buyer_may_not_record_and_nothing_is_stored(demo, parcel_factory) -> None:
    parcel = parcel_factory.order_parcel()
    with pytest.raises(PermissionDenied):
        record(parcel, "loaded", demo.user("buyer"), vehicle=van(demo))
    assert not TrackingEvent.objects.exists()


def test_another_countys_operator_may_not_record(demo, parcel_factory, other_county) -> None:
    parcel = parcel_factory.order_parcel()
    with pytest.raises(PermissionDenied):
        record(parcel, "received_at_hub", other_county.operator)
    assert not TrackingEvent.objects.exists()


def test_an_agent_records_only_for_their_points_parcels(demo, parcel_factory) -> None:
    # village_agent serves LT-S01-V01 and V02; the station agent serves LT-S01 and below it
    theirs = parcel_factory.order_parcel("LT-S01-V02")
    elsewhere = parcel_factory.order_parcel("LT-S02-V01")
    agent = demo.user("village_agent")
    record(theirs, "arrived_at_point", agent, point=demo.point("LT-S01-V02"))
    with pytest.raises(PermissionDenied):
        record(elsewhere, "arrived_at_point", agent, point=demo.point("LT-S02-V01"))
    assert not TrackingEvent.objects.filter(parcel=elsewhere).exists()
    station_agent = demo.user("agent")
    assert record(theirs, "delivery_failed", station_agent, reason="家里没人").created
