"""API for the villagers an agent serves: find them, and register one (`/api/v1/villagers/`)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from highland.core.access import home_county
from highland.core.models import User
from highland.core.schemas import ERROR_RESPONSES, ErrorOut, Limit, StrictObjectId
from highland.network import services
from highland.network.access import access_point
from highland.network.models import Resident
from highland.network.selectors import search_villagers

router = Router(tags=["villagers"])


class VillagerOut(Schema):
    id: int
    name: str
    household: str
    point_id: int | None
    village: str
    phone_last_digits: str = Field(..., description="The last four digits of the phone, or empty.")


class VillagerQuery(Schema):
    q: str = Field("", max_length=60, description="Name, household, village or phone digits.")
    limit: Limit = 50


class VillagerIn(Schema):
    point_id: StrictObjectId
    display_name: str = Field(..., min_length=1, max_length=120)
    phone: str = Field("", max_length=24)
    household: str = Field("", max_length=80)
    confirm_duplicate: bool = Field(
        False, description="Register even though a likely duplicate exists."
    )


class DuplicateVillagersOut(ErrorOut):
    duplicates: list[VillagerOut]


def villager_out(person: User, resident: Resident | None) -> dict[str, Any]:
    point = resident.point if resident else None
    return {
        "id": person.pk,
        "name": str(person),
        "household": resident.household if resident else "",
        "point_id": point.pk if point else None,
        "village": (point.village or point.name) if point else "",
        "phone_last_digits": person.phone[-4:] if person.phone else "",
    }


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise HttpError(401, "Log in or send a device token.")
    return request.user


@router.get("/", response={200: list[VillagerOut], **ERROR_RESPONSES})
def list_villagers(request: HttpRequest, filters: Query[VillagerQuery]) -> list[dict[str, Any]]:
    """The villagers the caller serves as a station agent (none for anyone else)."""
    user = _user(request)
    county = home_county(user)
    people = search_villagers(user, county, filters.q)[: filters.limit]
    return [villager_out(person, getattr(person, "residence", None)) for person in people]


@router.post(
    "/",
    response={201: VillagerOut, **ERROR_RESPONSES, 409: DuplicateVillagersOut},
)
def register_villager(request: HttpRequest, payload: VillagerIn) -> Status[dict[str, Any]]:
    """Register a villager at a point; 409 `likely_duplicate` lists who they may already
    be, unless `confirm_duplicate` is true."""
    user = _user(request)
    point = access_point(user, payload.point_id)
    try:
        resident = services.register_villager(
            point,
            actor=user,
            display_name=payload.display_name,
            phone=payload.phone,
            household=payload.household,
            confirm_duplicate=payload.confirm_duplicate,
        )
    except services.DuplicateVillagers as error:
        return Status(
            409,
            {
                **error.as_dict(),
                "duplicates": [
                    villager_out(duplicate.person, duplicate) for duplicate in error.duplicates
                ],
            },
        )
    return Status(201, villager_out(resident.person, resident))
