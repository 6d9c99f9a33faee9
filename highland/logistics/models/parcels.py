"""Parcels (one per consignment, named by an SSCC) and the tracking events that move them.

A parcel's `status` is the kind of its latest event by the time the event happened, not by
when it reached the server: devices record events offline and send them later in any
order (ADR 0013). The status is therefore a projection of the event log, recomputed by
`logistics.services.tracking` whenever an event lands, and not a state machine.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from highland.core.models import County, User
from highland.core.storage import private_storage
from highland.logistics.models.fleet import BusLine, Vehicle
from highland.logistics.models.hub import HubLocation
from highland.logistics.temperature import TemperatureClass
from highland.network.models import ServicePoint


class ParcelKind(models.TextChoices):
    ORDER = "order", _("Packed order")
    TOTE = "tote", _("Tote for a village point")
    COLLECTION = "collection", _("Collection from a village point")


class TrackingEventKind(models.TextChoices):
    COLLECTED = "collected", _("Collected")
    RECEIVED_AT_HUB = "received_at_hub", _("Received at the hub")
    SORTED = "sorted", _("Sorted")
    PUT_AWAY = "put_away", _("Put away")
    PICKED = "picked", _("Picked")
    PACKED = "packed", _("Packed")
    LOADED = "loaded", _("Loaded")
    HANDED_TO_BUS = "handed_to_bus", _("Handed to a bus driver")
    ARRIVED_AT_POINT = "arrived_at_point", _("Arrived at the point")
    PICKED_UP = "picked_up", _("Picked up")
    DELIVERY_FAILED = "delivery_failed", _("Delivery failed")
    RETURNED = "returned", _("Returned")


_Kind = TrackingEventKind


class ParcelStatus(models.TextChoices):
    """The kind of a parcel's latest event, or "created" before any."""

    CREATED = "created", _("Label printed")
    COLLECTED = _Kind.COLLECTED.value, _Kind.COLLECTED.label
    RECEIVED_AT_HUB = _Kind.RECEIVED_AT_HUB.value, _Kind.RECEIVED_AT_HUB.label
    SORTED = _Kind.SORTED.value, _Kind.SORTED.label
    PUT_AWAY = _Kind.PUT_AWAY.value, _Kind.PUT_AWAY.label
    PICKED = _Kind.PICKED.value, _Kind.PICKED.label
    PACKED = _Kind.PACKED.value, _Kind.PACKED.label
    LOADED = _Kind.LOADED.value, _Kind.LOADED.label
    HANDED_TO_BUS = _Kind.HANDED_TO_BUS.value, _Kind.HANDED_TO_BUS.label
    ARRIVED_AT_POINT = _Kind.ARRIVED_AT_POINT.value, _Kind.ARRIVED_AT_POINT.label
    PICKED_UP = _Kind.PICKED_UP.value, _Kind.PICKED_UP.label
    DELIVERY_FAILED = _Kind.DELIVERY_FAILED.value, _Kind.DELIVERY_FAILED.label
    RETURNED = _Kind.RETURNED.value, _Kind.RETURNED.label


class Parcel(models.Model):
    """One consignment: a packed order, a tote of orders for one point, or a collection of
    produce from a point. Named by an 18-digit SSCC (highland/core/gs1.py)."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="parcels")
    sscc = models.CharField(_("SSCC"), max_length=18, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=ParcelKind.choices)
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="parcels",
        verbose_name=_("order"),
    )
    # An order's parcel rides inside the tote for its village point once consolidated.
    tote = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contents",
        verbose_name=_("tote"),
    )
    origin_point = models.ForeignKey(
        ServicePoint,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="parcels_sent",
        verbose_name=_("from point"),
    )
    destination_point = models.ForeignKey(
        ServicePoint,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="parcels_received",
        verbose_name=_("to point"),
    )
    weight_g = models.BigIntegerField(_("weight (g)"))
    volume_ml = models.BigIntegerField(_("volume (ml)"), default=0)
    temperature_class = models.CharField(
        _("temperature class"), max_length=10, choices=TemperatureClass.choices
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ParcelStatus.choices, default=ParcelStatus.CREATED
    )
    # When the event that set `status` happened (device time).
    status_at = models.DateTimeField(_("status since"), null=True, blank=True)
    # A national carrier's own number once the parcel leaves the county with one.
    carrier_name = models.CharField(_("carrier"), max_length=30, blank=True)
    carrier_tracking_number = models.CharField(
        _("carrier's tracking number"), max_length=30, blank=True
    )
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="parcels_created", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("parcel")
        verbose_name_plural = _("parcels")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weight_g__gte=0, volume_ml__gte=0), name="parcel_size_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(kind="order", order__isnull=False) | ~Q(kind="order"),
                name="order_parcel_has_order",
            ),
        ]
        indexes = [models.Index(fields=["county", "status"], name="parcel_county_status")]

    def __str__(self) -> str:
        return self.sscc


def proof_photo_path(event: TrackingEvent, filename: str) -> str:
    """Proof-of-delivery photos by county and month; the file name is random."""
    return f"proof/{event.county_id}/{event.occurred_at:%Y/%m}/{filename}"


class TrackingEvent(models.Model):
    """Something that happened to a parcel, where and when, as a device recorded it.

    `occurred_at` is the device's time (events recorded offline arrive later);
    `recorded_at` is when the server stored it. The device's idempotency key makes a
    retried upload store nothing twice.
    """

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="tracking_events")
    parcel = models.ForeignKey(Parcel, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("what happened"), max_length=20, choices=TrackingEventKind.choices)
    occurred_at = models.DateTimeField(_("happened at"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    idempotency_key = models.CharField(_("device's key"), max_length=80)
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="tracking_events", null=True, blank=True
    )
    location = models.ForeignKey(
        HubLocation, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    bus_line = models.ForeignKey(
        BusLine, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    point = models.ForeignKey(
        ServicePoint,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tracking_events",
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    # Proof of delivery: the pickup code was checked, or the agent confirmed with a photo
    # (a private file: highland/core/storage.py).
    pickup_code_checked = models.BooleanField(_("pickup code checked"), default=False)
    photo = models.FileField(
        _("photo"),
        storage=private_storage,
        upload_to=proof_photo_path,
        max_length=200,
        blank=True,
    )
    # What the device sent, hashed: the same key with other content is a conflict.
    fingerprint = models.CharField(_("request fingerprint"), max_length=64, blank=True)
    # An order parcel's event recorded because its tote was loaded or arrived.
    via_tote_event = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="content_events",
        verbose_name=_("recorded with the tote's event"),
    )
    # The parcel's order as this event left it, and why the order did not move when the
    # event said it should have (a cancelled order, say): the event is kept either way.
    order_status = models.CharField(_("order status after"), max_length=20, blank=True)
    order_held_code = models.CharField(_("order not moved (code)"), max_length=40, blank=True)
    order_held_detail = models.CharField(_("order not moved because"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("tracking event")
        verbose_name_plural = _("tracking events")
        ordering = ["parcel_id", "occurred_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "idempotency_key"], name="tracking_event_key_unique"
            )
        ]
        indexes = [
            models.Index(fields=["parcel", "occurred_at"], name="tracking_event_parcel_time")
        ]

    def __str__(self) -> str:
        return f"{self.parcel_id} {self.kind} {self.occurred_at:%Y-%m-%d %H:%M}"
