"""The dispatcher's planning runs and the plans they produce.

A run plans one day of the county: it is queued, solved in the background (progress
written as it goes), and ends done, failed or cancelled. A done run holds its routes
(one per vehicle used), each route's stops in order with what is dropped and collected
and the load after the stop, the stops it could not serve and why, and what it sent by
passenger bus instead. The latest done run of a day is that day's plan (`is_current`);
drivers' pages, bus bookings and the cost per parcel read that one.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from highland.core.models import County, User
from highland.core.statemachine import StateMachine
from highland.logistics.models.buses import BusConsignment, BusDeparture
from highland.logistics.models.fleet import BusLine, Vehicle
from highland.logistics.models.parcels import Parcel
from highland.network.models import ServicePoint


class PlanningRunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


PLANNING_RUN_MACHINE = StateMachine(
    PlanningRunStatus,
    {
        PlanningRunStatus.QUEUED: frozenset(
            {PlanningRunStatus.RUNNING, PlanningRunStatus.FAILED, PlanningRunStatus.CANCELLED}
        ),
        PlanningRunStatus.RUNNING: frozenset(
            {PlanningRunStatus.DONE, PlanningRunStatus.FAILED, PlanningRunStatus.CANCELLED}
        ),
    },
    stamps={
        PlanningRunStatus.RUNNING: ("started_at",),
        PlanningRunStatus.DONE: ("finished_at",),
        PlanningRunStatus.FAILED: ("finished_at",),
        PlanningRunStatus.CANCELLED: ("finished_at",),
    },
)

UNFINISHED = (PlanningRunStatus.QUEUED, PlanningRunStatus.RUNNING)


class PlanningRun(models.Model):
    """One solve of one day's deliveries and collections, under a time limit."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="planning_runs")
    day = models.DateField(_("day"))
    # When the vans may leave the hub; each works its shift from then.
    departs_at = models.TimeField(_("vans leave from"), default=dt.time(7, 0))
    time_limit_seconds = models.FloatField(_("time limit (seconds)"))
    seed = models.PositiveIntegerField(_("seed"), default=1)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=PlanningRunStatus.choices,
        default=PlanningRunStatus.QUEUED,
    )
    # Progress, written while the solver runs.
    best_cost_fen = models.BigIntegerField(_("best cost so far (fen)"), null=True, blank=True)
    elapsed_seconds = models.FloatField(_("elapsed (seconds)"), default=0)
    iterations = models.BigIntegerField(_("iterations"), default=0)
    progress_at = models.DateTimeField(_("progress written at"), null=True, blank=True)
    # The result.
    stop_count = models.PositiveIntegerField(_("stops"), default=0)
    van_cost_fen = models.BigIntegerField(_("cost of the vans (fen)"), null=True, blank=True)
    bus_fees_fen = models.BigIntegerField(_("bus fees (fen)"), default=0)
    # Why it failed: a code (shown in the reader's language) and the error's own words.
    failure_code = models.CharField(_("failure"), max_length=30, blank=True)
    message = models.TextField(_("message"), blank=True)
    is_current = models.BooleanField(_("the day's plan"), default=False)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("planning run")
        verbose_name_plural = _("planning runs")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "day"],
                condition=Q(is_current=True),
                name="one_current_plan_a_day",
            ),
            models.CheckConstraint(
                condition=Q(time_limit_seconds__gt=0), name="planning_time_limit_positive"
            ),
        ]
        indexes = [models.Index(fields=["county", "day"], name="planning_run_day")]

    def __str__(self) -> str:
        return f"{self.day} #{self.pk}"

    @property
    def cost_fen(self) -> int | None:
        """Vans and buses together, once done."""
        if self.van_cost_fen is None:
            return None
        return self.van_cost_fen + self.bus_fees_fen

    @property
    def is_finished(self) -> bool:
        return self.status not in UNFINISHED


class PlannedRoute(models.Model):
    """One vehicle's trip from the hub and back."""

    run = models.ForeignKey(PlanningRun, on_delete=models.CASCADE, related_name="routes")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="planned_routes")
    # The vehicle's driver when planned: whose phone page shows the route.
    driver = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="planned_routes"
    )
    order = models.PositiveSmallIntegerField(_("route number"))
    distance_m = models.BigIntegerField(_("distance (m)"))
    duration_s = models.BigIntegerField(_("duration (s)"))
    cost_fen = models.BigIntegerField(_("cost (fen)"))
    starts_at = models.DateTimeField(_("leaves the hub"))
    ends_at = models.DateTimeField(_("back at the hub"))
    load_at_start_g = models.BigIntegerField(_("load leaving the hub (g)"))
    load_at_start_ml = models.BigIntegerField(_("load leaving the hub (ml)"))
    # The route's line on the plan's map.
    colour = models.CharField(_("colour"), max_length=7)

    class Meta:
        verbose_name = _("planned route")
        verbose_name_plural = _("planned routes")
        ordering = ["run_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["run", "order"], name="planned_route_order_unique")
        ]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.order} {self.vehicle_id}"


