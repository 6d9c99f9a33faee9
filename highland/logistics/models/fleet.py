"""What carries goods: the county's vans and trucks, and the passenger bus lines."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from highland.core.i18n import TrilingualName
from highland.core.models import County, Organisation, User


class Vehicle(models.Model):
    """A van or truck that runs from the hub: capacity, refrigeration, shift and costs."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="vehicles")
    carrier = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="vehicles", verbose_name=_("carrier")
    )
    plate = models.CharField(_("number plate"), max_length=12)
    name = models.CharField(_("name"), max_length=60, blank=True)
    capacity_g = models.BigIntegerField(_("load capacity (g)"))
    capacity_ml = models.BigIntegerField(_("load volume (ml)"))
    refrigerated = models.BooleanField(_("refrigerated"), default=False)
    shift_minutes = models.PositiveIntegerField(_("shift length (minutes)"), default=600)
    cost_per_km_fen = models.BigIntegerField(_("cost per km (fen)"))
    cost_per_hour_fen = models.BigIntegerField(_("cost per hour (fen)"))
    driver = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="vehicles_driven",
        verbose_name=_("usual driver"),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        ordering = ["county_id", "plate"]
        constraints = [
            models.UniqueConstraint(fields=["county", "plate"], name="vehicle_plate_unique"),
            models.CheckConstraint(
                condition=Q(capacity_g__gt=0, capacity_ml__gt=0), name="vehicle_capacity_positive"
            ),
            models.CheckConstraint(
                condition=Q(cost_per_km_fen__gte=0, cost_per_hour_fen__gte=0),
                name="vehicle_costs_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plate} {self.name}".strip()


class BusLine(TrilingualName):
    """A passenger bus line that also carries parcels to the townships and villages it stops
    at, for a fee per parcel (its stops and timetable belong to it)."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="bus_lines")
    carrier = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="bus_lines", verbose_name=_("carrier")
    )
    code = models.CharField(_("code"), max_length=20)
    parcel_capacity = models.PositiveIntegerField(_("parcels per departure"))
    fee_per_parcel_fen = models.BigIntegerField(_("fee per parcel (fen)"))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("bus line")
        verbose_name_plural = _("bus lines")
        ordering = ["county_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["county", "code"], name="bus_line_code_unique"),
            models.CheckConstraint(
                condition=Q(fee_per_parcel_fen__gte=0), name="bus_line_fee_not_negative"
            ),
        ]
