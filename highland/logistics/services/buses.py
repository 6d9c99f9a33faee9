"""Passenger bus lines: their stops and timetables, and seats for parcels on a departure.

Seats are counted in one row per departure and date (`BusDepartureBooking`): booking is
one conditional UPDATE (`booked + n <= capacity`), so two plans finishing at once can
never put more parcels on a bus than it takes, and a check constraint backs it up.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from highland.core import audit
from highland.core.errors import ValidationFailed
from highland.core.models import Role, User
from highland.core.permissions import require, roles_of
from highland.logistics.models import BusDeparture, BusDepartureBooking, BusLine, BusLineStop
from highland.network.models import ServicePoint, Tier

MAX_MINUTES_FROM_DEPARTURE = 16 * 60


def book_departure(departure: BusDeparture, date: dt.date, count: int) -> bool:
    """Take `count` parcel places on the departure that date; False (and nothing taken)
    when it has fewer left. Call inside the plan's transaction."""
    if count <= 0:
        return True
    booking = _booking(departure, date)
    taken = BusDepartureBooking.objects.filter(
        pk=booking.pk, booked__lte=F("capacity") - count
    ).update(booked=F("booked") + count)
    return bool(taken)


def release_departure(departure_id: int, date: dt.date, count: int) -> None:
    """Give back `count` places (a later plan of the day replaced the one that took them)."""
    if count <= 0:
        return
    BusDepartureBooking.objects.filter(
        departure_id=departure_id, date=date, booked__gte=count
    ).update(booked=F("booked") - count)


def _booking(departure: BusDeparture, date: dt.date) -> BusDepartureBooking:
    booking = BusDepartureBooking.objects.filter(departure=departure, date=date).first()
    if booking is not None:
        return booking
    try:
        with transaction.atomic():
            return BusDepartureBooking.objects.create(
                county_id=departure.county_id,
                departure=departure,
                date=date,
                capacity=departure.capacity,
            )
    except IntegrityError:  # a concurrent plan made it first
        return BusDepartureBooking.objects.get(departure=departure, date=date)


# --- the timetable ------------------------------------------------------------------------


def _check_point(line: BusLine, point: ServicePoint) -> None:
    if point.county_id != line.county_id:
        raise ValidationFailed(
            _("That point is in another county."), code="wrong_county", field="point"
        )
    if point.tier == Tier.COUNTY_CENTRE:
        raise ValidationFailed(
            _("The bus leaves from the county town; add the townships and villages it stops at."),
            code="centre_not_a_stop",
            field="point",
        )


@transaction.atomic
def add_bus_stop(
    line: BusLine, *, point: ServicePoint, minutes_from_departure: int, actor: User
) -> BusLineStop:
    """Add a stop at the end of the line (stops are numbered in travel order)."""
    require(actor, "logistics.manage_fleet", line)
    _check_point(line, point)
    if not 0 < minutes_from_departure <= MAX_MINUTES_FROM_DEPARTURE:
        raise ValidationFailed(
            _("A stop is reached between 1 minute and 16 hours after departure."),
            field="minutes_from_departure",
        )
    _lock(line)
    stops = list(line.stops.all())
    if any(stop.point_id == point.pk for stop in stops):
        raise ValidationFailed(
            _("%(point)s is a stop of this line already.") % {"point": point.name},
            code="stop_exists",
            field="point",
        )
    if stops and minutes_from_departure <= max(stop.minutes_from_departure for stop in stops):
        raise ValidationFailed(
            _("A later stop is reached later: after %(minutes)d minutes.")
            % {"minutes": max(stop.minutes_from_departure for stop in stops)},
            field="minutes_from_departure",
        )
    stop = BusLineStop.objects.create(
        county_id=line.county_id,
        line=line,
        point=point,
        sequence=len(stops) + 1,
        minutes_from_departure=minutes_from_departure,
    )
    audit.record(
        actor,
        "logistics.bus_stop.added",
        line,
        {"point": point.code, "minutes_from_departure": minutes_from_departure},
    )
    return stop


@transaction.atomic
def remove_bus_stop(stop: BusLineStop, *, actor: User) -> None:
    """Take a stop off its line; the later stops move up one number."""
    line = stop.line
    require(actor, "logistics.manage_fleet", line)
    _lock(line)
    sequence = stop.sequence
    code = stop.point.code
    stop.delete()
    for later in line.stops.filter(sequence__gt=sequence).order_by("sequence"):
        later.sequence -= 1
        later.save(update_fields=["sequence"])
    audit.record(actor, "logistics.bus_stop.removed", line, {"point": code})


def _lock(line: BusLine) -> None:
    """One change to a line's stops at a time (their numbers follow each other)."""
    BusLine.objects.select_for_update().filter(pk=line.pk).first()


def _is_driver(user: User | None, line: BusLine) -> bool:
    return user is not None and Role.DRIVER in roles_of(user, line.county)


@transaction.atomic
def add_bus_departures(
    line: BusLine,
    *,
    weekdays: list[int],
    departs_at: dt.time,
    actor: User,
    parcel_capacity: int | None = None,
    driver: User | None = None,
) -> list[BusDeparture]:
    """The line leaves at `departs_at` on each of `weekdays` (0 = Monday)."""
    require(actor, "logistics.manage_fleet", line)
    days = sorted(set(weekdays))
    if not days or any(not 0 <= day <= 6 for day in days):
        raise ValidationFailed(_("Choose the weekdays the bus runs."), field="weekdays")
    if parcel_capacity is not None and parcel_capacity < 0:
        raise ValidationFailed(_("A bus takes no parcels or some."), field="parcel_capacity")
    if driver is not None and not _is_driver(driver, line):
        raise ValidationFailed(
            _("The driver must be a person with the driver role in this county."),
            field="driver",
        )
    existing = {
        departure.weekday: departure
        for departure in BusDeparture.objects.select_for_update().filter(
            line=line, weekday__in=days, departs_at=departs_at
        )
    }
    if any(departure.active for departure in existing.values()):
        raise ValidationFailed(
            _("The line already leaves at %(time)s on one of those days.")
            % {"time": f"{departs_at:%H:%M}"},
            code="departure_exists",
            field="departs_at",
        )
    departures = []
    for day in days:
        departure = existing.get(day)
        if departure is None:
            departure = BusDeparture.objects.create(
                county_id=line.county_id,
                line=line,
                weekday=day,
                departs_at=departs_at,
                parcel_capacity=parcel_capacity,
                driver=driver,
            )
        else:  # back in the timetable after it was taken out
            departure.active = True
            departure.parcel_capacity = parcel_capacity
            departure.driver = driver
            departure.save(update_fields=["active", "parcel_capacity", "driver"])
        departures.append(departure)
    audit.record(
        actor,
        "logistics.bus_departure.added",
        line,
        {
            "weekdays": days,
            "departs_at": f"{departs_at:%H:%M}",
            "parcel_capacity": parcel_capacity,
            "driver": driver.pk if driver else None,
        },
    )
    return departures


@transaction.atomic
def remove_bus_departure(departure: BusDeparture, *, actor: User) -> BusDeparture:
    """Take a departure out of the timetable (kept, inactive: bookings refer to it)."""
    require(actor, "logistics.manage_fleet", departure.line)
    departure.active = False
    departure.save(update_fields=["active"])
    audit.record(
        actor,
        "logistics.bus_departure.removed",
        departure.line,
        {"weekday": departure.weekday, "departs_at": f"{departure.departs_at:%H:%M}"},
    )
    return departure
