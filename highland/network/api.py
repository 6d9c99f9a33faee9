"""API for the service network: the same services and checks as the pages."""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from highland.core.access import home_county
from highland.core.errors import NotFound
from highland.core.models import Organisation, User
from highland.core.permissions import require
from highland.core.schemas import ERROR_RESPONSES, ObjectId, StrictObjectId
from highland.network import services
from highland.network.access import access_point
from highland.network.models import ALTITUDE_RANGE_M, Connectivity, Service, ServicePoint, Tier
from highland.network.selectors import PointFilters, county_points

router = Router(tags=["network"])


class OpeningPeriod(Schema):
    weekday: int = Field(..., ge=0, le=6)
    opens: time
    closes: time


class OpeningPeriodOut(Schema):
    weekday: int
    opens: str = Field(..., pattern=r"^\d{2}:\d{2}$", examples=["09:00"])
    closes: str = Field(..., pattern=r"^\d{2}:\d{2}$", examples=["18:00"])


class PointOut(Schema):
    id: int
    code: str
    tier: Tier
    parent_id: int | None
    name: str
    name_zh: str
    name_bo: str
    name_en: str
    township_zh: str
    township_bo: str
    township_en: str
    village_zh: str
    village_bo: str
    village_en: str
    latitude: Decimal
    longitude: Decimal
    altitude_m: int
    connectivity: Connectivity
    connectivity_stable: bool
    services: list[Service]
    organisation_id: int | None
    agent_ids: list[int]
    opening_hours: list[OpeningPeriodOut]
    active: bool


class PointIn(Schema):
    tier: Tier
    code: str = Field(..., min_length=1, max_length=20)
    parent_id: StrictObjectId | None = None
    name_zh: str = Field(..., min_length=1, max_length=120)
    name_bo: str = Field(..., min_length=1, max_length=200)
    name_en: str = Field(..., min_length=1, max_length=120)
    township_zh: str = Field(..., min_length=1, max_length=60)
    township_bo: str = Field("", max_length=120)
    township_en: str = Field("", max_length=60)
    village_zh: str = Field("", max_length=60)
    village_bo: str = Field("", max_length=120)
    village_en: str = Field("", max_length=60)
    latitude: Decimal = Field(..., ge=-90, le=90, max_digits=9, decimal_places=6)
    longitude: Decimal = Field(..., ge=-180, le=180, max_digits=9, decimal_places=6)
    altitude_m: int = Field(..., ge=ALTITUDE_RANGE_M[0], le=ALTITUDE_RANGE_M[1])
    connectivity: Connectivity = Connectivity.G4
    connectivity_stable: bool = True
    services: list[Service] = []
    organisation_id: StrictObjectId | None = None


class PointPatch(Schema):
    name_zh: str | None = Field(None, min_length=1, max_length=120)
    name_bo: str | None = Field(None, min_length=1, max_length=200)
    name_en: str | None = Field(None, min_length=1, max_length=120)
    township_zh: str | None = Field(None, min_length=1, max_length=60)
    township_bo: str | None = Field(None, max_length=120)
    township_en: str | None = Field(None, max_length=60)
    village_zh: str | None = Field(None, max_length=60)
    village_bo: str | None = Field(None, max_length=120)
    village_en: str | None = Field(None, max_length=60)
    latitude: Decimal | None = Field(None, ge=-90, le=90, max_digits=9, decimal_places=6)
    longitude: Decimal | None = Field(None, ge=-180, le=180, max_digits=9, decimal_places=6)
    altitude_m: int | None = Field(None, ge=ALTITUDE_RANGE_M[0], le=ALTITUDE_RANGE_M[1])
    connectivity: Connectivity | None = None
    connectivity_stable: bool | None = None
    services: list[Service] | None = None
    opening_hours: list[OpeningPeriod] | None = None


class MoveIn(Schema):
    parent_id: StrictObjectId


class PointQuery(Schema):
    tier: Tier | None = None
    connectivity: Connectivity | None = None
    service: Service | None = None
    township: str | None = Field(None, max_length=60)
    q: str | None = Field(None, max_length=100)
    include_inactive: bool = False


