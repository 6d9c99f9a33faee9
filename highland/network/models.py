"""The three-tier service network: county centre, township stations, village points."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from highland.core.i18n import TrilingualName, localized
from highland.core.models import County, Organisation, User

# China's bounding box (Zengmu Reef to Mohe, Pamirs to the Ussuri).
LATITUDE_RANGE = (Decimal("3.5"), Decimal("53.6"))
LONGITUDE_RANGE = (Decimal("73.4"), Decimal("135.1"))
ALTITUDE_RANGE_M = (0, 6000)


class Tier(models.TextChoices):
    COUNTY_CENTRE = "county_centre", _("County centre")
    TOWNSHIP_STATION = "township_station", _("Township station")
    VILLAGE_POINT = "village_point", _("Village point")


# The tier a point's parent must have; the county centre has no parent.
PARENT_TIER: dict[str, str | None] = {
    Tier.COUNTY_CENTRE: None,
    Tier.TOWNSHIP_STATION: Tier.COUNTY_CENTRE,
    Tier.VILLAGE_POINT: Tier.TOWNSHIP_STATION,
}


class Connectivity(models.TextChoices):
    NONE = "none", _("No signal")
    G2 = "2g", _("2G")
    G3 = "3g", _("3G")
    G4 = "4g", _("4G")
    BROADBAND = "broadband", _("Broadband")


class Service(models.TextChoices):
    AGENCY_PURCHASE = "agency_purchase", _("Agency purchase")
    AGENCY_SALE = "agency_sale", _("Agency sale")
    PARCEL_DROP_OFF = "parcel_drop_off", _("Parcel drop-off")
    PARCEL_PICKUP = "parcel_pickup", _("Parcel pickup")
    PAYMENT_COLLECTION = "payment_collection", _("Payment collection")
    TRAINING = "training", _("Training")
    BILL_PAYMENT = "bill_payment", _("Bill payment")


class ServicePoint(TrilingualName):
    county = models.ForeignKey(
        County, verbose_name=_("county"), on_delete=models.PROTECT, related_name="service_points"
    )
    code = models.CharField(_("code"), max_length=20)
    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent point"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("operated by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_points",
    )
    township_zh = models.CharField(_("township (Chinese)"), max_length=60)
    township_bo = models.CharField(_("township (Tibetan)"), max_length=120, blank=True)
    township_en = models.CharField(_("township (English)"), max_length=60, blank=True)
    village_zh = models.CharField(_("village (Chinese)"), max_length=60, blank=True)
    village_bo = models.CharField(_("village (Tibetan)"), max_length=120, blank=True)
    village_en = models.CharField(_("village (English)"), max_length=60, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    altitude_m = models.PositiveIntegerField(_("altitude (m)"))
    connectivity = models.CharField(
        _("connectivity"), max_length=12, choices=Connectivity.choices, default=Connectivity.G4
    )
    connectivity_stable = models.BooleanField(_("connection is stable"), default=True)
    services = models.JSONField(_("services offered"), default=list, blank=True)
    agents = models.ManyToManyField(
        User, verbose_name=_("agents"), blank=True, related_name="service_points"
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("service point")
        verbose_name_plural = _("service points")
        ordering = ["county", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "code"], name="service_point_code_per_county"
            ),
            models.UniqueConstraint(
                fields=["county"],
                condition=Q(tier="county_centre", active=True),
                name="one_active_county_centre",
            ),
            models.CheckConstraint(
                condition=Q(latitude__gte=LATITUDE_RANGE[0], latitude__lte=LATITUDE_RANGE[1])
                & Q(longitude__gte=LONGITUDE_RANGE[0], longitude__lte=LONGITUDE_RANGE[1]),
                name="service_point_inside_china",
            ),
            models.CheckConstraint(
                condition=Q(altitude_m__lte=ALTITUDE_RANGE_M[1]),
                name="service_point_altitude_range",
            ),
            models.CheckConstraint(
                condition=Q(tier="county_centre", parent__isnull=True)
                | (~Q(tier="county_centre") & Q(parent__isnull=False)),
                name="service_point_parent_by_tier",
            ),
        ]
        indexes = [models.Index(fields=["county", "tier", "active"])]

    @property
    def township(self) -> str:
        return localized(self, "township")

    @property
    def village(self) -> str:
        return localized(self, "village")

    def service_labels(self) -> list[str]:
        labels = dict(Service.choices)
        return [str(labels[code]) for code in self.services if code in labels]


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class OpeningHours(models.Model):
    """One opening period on one weekday; a day with none is closed."""

    point = models.ForeignKey(ServicePoint, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["weekday", "opens"]
        constraints = [
            models.UniqueConstraint(
                fields=["point", "weekday", "opens"], name="opening_period_unique"
            ),
            models.CheckConstraint(
                condition=Q(closes__gt=models.F("opens")), name="opening_closes_after_opens"
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="opening_weekday_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class Resident(models.Model):
    """A villager registered at their village point, usually by its agent; they may have
    no phone and no login, and agents buy and sell on their behalf."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="residents")
    person = models.OneToOneField(User, on_delete=models.PROTECT, related_name="residence")
    point = models.ForeignKey(ServicePoint, on_delete=models.PROTECT, related_name="residents")
    household = models.CharField(_("household"), max_length=80, blank=True)
    registered_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="residents_registered"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["point", "person__display_name"]

    def __str__(self) -> str:
        return f"{self.person} @ {self.point.code}"
