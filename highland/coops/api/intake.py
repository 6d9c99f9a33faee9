"""The cooperative API: intake, for the scales and tablets of stations and village points.

A device records an intake with a required `Idempotency-Key`: a retry after a lost
answer returns the first intake (200) instead of weighing it twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Header, Query, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status
from pydantic import StrictFloat, StrictInt

from highland.coops.intake_access import (
    access_intake_cooperative,
    intakes_visible_to,
    members_for_intake,
)
from highland.coops.models import Intake, Produce, ProduceLot
from highland.coops.services.intake import intake_by_check_code, record_intake_once
from highland.core.access import home_county
from highland.core.errors import DomainError, NotFound
from highland.core.idempotency import KEY_FIELD, KEY_PATTERN, IdempotentRequest
from highland.core.models import User
from highland.core.schemas import (
    ERROR_RESPONSES,
    IDEMPOTENT_ERROR_RESPONSES,
    ObjectId,
    PageQuery,
    StrictObjectId,
)

router = Router(tags=["cooperatives"])


class IntakeIn(Schema):
    member_id: StrictObjectId
    produce_code: str = Field(..., max_length=20, description="The produce's code, e.g. MT")
    grade_code: str = Field(..., max_length=10, description="A grade of the rules in force")
    gross_g: StrictInt = Field(..., description="Gross weight in whole grams")
    tare_g: StrictInt = Field(0, description="Tare in whole grams")
    attributes: dict[str, StrictInt | StrictFloat] = Field(
        default_factory=dict, description="The measurements the produce asks for"
    )
    at_yard: bool = Field(
        False, description="Weighed at the cooperative's yard (staff only, no advance)"
    )
    advance_fen: StrictInt = Field(0, description="Cash advance paid on the spot, in fen")
    recorded_at: dt.datetime | None = Field(None, description="When weighed; now if omitted")
    lot_id: StrictObjectId | None = Field(None, description="An open lot the manager chose")


class IntakeOut(Schema):
    id: int
    check_code: str
    cooperative_id: int
    member_id: int
    member_number: str
    produce_code: str
    grade_code: str
    factor_bp: int
    gross_g: int
    tare_g: int
    net_g: int
    attributes: dict[str, Any]
    point_code: str | None
    advance_fen: int
    recorded_at: dt.datetime
    lot_code: str | None
    created: bool = Field(True, description="False when this answers a repeated request")


class IntakeFilters(PageQuery):
    member_id: ObjectId | None = None
    lot_id: ObjectId | None = None
    on: dt.date | None = Field(None, description="Weighed on this day (Asia/Shanghai)")


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise HttpError(401, "Log in or send a device token.")
    return request.user


def intake_out(intake: Intake, *, created: bool = True) -> dict[str, Any]:
    return {
        "id": intake.pk,
        "check_code": intake.check_code,
        "cooperative_id": intake.cooperative_id,
        "member_id": intake.member_id,
        "member_number": intake.member.number,
        "produce_code": intake.produce.code,
        "grade_code": intake.grade.code,
        "factor_bp": intake.factor_bp,
        "gross_g": intake.gross_g,
        "tare_g": intake.tare_g,
        "net_g": intake.net_g,
        "attributes": intake.attributes,
        "point_code": intake.point.code if intake.point is not None else None,
        "advance_fen": intake.advance_fen,
        "recorded_at": intake.recorded_at,
        "lot_code": intake.lot.code if intake.lot is not None else None,
        "created": created,
    }


MISSING_KEY = "idempotency_key_missing"


@router.post(
    "/{coop_id}/intakes",
    response={201: IntakeOut, 200: IntakeOut, **IDEMPOTENT_ERROR_RESPONSES},
    summary="Record an intake",
)
def record_intake_api(
    request: HttpRequest,
    coop_id: ObjectId,
    payload: IntakeIn,
    idempotency_key: str | None = Header(
        None,
        alias=KEY_FIELD,
        description=(
            "Required. One key per weighing: 8 to 80 letters, digits, '-', '_', '.' or ':' "
            f"({KEY_PATTERN}). The same request again returns the first intake (200); "
            "another request with the same key is a 409."
        ),
    ),
) -> Status[dict[str, Any]]:
    """Weigh a member's produce at their village point (or at the yard, staff only): net
    weight, grade factor, check code, lot, cash advance posted to the ledger, receipt text.
    Refusals are 422 naming the field; nothing is saved."""
    if not idempotency_key:
        raise DomainError(
            _("Send an Idempotency-Key header: a device may retry, an intake is weighed once."),
            code=MISSING_KEY,
            field=KEY_FIELD,
        )
    once = IdempotentRequest.of(idempotency_key, {"coop_id": coop_id, "body": payload})
    user = _user(request)
    county = home_county(user)
    cooperative = access_intake_cooperative(user, county, coop_id)
    member = members_for_intake(user, cooperative).filter(pk=payload.member_id).first()
    if member is None:
        raise NotFound(_("No such member."), field="member_id")
    produce = Produce.objects.filter(cooperative=cooperative, code=payload.produce_code).first()
    if produce is None:
        raise NotFound(_("No such produce."), field="produce_code")
    lot = None
    if payload.lot_id is not None:
        lot = ProduceLot.objects.filter(cooperative=cooperative, pk=payload.lot_id).first()
        if lot is None:
            raise NotFound(_("No such lot."), field="lot_id")
    recorded = record_intake_once(
        member,
        produce=produce,
        grade_code=payload.grade_code,
        gross_g=payload.gross_g,
        tare_g=payload.tare_g,
        attributes=payload.attributes,
        point=None if payload.at_yard else member.point,
        advance_fen=payload.advance_fen,
        recorded_at=payload.recorded_at,
        lot=lot,
        actor=user,
        idempotent_request=once,
    )
    return Status(
        201 if recorded.created else 200, intake_out(recorded.intake, created=recorded.created)
    )


@router.get(
    "/{coop_id}/intakes",
    response={200: list[IntakeOut], **ERROR_RESPONSES},
    summary="List intakes",
)
def list_intakes(
    request: HttpRequest, coop_id: ObjectId, filters: Query[IntakeFilters]
) -> list[dict[str, Any]]:
    """The cooperative's intakes the caller may see (staff all, an agent their points'),
    newest first; filter by member, lot or day."""
    user = _user(request)
    county = home_county(user)
    cooperative = access_intake_cooperative(user, county, coop_id)
    intakes = (
        intakes_visible_to(user, county)
        .filter(cooperative=cooperative)
        .select_related("member", "produce", "grade", "point", "lot")
        .order_by("-recorded_at", "-pk")
    )
    if filters.member_id is not None:
        intakes = intakes.filter(member_id=filters.member_id)
    if filters.lot_id is not None:
        intakes = intakes.filter(lot_id=filters.lot_id)
    if filters.on is not None:
        intakes = intakes.filter(recorded_at__date=filters.on)
    page = intakes[filters.offset : filters.offset + filters.limit]
    return [intake_out(intake) for intake in page]


@router.get(
    "/intakes/{check_code}",
    response={200: IntakeOut, **ERROR_RESPONSES},
    summary="Look an intake up by its check code",
)
def get_intake(request: HttpRequest, check_code: str) -> dict[str, Any]:
    """The intake printed on a receipt, for the member's household, the agent of their
    point and the cooperative's staff; 404 for anyone else."""
    user = _user(request)
    county = home_county(user)
    intake = intake_by_check_code(county.pk, check_code[:20])
    if intake is None or not intakes_visible_to(user, county).filter(pk=intake.pk).exists():
        raise NotFound(_("No such intake."))
    return intake_out(intake)
