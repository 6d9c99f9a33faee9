"""Road closures over the API: list them, close a road, lift a closure; and the roads.

Anyone who may see the plans may list; only planners (the dispatcher, the centre) close
and lift (403 otherwise). A road or closure of another county is a 404, like one that does
not exist. Closing a road takes an optional Idempotency-Key so a device's retry closes it once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Header, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from highland.core.errors import ValidationFailed
from highland.core.idempotency import KEY_FIELD, IdempotentRequest
from highland.core.models import User
from highland.core.schemas import (
    ERROR_RESPONSES,
    IDEMPOTENT_ERROR_RESPONSES,
    Moment,
    ObjectId,
    StrictObjectId,
)
from highland.logistics.models import RoadClosure, RoadEdge
from highland.logistics.roads_access import access_road_closure, access_road_edge, roads_county
from highland.logistics.services import roads

router = Router(tags=["logistics: roads"])


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise HttpError(401, "Log in or send a device token.")
    return request.user


class RoadEdgeOut(Schema):
    id: int
    from_node: str = Field(..., description="Code of one end.")
    from_name: str
    to_node: str = Field(..., description="Code of the other end.")
    to_name: str
    road_name: str
    road_class: str
    length_m: int
    paved: bool
    speed_kmh: int = Field(..., description="Typical speed on a paved road below 4,000 m.")
    travel_seconds: int = Field(..., description="Derived: lower when high or unpaved.")
    closed_now: bool


class RoadClosureOut(Schema):
    id: int
    edge_id: int
    edge: str = Field(..., description="The road by its two ends.")
    kind: Literal["seasonal", "ad_hoc"]
    reason: str
    from_month: int | None
    from_day: int | None
    until_month: int | None
    until_day: int | None
    starts_at: dt.datetime | None = Field(None, description="Ad hoc: closed from.")
    ends_at: dt.datetime | None = Field(
        None, description="Ad hoc: closed until; empty: until lifted."
    )
    in_force: bool
    lifted_at: dt.datetime | None = None
    created_by: str | None


class RoadClosureIn(Schema):
    edge_id: StrictObjectId
    reason: str = Field(..., max_length=200)
    kind: Literal["seasonal", "ad_hoc"] = "ad_hoc"
    starts_at: Moment | None = Field(None, description="Ad hoc: from when (default now).")
    ends_at: Moment | None = Field(None, description="Ad hoc: until when (default: lifted).")
    from_month: int | None = Field(None, ge=1, le=12, description="Seasonal: first month.")
    from_day: int | None = Field(None, ge=1, le=31)
    until_month: int | None = Field(None, ge=1, le=12, description="Seasonal: last month.")
    until_day: int | None = Field(None, ge=1, le=31)


def edge_out(edge: RoadEdge, closed: set[int]) -> dict[str, Any]:
    return {
        "id": edge.pk,
        "from_node": edge.from_node.code,
        "from_name": edge.from_node.name,
        "to_node": edge.to_node.code,
        "to_name": edge.to_node.name,
        "road_name": edge.road_name,
        "road_class": edge.road_class,
        "length_m": edge.length_m,
        "paved": edge.paved,
        "speed_kmh": edge.speed_kmh,
        "travel_seconds": edge.travel_seconds(
            from_altitude_m=edge.from_node.altitude_m, to_altitude_m=edge.to_node.altitude_m
        ),
        "closed_now": edge.pk in closed,
    }


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    return timezone.localtime(moment) if moment is not None else None


def closure_out(closure: RoadClosure, *, in_force: bool) -> dict[str, Any]:
    edge = closure.edge
    return {
        "id": closure.pk,
        "edge_id": edge.pk,
        "edge": f"{edge.from_node.name} – {edge.to_node.name}",
        "kind": closure.kind,
        "reason": closure.reason,
        "from_month": closure.from_month,
        "from_day": closure.from_day,
        "until_month": closure.until_month,
        "until_day": closure.until_day,
        "starts_at": _local(closure.starts_at),
        "ends_at": _local(closure.ends_at),
        "in_force": in_force,
        "lifted_at": _local(closure.lifted_at),
        "created_by": str(closure.created_by) if closure.created_by else None,
    }


@router.get("/roads/edges", response={200: list[RoadEdgeOut], **ERROR_RESPONSES})
def list_road_edges(request: HttpRequest) -> list[dict[str, Any]]:
    """Every stretch of road of the caller's county, with whether it is closed now."""
    county = roads_county(_user(request))
    network = roads.road_network(county)
    return [edge_out(edge, network.closed_edge_ids) for edge in network.edges]


@router.get("/roads/closures", response={200: list[RoadClosureOut], **ERROR_RESPONSES})
def list_road_closures(request: HttpRequest) -> list[dict[str, Any]]:
    """Closures in force now, then those to come (seasonal ones always come again)."""
    county = roads_county(_user(request))
    overview = roads.closure_overview(county, timezone.now())
    return [closure_out(c, in_force=True) for c in overview.in_force] + [
        closure_out(c, in_force=False) for c in overview.upcoming
    ]


@router.post(
    "/roads/closures",
    response={201: RoadClosureOut, 200: RoadClosureOut, **IDEMPOTENT_ERROR_RESPONSES},
)
def create_road_closure(
    request: HttpRequest,
    payload: RoadClosureIn,
    idempotency_key: str | None = Header(
        None,
        alias=KEY_FIELD,
        description="Optional for ad hoc closures: the same request again returns the first.",
    ),
) -> Status[dict[str, Any]]:
    """Close a road: ad hoc (from now or `starts_at`, until `ends_at` or until lifted) or
    seasonal (every year from `from_month`/`from_day` to `until_month`/`until_day`)."""
    user = _user(request)
    edge = access_road_edge(user, payload.edge_id)
    if payload.kind == "seasonal":
        days = (payload.from_month, payload.from_day, payload.until_month, payload.until_day)
        if any(value is None for value in days):
            raise ValidationFailed(
                _("A seasonal closure needs its first and last month and day."),
                code="closure_days_missing",
                field="from_month",
            )
        from_month, from_day, until_month, until_day = (int(v or 0) for v in days)
        closure = roads.close_road_seasonally(
            edge,
            actor=user,
            reason=payload.reason,
            from_month=from_month,
            from_day=from_day,
            until_month=until_month,
            until_day=until_day,
        )
        return Status(201, closure_out(closure, in_force=closure.in_force(timezone.now())))
    once = (
        IdempotentRequest.of(idempotency_key, {"body": payload.dict()}) if idempotency_key else None
    )
    closed = roads.close_road_once(
        edge,
        actor=user,
        reason=payload.reason,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        idempotent_request=once,
    )
    closure = closed.closure
    return Status(
        201 if closed.created else 200,
        closure_out(closure, in_force=closure.in_force(timezone.now())),
    )


@router.post("/roads/closures/{closure_id}/lift", response={200: RoadClosureOut, **ERROR_RESPONSES})
def lift_road_closure(request: HttpRequest, closure_id: ObjectId) -> dict[str, Any]:
    """Open the road now (a seasonal closure: for the rest of this season)."""
    user = _user(request)
    closure = roads.lift_closure(access_road_closure(user, closure_id), actor=user)
    return closure_out(closure, in_force=False)
