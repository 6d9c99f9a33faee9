"""The county's roads: nodes (points, the hub, junctions, passes), edges and closures.

Travel time on an edge is derived, not entered: length over an effective speed, the
typical speed of its road class lowered on high and unpaved roads (ADR 0012):

    effective km/h = typical km/h × HIGH_ALTITUDE_FACTOR (either end at or above
                     HIGH_ALTITUDE_M) × UNPAVED_FACTOR (unpaved)

Edges are two-way. A closure takes an edge out of the graph while it is in force:
seasonal closures recur every year between two calendar days (a pass from December to
March); ad hoc closures run from a time until a time or until lifted (a landslide).
"""

from __future__ import annotations

import calendar
import datetime
import math
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from highland.core.i18n import TrilingualName
from highland.core.models import County, User
from highland.network.models import ServicePoint

# Thin air slows engines and drivers: ~15 % off above 4,000 m (G318's passes run at
# 4,300-4,700 m). Gravel and earth tracks: ~30 % off, more in the wet season.
HIGH_ALTITUDE_M = 4000
HIGH_ALTITUDE_FACTOR = 0.85
UNPAVED_FACTOR = 0.7


class RoadClass(models.TextChoices):
    NATIONAL = "national", _("National road")
    PROVINCIAL = "provincial", _("Provincial road")
    COUNTY = "county", _("County road")
    TOWNSHIP = "township", _("Township road")
    TRACK = "track", _("Track")


# Typical speeds when nothing is entered, km/h: mountain roads are slow.
TYPICAL_SPEED_KMH = {
    RoadClass.NATIONAL: 50,
    RoadClass.PROVINCIAL: 40,
    RoadClass.COUNTY: 35,
    RoadClass.TOWNSHIP: 25,
    RoadClass.TRACK: 15,
}


class RoadNetwork(models.Model):
    """One row per county: `version` bumps whenever a node, edge or closure changes, so
    cached travel matrices of an older version are never used again."""

    county = models.OneToOneField(County, on_delete=models.CASCADE, related_name="road_network")
    version = models.PositiveBigIntegerField(_("version"), default=1)
    changed_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("road network")
        verbose_name_plural = _("road networks")

    def __str__(self) -> str:
        return f"{self.county} v{self.version}"


