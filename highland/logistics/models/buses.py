"""Passenger buses that carry parcels: a line's stops, its timetable, the seats for
parcels on each day's departure, and the parcels booked on it.

A bus line (`fleet.BusLine`) stops at townships and villages; each stop is a service
point and the minutes it is reached after the bus leaves the county town. A departure
runs on one weekday at one time (several rows for a daily bus) and is driven by a
person with the driver role, who confirms what was handed over and what was dropped
off. Capacity is counted per departure and date in `BusDepartureBooking`: one
conditional UPDATE books seats, and a check constraint keeps it within capacity.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from highland.core.models import County, User
from highland.logistics.models.fleet import BusLine
from highland.logistics.models.parcels import Parcel
from highland.network.models import ServicePoint, Weekday


class BusLineStop(models.Model):
    """A service point the line stops at, `minutes_from_departure` after leaving."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="+")
    line = models.ForeignKey(BusLine, on_delete=models.CASCADE, related_name="stops")
    point = models.ForeignKey(ServicePoint, on_delete=models.PROTECT, related_name="bus_stops")
    sequence = models.PositiveSmallIntegerField(_("stop number"))
    minutes_from_departure = models.PositiveIntegerField(_("minutes after departure"))

    class Meta:
        verbose_name = _("bus stop")
        verbose_name_plural = _("bus stops")
        ordering = ["line_id", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["line", "sequence"], name="bus_stop_sequence_unique"),
            models.UniqueConstraint(fields=["line", "point"], name="bus_stop_point_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.line.code} #{self.sequence} {self.point.code}"


class BusDeparture(models.Model):
    """One timetabled departure from the county town: a weekday and a time."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="+")
    line = models.ForeignKey(BusLine, on_delete=models.CASCADE, related_name="departures")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    departs_at = models.TimeField(_("departs at"))
    # Empty: the line's own parcels per departure.
    parcel_capacity = models.PositiveIntegerField(
        _("parcels on this departure"), null=True, blank=True
    )
    driver = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bus_departures_driven",
        verbose_name=_("driver"),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("bus departure")
        verbose_name_plural = _("bus departures")
        ordering = ["line_id", "weekday", "departs_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["line", "weekday", "departs_at"], name="bus_departure_unique"
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="bus_departure_weekday"),
        ]

    def __str__(self) -> str:
        return f"{self.line.code} {self.get_weekday_display()} {self.departs_at:%H:%M}"

    @property
    def capacity(self) -> int:
        if self.parcel_capacity is not None:
            return self.parcel_capacity
        return self.line.parcel_capacity


class BusDepartureBooking(models.Model):
    """Parcels booked on one departure on one date: the counter capacity is kept by."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="+")
    departure = models.ForeignKey(BusDeparture, on_delete=models.PROTECT, related_name="bookings")
    date = models.DateField(_("date"))
    capacity = models.PositiveIntegerField(_("parcels it takes"))
    booked = models.PositiveIntegerField(_("parcels booked"), default=0)

    class Meta:
        verbose_name = _("bus departure booking")
        verbose_name_plural = _("bus departure bookings")
        constraints = [
            models.UniqueConstraint(fields=["departure", "date"], name="bus_booking_unique"),
            models.CheckConstraint(
                condition=Q(booked__lte=F("capacity")), name="bus_booking_within_capacity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.departure_id} {self.date} {self.booked}/{self.capacity}"


class BusConsignmentStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    RELEASED = "released", _("Released (a later plan replaced it)")


class BusConsignment(models.Model):
    """A parcel booked on a bus departure on a date by a plan, for the line's fee."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="+")
    run = models.ForeignKey(
        "logistics.PlanningRun", on_delete=models.CASCADE, related_name="bus_consignments"
    )
    parcel = models.ForeignKey(Parcel, on_delete=models.PROTECT, related_name="bus_consignments")
    line = models.ForeignKey(BusLine, on_delete=models.PROTECT, related_name="consignments")
    departure = models.ForeignKey(
        BusDeparture, on_delete=models.PROTECT, related_name="consignments"
    )
    departure_date = models.DateField(_("departure date"))
    point = models.ForeignKey(ServicePoint, on_delete=models.PROTECT, related_name="+")
    # When the bus reaches the point (the timetable's minutes after departure).
    arrives_at = models.DateTimeField(_("arrives at"))
    fee_fen = models.BigIntegerField(_("fee (fen)"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=BusConsignmentStatus.choices,
        default=BusConsignmentStatus.BOOKED,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("parcel on a bus")
        verbose_name_plural = _("parcels on buses")
        ordering = ["departure_date", "line_id", "point_id", "parcel_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["parcel", "departure_date"],
                condition=Q(status="booked"),
                name="bus_consignment_once_a_day",
            ),
            models.CheckConstraint(condition=Q(fee_fen__gte=0), name="bus_fee_not_negative"),
        ]
        indexes = [models.Index(fields=["county", "departure_date"], name="bus_consignment_day")]

    def __str__(self) -> str:
        return f"{self.parcel_id} {self.line_id} {self.departure_date}"
