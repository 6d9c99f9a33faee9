"""Devices retrying at once: the same event sent by several connections at the same moment
is stored once (the others get it back), and one key used for two parcels at once stores
one event and refuses the other with a 409, never a 500."""

from __future__ import annotations

import pytest
from django.db import connection

from highland.core.errors import DomainError
from highland.core.models import AuditRecord
from highland.logistics.models import Parcel, TrackingEvent
from highland.logistics.services.tracking import record_tracking_event
from highland.logistics.tests.tracking_helpers import minutes_ago, van
from highland.testing import run_concurrently

RACERS = 4


def _needs_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): SQLite serialises writers")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_retries_of_one_event_store_it_once(demo, parcel_factory) -> None:
    _needs_postgres()
    parcel = parcel_factory.order_parcel()
    when = minutes_ago(2)
    driver_id = demo.user("driver").pk
    vehicle_id = van(demo).pk

    def send() -> tuple[int, bool] | str:
        from highland.core.models import User
        from highland.logistics.models import Vehicle

        try:
            recorded = record_tracking_event(
                Parcel.objects.get(pk=parcel.pk),
                kind="loaded",
                occurred_at=when,
                idempotency_key="van-2:000777",
                actor=User.objects.get(pk=driver_id),
                vehicle=Vehicle.objects.get(pk=vehicle_id),
            )
        except DomainError as refusal:
            return refusal.code
        return recorded.event.pk, recorded.created

    results = run_concurrently(send, RACERS)
    assert all(isinstance(result, tuple) for result in results), results
    assert len({pk for pk, _created in results}) == 1
    assert sorted(created for _pk, created in results) == [False] * (RACERS - 1) + [True]
    assert TrackingEvent.objects.filter(parcel=parcel).count() == 1
    assert (
        AuditRecord.objects.filter(
            action="orders.order.shipped", object_id=str(parcel.order_id)
        ).count()
        == 1
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_key_for_two_parcels_at_once_stores_one_and_refuses_the_other(
    demo, parcel_factory
) -> None:
    _needs_postgres()
    first, second = parcel_factory.order_parcel(), parcel_factory.order_parcel()
    when = minutes_ago(2)
    driver_id = demo.user("driver").pk
    vehicle_id = van(demo).pk

    def send(parcel_id: int) -> str:
        from highland.core.models import User
        from highland.logistics.models import Vehicle

        try:
            record_tracking_event(
                Parcel.objects.get(pk=parcel_id),
                kind="loaded",
                occurred_at=when,
                idempotency_key="van-2:000778",
                actor=User.objects.get(pk=driver_id),
                vehicle=Vehicle.objects.get(pk=vehicle_id),
            )
        except DomainError as refusal:
            return refusal.code
        return "created"

    results = run_concurrently(send, [(first.pk,), (second.pk,)])
    assert sorted(results) == ["created", "idempotency_key_reused"], results
    assert TrackingEvent.objects.filter(idempotency_key="van-2:000778").count() == 1
