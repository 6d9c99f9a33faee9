"""The county hub: zones by temperature class and the locations within them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from highland.core.i18n import TrilingualName
from highland.core.models import County
from highland.logistics.temperature import TemperatureClass


class HubZone(TrilingualName):
    """A room or area of the hub kept at one temperature class (ambient, chilled, frozen)."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="hub_zones")
    code = models.CharField(_("code"), max_length=20)
    temperature_class = models.CharField(
        _("temperature class"), max_length=10, choices=TemperatureClass.choices
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("hub zone")
        verbose_name_plural = _("hub zones")
        ordering = ["county_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["county", "code"], name="hub_zone_code_unique")
        ]


class HubLocation(models.Model):
    """A shelf, bay or floor space in a zone where lots and parcels are put away."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="hub_locations")
    zone = models.ForeignKey(HubZone, on_delete=models.PROTECT, related_name="locations")
    code = models.CharField(_("code"), max_length=20)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("hub location")
        verbose_name_plural = _("hub locations")
        ordering = ["county_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["county", "code"], name="hub_location_code_unique")
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def temperature_class(self) -> str:
        return self.zone.temperature_class
