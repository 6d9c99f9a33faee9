"""Drivers confirm what they did with one tap: loaded at the hub, dropped and collected at
a stop, parcels handed to the bus, parcels off the bus at a point.

Each tap records one tracking event per parcel (`record_tracking_event`), keyed by the
form's one-time key and the parcel's SSCC. On a poor connection the phone sends the same
form again: the keys are the same, so nothing is recorded twice. The time of a repeated
tap differs from the first one's, which the tracking service would call a different
event; a repeat is recognised here instead (same key, same parcel, same kind: the first
event stands).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import timezone

from highland.core.errors import Conflict, DomainError
from highland.core.models import User
from highland.logistics.models import (
    BusDeparture,
    Parcel,
    PlannedRoute,
    PlannedStop,
    TrackingEvent,
    TrackingEventKind,
)
from highland.logistics.services.tracking import record_tracking_event
from highland.network.models import ServicePoint

Kind = TrackingEventKind


@dataclass
class Confirmation:
    """What one tap recorded."""

    recorded: int = 0
    repeated: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)  # (SSCC, why)

    @property
    def total(self) -> int:
        return self.recorded + self.repeated + len(self.refused)


def parcel_key(form_key: str, kind: str, parcel: Parcel) -> str:
    """One tap's key for one parcel's event (at most 22 + 1 + 16 + 1 + 18 characters)."""
    return f"{form_key}:{kind}:{parcel.sscc}"


def _record_all(
    parcels: Iterable[Parcel],
    *,
    kind: str,
    form_key: str,
    actor: User,
    **place: object,
) -> Confirmation:
    done = Confirmation()
    now = timezone.now()
    for parcel in parcels:
        key = parcel_key(form_key, kind, parcel)
        try:
            recorded = record_tracking_event(
                parcel,
                kind=kind,
                occurred_at=now,
                idempotency_key=key,
                actor=actor,
                **place,  # type: ignore[arg-type]
            )
        except Conflict:
            earlier = TrackingEvent.objects.filter(
                county_id=parcel.county_id, idempotency_key=key
            ).first()
            if earlier is not None and earlier.parcel_id == parcel.pk and earlier.kind == kind:
                done.repeated += 1
                continue
            raise
        except DomainError as error:
            done.refused.append((parcel.sscc, error.message))
            continue
        if recorded.created:
            done.recorded += 1
        else:
            done.repeated += 1
    return done


def confirm_loaded(route: PlannedRoute, *, form_key: str, actor: User) -> Confirmation:
    """Every parcel the route drops is on the vehicle (orders count as shipped)."""
    parcels = [parcel for stop in route.stops.all() for parcel in stop.drop_parcels.all()]
    return _record_all(
        parcels, kind=Kind.LOADED, form_key=form_key, actor=actor, vehicle=route.vehicle
    )


def confirm_stop(stop: PlannedStop, *, what: str, form_key: str, actor: User) -> Confirmation:
    """`what` = "drop": the stop's parcels arrived at its point; "collect": its collection
    parcels are on the vehicle."""
    vehicle = stop.route.vehicle
    if what == "drop":
        return _record_all(
            stop.drop_parcels.all(),
            kind=Kind.ARRIVED_AT_POINT,
            form_key=form_key,
            actor=actor,
            vehicle=vehicle,
            point=stop.point,
        )
    return _record_all(
        stop.collect_parcels.all(),
        kind=Kind.COLLECTED,
        form_key=form_key,
        actor=actor,
        vehicle=vehicle,
        point=stop.point,
    )


def confirm_bus_handover(
    departure: BusDeparture, parcels: Iterable[Parcel], *, form_key: str, actor: User
) -> Confirmation:
    """The bus driver took these parcels on board at the county town."""
    return _record_all(
        parcels, kind=Kind.HANDED_TO_BUS, form_key=form_key, actor=actor, bus_line=departure.line
    )


def confirm_bus_drop(
    departure: BusDeparture,
    point: ServicePoint,
    parcels: Iterable[Parcel],
    *,
    form_key: str,
    actor: User,
) -> Confirmation:
    """The bus driver handed these parcels over at `point`."""
    return _record_all(
        parcels,
        kind=Kind.ARRIVED_AT_POINT,
        form_key=form_key,
        actor=actor,
        bus_line=departure.line,
        point=point,
    )