def point_out(point: ServicePoint) -> dict[str, Any]:
    data = {name: getattr(point, name) for name in PointOut.model_fields if hasattr(point, name)}
    data["agent_ids"] = sorted(agent.pk for agent in point.agents.all())
    data["opening_hours"] = [
        {"weekday": h.weekday, "opens": f"{h.opens:%H:%M}", "closes": f"{h.closes:%H:%M}"}
        for h in point.opening_hours.all()
    ]
    return data


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise HttpError(401, "Log in or send a device token.")
    return request.user


def _refetch(user: User, point_id: int) -> ServicePoint:
    return access_point(user, point_id)


@router.get("/points", response={200: list[PointOut], **ERROR_RESPONSES})
def list_points(request: HttpRequest, filters: Query[PointQuery]) -> list[dict[str, Any]]:
    user = _user(request)
    county = home_county(user)
    require(user, "network.view_point", county)
    points = county_points(
        county,
        PointFilters(
            tier=filters.tier or "",
            connectivity=filters.connectivity or "",
            service=filters.service or "",
            township=filters.township or "",
            query=filters.q or "",
            active=None if filters.include_inactive else True,
        ),
    ).prefetch_related("agents", "opening_hours")
    return [point_out(point) for point in points]


@router.get("/points/{point_id}", response={200: PointOut, **ERROR_RESPONSES})
def get_point(request: HttpRequest, point_id: ObjectId) -> dict[str, Any]:
    return point_out(access_point(_user(request), point_id))


def _parent(user: User, parent_id: int | None) -> ServicePoint | None:
    if parent_id is None:
        return None
    try:
        return access_point(user, parent_id)
    except NotFound as error:
        raise NotFound(_("No such parent point."), field="parent_id") from error


def _organisation(user: User, organisation_id: int | None) -> Organisation | None:
    if organisation_id is None:
        return None
    organisation = Organisation.objects.filter(pk=organisation_id, county=user.county).first()
    if organisation is None:
        raise NotFound(_("No such organisation."), field="organisation_id")
    return organisation


@router.post("/points", response={201: PointOut, **ERROR_RESPONSES})
def create_point(request: HttpRequest, payload: PointIn) -> Status[dict[str, Any]]:
    user = _user(request)
    county = home_county(user)
    require(user, "network.add_point", county)
    data = payload.dict(exclude={"parent_id", "organisation_id"})
    details = services.PointDetails(
        **data,
        parent=_parent(user, payload.parent_id),
        organisation=_organisation(user, payload.organisation_id),
    )
    point = services.create_service_point(county, details, actor=user)
    return Status(201, point_out(_refetch(user, point.pk)))


@router.patch("/points/{point_id}", response={200: PointOut, **ERROR_RESPONSES})
def update_point(request: HttpRequest, point_id: ObjectId, payload: PointPatch) -> dict[str, Any]:
    user = _user(request)
    point = access_point(user, point_id)
    changes = payload.dict(exclude_unset=True, exclude={"opening_hours"})
    changes = {name: value for name, value in changes.items() if value is not None}
    # Details and hours are one request: both are saved or neither.
    with transaction.atomic():
        if changes:
            services.update_service_point(point, changes, actor=user)
        if payload.opening_hours is not None:
            periods = [(p.weekday, p.opens, p.closes) for p in payload.opening_hours]
            services.set_opening_hours(point, periods, actor=user)
    return point_out(_refetch(user, point_id))


@router.post("/points/{point_id}/move", response={200: PointOut, **ERROR_RESPONSES})
def move_point(request: HttpRequest, point_id: ObjectId, payload: MoveIn) -> dict[str, Any]:
    user = _user(request)
    point = access_point(user, point_id)
    parent = _parent(user, payload.parent_id)
    assert parent is not None
    services.move_service_point(point, parent, actor=user)
    return point_out(_refetch(user, point_id))


@router.post(
    "/points/{point_id}/deactivate",
    response={200: PointOut, **ERROR_RESPONSES},
)
def deactivate_point(request: HttpRequest, point_id: ObjectId) -> dict[str, Any]:
    user = _user(request)
    services.deactivate_service_point(access_point(user, point_id), actor=user)
    return point_out(_refetch(user, point_id))
