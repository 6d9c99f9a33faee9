"""The planning API: start a run, follow its progress and read its plan; a driver's day.

A run is solved in the background: `POST /plans` answers 202 with the queued run, and
`GET /plans/{id}` answers its progress (best cost so far, elapsed) until it is done, then
its routes, unserved points and bus choices.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from highland.core.access import home_county
from highland.core.models import User
from highland.core.schemas import ERROR_RESPONSES, ObjectId
from highland.logistics.models import BusChoice, PlannedRoute, PlanningRun, UnservedStop
from highland.logistics.planning.explain import (
    bus_choice_message,
    failure_message,
    unserved_message,
)
from highland.logistics.plans_access import (
    access_planning_run,
    drivers_bus_departures,
    drivers_routes,
    routes_of,
)
from highland.logistics.services.planning import MAX_SECONDS, MIN_SECONDS, start_planning_run

router = Router(tags=["logistics"])


class PlansRunIn(Schema):
    day: dt.date = Field(..., description="The day to plan (today or within 14 days)")
    seconds: float = Field(
        10, ge=MIN_SECONDS, le=MAX_SECONDS, description="The solver's time limit in seconds"
    )
    departs_at: dt.time = Field(dt.time(7, 0), description="When the vans may leave the hub")


class PlansStopOut(Schema):
    sequence: int
    point_code: str
    point_name: str
    arrives_at: dt.datetime
    departs_at: dt.datetime
    window_opens_at: dt.datetime
    window_closes_at: dt.datetime
    drop_ssccs: list[str]
    collect_ssccs: list[str]
    drop_g: int
    collect_g: int
    loose_collect_g: int
    load_after_g: int
    load_after_ml: int


class PlansRouteOut(Schema):
    id: int
    order: int
    vehicle_plate: str
    refrigerated: bool
    driver_id: int | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    distance_m: int
    duration_s: int
    cost_fen: int
    load_at_start_g: int
    stops: list[PlansStopOut]


class PlansUnservedOut(Schema):
    point_code: str
    reason: str
    message: str
    ssccs: list[str]


class PlansBusChoiceOut(Schema):
    point_code: str
    line_code: str
    chosen: str
    parcel_count: int
    bus_fee_fen: int
    bus_arrives_at: dt.datetime | None
    van_marginal_cost_fen: int | None
    reason: str
    message: str


class PlansRunOut(Schema):
    id: int
    day: dt.date
    status: str
    time_limit_seconds: float
    best_cost_fen: int | None = Field(None, description="Best cost so far while running")
    elapsed_seconds: float
    iterations: int
    van_cost_fen: int | None
    bus_fees_fen: int
    cost_fen: int | None
    is_current: bool = Field(..., description="This run is the day's plan in force")
    failure: str = Field("", description="Why the run failed, for people")
    routes: list[PlansRouteOut] = []
    unserved: list[PlansUnservedOut] = []
    bus_choices: list[PlansBusChoiceOut] = []


class PlansBusParcelOut(Schema):
    sscc: str
    point_code: str
    arrives_at: dt.datetime
    status: str


class PlansDriverDepartureOut(Schema):
    id: int
    line_code: str
    departs_at: dt.time
    parcels: list[PlansBusParcelOut]


class PlansDriverTodayOut(Schema):
    day: dt.date
    routes: list[PlansRouteOut]
    bus_departures: list[PlansDriverDepartureOut]


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise HttpError(401, "Log in or send a device token.")
    return request.user


def route_out(route: PlannedRoute) -> dict[str, Any]:
    return {
        "id": route.pk,
        "order": route.order,
        "vehicle_plate": route.vehicle.plate,
        "refrigerated": route.vehicle.refrigerated,
        "driver_id": route.driver_id,
        "starts_at": route.starts_at,
        "ends_at": route.ends_at,
        "distance_m": route.distance_m,
        "duration_s": route.duration_s,
        "cost_fen": route.cost_fen,
        "load_at_start_g": route.load_at_start_g,
        "stops": [
            {
                "sequence": stop.sequence,
                "point_code": stop.point.code,
                "point_name": stop.point.name,
                "arrives_at": stop.arrives_at,
                "departs_at": stop.departs_at,
                "window_opens_at": stop.window_opens_at,
                "window_closes_at": stop.window_closes_at,
                "drop_ssccs": [parcel.sscc for parcel in stop.drop_parcels.all()],
                "collect_ssccs": [parcel.sscc for parcel in stop.collect_parcels.all()],
                "drop_g": stop.drop_g,
                "collect_g": stop.collect_g,
                "loose_collect_g": stop.loose_collect_g,
                "load_after_g": stop.load_after_g,
                "load_after_ml": stop.load_after_ml,
            }
            for stop in route.stops.all()
        ],
    }


def run_out(run: PlanningRun) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": run.pk,
        "day": run.day,
        "status": run.status,
        "time_limit_seconds": run.time_limit_seconds,
        "best_cost_fen": run.best_cost_fen,
        "elapsed_seconds": run.elapsed_seconds,
        "iterations": run.iterations,
        "van_cost_fen": run.van_cost_fen,
        "bus_fees_fen": run.bus_fees_fen,
        "cost_fen": run.cost_fen,
        "is_current": run.is_current,
        "failure": failure_message(run) if run.status == "failed" else "",
    }
    if run.status == "done":
        body["routes"] = [route_out(route) for route in routes_of(run)]
        body["unserved"] = [
            {
                "point_code": entry.point.code,
                "reason": entry.reason,
                "message": unserved_message(entry),
                "ssccs": [parcel.sscc for parcel in entry.parcels.all()],
            }
            for entry in UnservedStop.objects.filter(run=run)
            .select_related("point")
            .prefetch_related("parcels")
        ]
        body["bus_choices"] = [
            {
                "point_code": choice.point.code,
                "line_code": choice.line.code,
                "chosen": choice.chosen,
                "parcel_count": choice.parcel_count,
                "bus_fee_fen": choice.bus_fee_fen,
                "bus_arrives_at": choice.bus_arrives_at,
                "van_marginal_cost_fen": choice.van_marginal_cost_fen,
                "reason": choice.reason,
                "message": bus_choice_message(choice),
            }
            for choice in BusChoice.objects.filter(run=run).select_related("point", "line")
        ]
    return body


@router.post(
    "/plans",
    response={202: PlansRunOut, **ERROR_RESPONSES},
    summary="Start planning a day",
)
def start_plan_api(request: HttpRequest, payload: PlansRunIn) -> Status[dict[str, Any]]:
    """Queue a planning run; follow it with `GET /plans/{id}`. 409 while another run of
    the same day is still planning."""
    user = _user(request)
    run = start_planning_run(
        home_county(user),
        payload.day,
        seconds=payload.seconds,
        departs_at=payload.departs_at,
        actor=user,
    )
    return Status(202, run_out(run))


@router.get("/plans/{run_id}", response={200: PlansRunOut, **ERROR_RESPONSES}, summary="A run")
def plan_api(request: HttpRequest, run_id: ObjectId) -> dict[str, Any]:
    """Progress while it runs; routes, unserved points and bus choices once done."""
    return run_out(access_planning_run(_user(request), run_id))


@router.get(
    "/driver/today",
    response={200: PlansDriverTodayOut, **ERROR_RESPONSES},
    summary="The driver's stops today",
)
def driver_today_api(request: HttpRequest) -> dict[str, Any]:
    """The routes of today's plan the caller drives, and the parcels on the bus departures
    they drive today."""
    user = _user(request)
    county = home_county(user)
    routes = drivers_routes(user, county)
    departures = drivers_bus_departures(user, county)
    return {
        "day": timezone.localdate(),
        "routes": [route_out(route) for route in routes],
        "bus_departures": [
            {
                "id": departure.pk,
                "line_code": departure.line.code,
                "departs_at": departure.departs_at,
                "parcels": [
                    {
                        "sscc": consignment.parcel.sscc,
                        "point_code": consignment.point.code,
                        "arrives_at": consignment.arrives_at,
                        "status": consignment.parcel.status,
                    }
                    for consignment in departure.today  # type: ignore[attr-defined]
                ],
            }
            for departure in departures
        ],
    }
