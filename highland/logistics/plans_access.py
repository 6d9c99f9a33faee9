"""Permission-checked fetches for planning: runs, routes, vehicles, bus lines and the
driver's own stops. Missing and not-yours give the same 404 (STYLE 15)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.core.access import home_county
from highland.core.errors import NotFound
from highland.core.models import County, User
from highland.core.permissions import allowed, require
from highland.logistics.models import (
    BusConsignment,
    BusConsignmentStatus,
    BusDeparture,
    BusLine,
    Parcel,
    PlannedRoute,
    PlannedStop,
    PlanningRun,
    Vehicle,
)


def planning_county(user: User, permission: str = "logistics.view_plans") -> County:
    """The person's county, if they hold `permission` there (403 otherwise)."""
    county = home_county(user)
    require(user, permission, county)
    return county


def access_planning_run(user: User, run_id: int) -> PlanningRun:
    county = home_county(user)
    run = (
        PlanningRun.objects.select_related("county", "created_by")
        .filter(pk=run_id, county=county)
        .first()
    )
    if run is None or not allowed(user, "logistics.view_plans", run):
        raise NotFound(_("No such planning run."))
    return run


def routes_of(run: PlanningRun) -> QuerySet[PlannedRoute]:
    """The run's routes with their vehicle, driver and stops (points and parcels)."""
    stops = PlannedStop.objects.select_related("point").prefetch_related(
        Prefetch("drop_parcels", queryset=Parcel.objects.select_related("destination_point")),
        Prefetch("collect_parcels", queryset=Parcel.objects.select_related("origin_point")),
    )
    return (
        PlannedRoute.objects.filter(run=run)
        .select_related("vehicle", "driver")
        .prefetch_related(Prefetch("stops", queryset=stops.order_by("sequence")))
        .order_by("order")
    )


def access_planned_route(user: User, run: PlanningRun, route_id: int) -> PlannedRoute:
    route = routes_of(run).filter(pk=route_id).first()
    if route is None:
        raise NotFound(_("No such route."))
    return route


def access_vehicle(user: User, vehicle_id: int) -> Vehicle:
    county = home_county(user)
    vehicle = (
        Vehicle.objects.select_related("carrier", "driver", "county")
        .filter(pk=vehicle_id, county=county)
        .first()
    )
    if vehicle is None or not allowed(user, "logistics.manage_fleet", vehicle):
        raise NotFound(_("No such vehicle."))
    return vehicle


def access_bus_line(user: User, line_id: int) -> BusLine:
    county = home_county(user)
    line = (
        BusLine.objects.select_related("county", "carrier")
        .filter(pk=line_id, county=county)
        .first()
    )
    if line is None or not allowed(user, "logistics.view_plans", line):
        raise NotFound(_("No such bus line."))
    return line


# --- the driver's day ----------------------------------------------------------------------


def drivers_routes(user: User, county: County) -> list[PlannedRoute]:
    """Today's routes of the day's plan that `user` drives."""
    require(user, "logistics.drive", county)
    today = timezone.localdate()
    return list(
        routes_of_today(county)
        .filter(driver=user)
        .order_by("starts_at", "order")
        .filter(run__day=today)
    )


def routes_of_today(county: County) -> QuerySet[PlannedRoute]:
    stops = PlannedStop.objects.select_related("point").prefetch_related(
        "drop_parcels", "collect_parcels"
    )
    return (
        PlannedRoute.objects.filter(run__county=county, run__is_current=True)
        .select_related("vehicle", "run")
        .prefetch_related(Prefetch("stops", queryset=stops.order_by("sequence")))
    )


def access_drivers_stop(user: User, stop_id: int) -> PlannedStop:
    """A stop of one of the person's routes today."""
    county = home_county(user)
    require(user, "logistics.drive", county)
    stop = (
        PlannedStop.objects.select_related("route__vehicle", "route__run", "point")
        .prefetch_related("drop_parcels", "collect_parcels")
        .filter(
            pk=stop_id,
            route__driver=user,
            route__run__county=county,
            route__run__is_current=True,
            route__run__day=timezone.localdate(),
        )
        .first()
    )
    if stop is None:
        raise NotFound(_("No such stop on your routes today."))
    return stop


def access_drivers_route(user: User, route_id: int) -> PlannedRoute:
    county = home_county(user)
    require(user, "logistics.drive", county)
    route = (
        routes_of_today(county)
        .filter(pk=route_id, driver=user, run__day=timezone.localdate())
        .first()
    )
    if route is None:
        raise NotFound(_("No such route of yours today."))
    return route


def drivers_bus_departures(user: User, county: County) -> list[BusDeparture]:
    """Today's bus departures the person drives that carry parcels of the day's plan."""
    require(user, "logistics.drive", county)
    today = timezone.localdate()
    consignments = (
        BusConsignment.objects.filter(
            departure_date=today, status=BusConsignmentStatus.BOOKED, run__is_current=True
        )
        .select_related("parcel", "point")
        .order_by("arrives_at", "point__code", "parcel__sscc")
    )
    return list(
        BusDeparture.objects.filter(
            county=county, driver=user, weekday=today.weekday(), active=True
        )
        .select_related("line")
        .prefetch_related(Prefetch("consignments", queryset=consignments, to_attr="today"))
        .order_by("departs_at")
    )


def access_drivers_departure(user: User, departure_id: int) -> BusDeparture:
    county = home_county(user)
    for departure in drivers_bus_departures(user, county):
        if departure.pk == departure_id:
            return departure
    raise NotFound(_("No such bus departure of yours today."))