class PlannedStop(models.Model):
    """A visit to a point: arrive, drop, collect, leave; the load after it."""

    route = models.ForeignKey(PlannedRoute, on_delete=models.CASCADE, related_name="stops")
    point = models.ForeignKey(ServicePoint, on_delete=models.PROTECT, related_name="+")
    sequence = models.PositiveSmallIntegerField(_("stop number"))
    arrives_at = models.DateTimeField(_("arrives at"))
    service_starts_at = models.DateTimeField(_("service starts at"))
    departs_at = models.DateTimeField(_("leaves at"))
    window_opens_at = models.DateTimeField(_("point opens at"))
    window_closes_at = models.DateTimeField(_("point closes at"))
    drop_parcels = models.ManyToManyField(Parcel, related_name="planned_drops", blank=True)
    collect_parcels = models.ManyToManyField(Parcel, related_name="planned_collections", blank=True)
    drop_g = models.BigIntegerField(_("to drop (g)"), default=0)
    drop_ml = models.BigIntegerField(_("to drop (ml)"), default=0)
    collect_g = models.BigIntegerField(_("to collect (g)"), default=0)
    collect_ml = models.BigIntegerField(_("to collect (ml)"), default=0)
    # Cooperatives' intakes weighed at the point and not yet in a collection parcel.
    loose_collect_g = models.BigIntegerField(_("loose produce to collect (g)"), default=0)
    loose_intake_count = models.PositiveIntegerField(_("intakes to collect"), default=0)
    load_after_g = models.BigIntegerField(_("load after the stop (g)"))
    load_after_ml = models.BigIntegerField(_("load after the stop (ml)"))
    needs_refrigeration = models.BooleanField(_("needs refrigeration"), default=False)
    # The route's cost allocated to the loose produce (the parcels' shares are ParcelCost).
    loose_cost_fen = models.BigIntegerField(_("cost of the loose produce (fen)"), default=0)

    class Meta:
        verbose_name = _("planned stop")
        verbose_name_plural = _("planned stops")
        ordering = ["route_id", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["route", "sequence"], name="planned_stop_sequence_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.route_id}#{self.sequence} {self.point_id}"


class UnservedReasonCode(models.TextChoices):
    UNREACHABLE = "unreachable", _("Unreachable: the roads to it are closed")
    WINDOW_IMPOSSIBLE = "window_impossible", _("Its opening hours cannot be met")
    TOO_HEAVY = "too_heavy", _("Too heavy or too big for any vehicle")
    NEEDS_REFRIGERATION = "needs_refrigeration", _("Needs a refrigerated vehicle")
    NO_ROOM = "no_room", _("No vehicle had room or time for it")
    CLOSED = "closed", _("The point is closed that day")


class UnservedStop(models.Model):
    """A point (or some of its parcels) the plan leaves for another day, and why."""

    run = models.ForeignKey(PlanningRun, on_delete=models.CASCADE, related_name="unserved")
    point = models.ForeignKey(ServicePoint, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=20, choices=UnservedReasonCode.choices)
    # The facts the message is made of (times, SSCCs, weights), so that each reader gets
    # it in their own language (`planning.explain.unserved_message`).
    details = models.JSONField(_("details"), default=dict, blank=True)
    parcels = models.ManyToManyField(Parcel, related_name="+", blank=True)
    weight_g = models.BigIntegerField(_("weight (g)"), default=0)

    class Meta:
        verbose_name = _("unserved stop")
        verbose_name_plural = _("unserved stops")
        ordering = ["run_id", "point__code", "pk"]

    def __str__(self) -> str:
        return f"{self.point_id} {self.reason}"


class Carrier(models.TextChoices):
    VAN = "van", _("Van")
    BUS = "bus", _("Passenger bus")
    NONE = "none", _("Neither: left for another day")


class BusChoice(models.Model):
    """For a point on a bus line: the bus (fee, arrival) against the van stop's marginal
    cost, what the plan chose and why."""

    run = models.ForeignKey(PlanningRun, on_delete=models.CASCADE, related_name="bus_choices")
    point = models.ForeignKey(ServicePoint, on_delete=models.PROTECT, related_name="+")
    line = models.ForeignKey(BusLine, on_delete=models.PROTECT, related_name="+")
    departure = models.ForeignKey(
        BusDeparture, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    parcel_count = models.PositiveIntegerField(_("parcels"))
    bus_fee_fen = models.BigIntegerField(_("bus fees (fen)"))
    bus_arrives_at = models.DateTimeField(_("bus arrives at"), null=True, blank=True)
    # None: no van could serve the point at all.
    van_marginal_cost_fen = models.BigIntegerField(
        _("cost the van stop adds (fen)"), null=True, blank=True
    )
    chosen = models.CharField(_("chosen"), max_length=4, choices=Carrier.choices)
    # Why, as a code and its facts (`planning.explain.bus_choice_message`).
    reason = models.CharField(_("why"), max_length=30)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("bus or van")
        verbose_name_plural = _("bus or van choices")
        ordering = ["run_id", "point__code"]

    def __str__(self) -> str:
        return f"{self.run_id} {self.point_id} {self.chosen}"


class ParcelCost(models.Model):
    """A parcel's share of its route's cost (or its bus fee) in the day's plan: what
    carrying it to or from its village point cost (the figure subsidies will use)."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="+")
    run = models.ForeignKey(PlanningRun, on_delete=models.CASCADE, related_name="parcel_costs")
    parcel = models.ForeignKey(Parcel, on_delete=models.PROTECT, related_name="costs")
    point = models.ForeignKey(ServicePoint, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("day"))
    carrier = models.CharField(_("carried by"), max_length=4, choices=Carrier.choices)
    route = models.ForeignKey(
        PlannedRoute, on_delete=models.CASCADE, null=True, blank=True, related_name="parcel_costs"
    )
    consignment = models.ForeignKey(
        BusConsignment, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    cost_fen = models.BigIntegerField(_("cost (fen)"))

    class Meta:
        verbose_name = _("cost of a parcel")
        verbose_name_plural = _("costs of parcels")
        ordering = ["day", "point_id", "parcel_id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "parcel"], name="parcel_cost_once_a_run"),
            models.CheckConstraint(condition=Q(cost_fen__gte=0), name="parcel_cost_not_negative"),
        ]
        indexes = [models.Index(fields=["county", "day"], name="parcel_cost_day")]

    def __str__(self) -> str:
        return f"{self.parcel_id} {self.day} {self.cost_fen}"