class RoadNode(TrilingualName):
    """A place on the road graph: a service point (the hub stands at the county centre
    point), a junction or a pass."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="road_nodes")
    code = models.CharField(_("code"), max_length=30)
    point = models.OneToOneField(
        ServicePoint,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="road_node",
        verbose_name=_("service point"),
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    altitude_m = models.PositiveIntegerField(_("altitude (m)"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("road node")
        verbose_name_plural = _("road nodes")
        ordering = ["county_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["county", "code"], name="road_node_code_unique"),
        ]


class RoadEdge(models.Model):
    """A stretch of road between two nodes, usable both ways."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="road_edges")
    from_node = models.ForeignKey(
        RoadNode, on_delete=models.PROTECT, related_name="edges_out", verbose_name=_("from")
    )
    to_node = models.ForeignKey(
        RoadNode, on_delete=models.PROTECT, related_name="edges_in", verbose_name=_("to")
    )
    road_name = models.CharField(
        _("road"), max_length=40, blank=True, help_text=_("The road's number, such as G318.")
    )
    road_class = models.CharField(_("road class"), max_length=20, choices=RoadClass.choices)
    length_m = models.PositiveIntegerField(_("length (m)"))
    paved = models.BooleanField(_("paved"), default=True)
    speed_kmh = models.PositiveSmallIntegerField(
        _("typical speed (km/h)"), help_text=_("On a paved road below 4,000 m.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("road edge")
        verbose_name_plural = _("road edges")
        ordering = ["county_id", "from_node_id", "to_node_id"]
        constraints = [
            models.CheckConstraint(condition=Q(length_m__gt=0), name="road_edge_length_positive"),
            models.CheckConstraint(condition=Q(speed_kmh__gt=0), name="road_edge_speed_positive"),
            models.CheckConstraint(
                condition=~Q(from_node=models.F("to_node")), name="road_edge_two_ends"
            ),
        ]

    def __str__(self) -> str:
        road = f"{self.road_name} " if self.road_name else ""
        return f"{road}{self.from_node.name} – {self.to_node.name}"

    def effective_speed_kmh(self, *, from_altitude_m: int, to_altitude_m: int) -> float:
        speed = float(self.speed_kmh)
        if max(from_altitude_m, to_altitude_m) >= HIGH_ALTITUDE_M:
            speed *= HIGH_ALTITUDE_FACTOR
        if not self.paved:
            speed *= UNPAVED_FACTOR
        return speed

    def travel_seconds(self, *, from_altitude_m: int, to_altitude_m: int) -> int:
        """Seconds to drive this edge, at least one."""
        speed = self.effective_speed_kmh(
            from_altitude_m=from_altitude_m, to_altitude_m=to_altitude_m
        )
        return max(1, math.ceil(self.length_m * 3.6 / speed))


class ClosureKind(models.TextChoices):
    SEASONAL = "seasonal", _("Seasonal")
    AD_HOC = "ad_hoc", _("Ad hoc")


class RoadClosure(models.Model):
    """An edge out of use: every year between two days (seasonal) or between two times."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="road_closures")
    edge = models.ForeignKey(
        RoadEdge, on_delete=models.PROTECT, related_name="closures", verbose_name=_("road")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ClosureKind.choices)
    reason = models.CharField(_("reason"), max_length=200)
    # Seasonal: from (month, day) to (month, day) inclusive, every year; may wrap the new year.
    from_month = models.PositiveSmallIntegerField(_("from month"), null=True, blank=True)
    from_day = models.PositiveSmallIntegerField(_("from day"), null=True, blank=True)
    until_month = models.PositiveSmallIntegerField(_("until month"), null=True, blank=True)
    until_day = models.PositiveSmallIntegerField(_("until day"), null=True, blank=True)
    # Ad hoc: from a time until a time, or until lifted when `ends_at` is empty.
    starts_at = models.DateTimeField(_("closed from"), null=True, blank=True)
    ends_at = models.DateTimeField(_("closed until"), null=True, blank=True)
    created_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    # Lifting an ad hoc closure ends it; lifting a seasonal one opens the road for the rest
    # of the current season only (it closes again next year).
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lifted by"),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("road closure")
        verbose_name_plural = _("road closures")
        ordering = ["county_id", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        kind="seasonal",
                        from_month__range=(1, 12),
                        until_month__range=(1, 12),
                        from_day__range=(1, 31),
                        until_day__range=(1, 31),
                    )
                    | Q(kind="ad_hoc", starts_at__isnull=False)
                ),
                name="road_closure_has_its_dates",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True)
                | Q(starts_at__isnull=True)
                | Q(ends_at__gt=models.F("starts_at")),
                name="road_closure_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.edge}: {self.reason}"

    # --- when it is in force -------------------------------------------------------------

    def season_start(self, at: datetime.datetime) -> datetime.datetime | None:
        """For a seasonal closure: the start (local midnight) of the season that contains
        `at`, or None when `at` falls outside every season."""
        assert self.from_month and self.from_day and self.until_month and self.until_day
        local = at.astimezone(_zone())
        day = (local.month, local.day)
        start, until = (self.from_month, self.from_day), (self.until_month, self.until_day)
        if start <= until:
            if not start <= day <= until:
                return None
            year = local.year
        elif day >= start:
            year = local.year  # in December, of a December-March season
        elif day <= until:
            year = local.year - 1  # in February: the season began last December
        else:
            return None
        # A season from 29 February starts on the 28th in other years.
        first = min(self.from_day, calendar.monthrange(year, self.from_month)[1])
        return datetime.datetime(year, self.from_month, first, tzinfo=_zone())

    def in_force(self, at: datetime.datetime) -> bool:
        if self.kind == ClosureKind.SEASONAL:
            begun = self.season_start(at)
            if begun is None:
                return False
            return not (self.lifted_at and begun <= self.lifted_at <= at)
        if self.lifted_at is not None and self.lifted_at <= at:
            return False
        assert self.starts_at is not None
        return self.starts_at <= at and (self.ends_at is None or at < self.ends_at)

    def ended(self, at: datetime.datetime) -> bool:
        """An ad hoc closure that will never be in force again (seasonal ones recur)."""
        if self.kind == ClosureKind.SEASONAL:
            return False
        if self.lifted_at is not None and self.lifted_at <= at:
            return True
        return self.ends_at is not None and self.ends_at <= at


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)
