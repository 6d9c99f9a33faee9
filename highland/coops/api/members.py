"""The cooperative API: cooperatives, the member register (with Excel), produce and rules.

A cooperative or member the caller may not see is a 404, the same as one that does not
exist; changes are checked again by the services (403 for those who may look but not
change: the centre's operators, the county's officials).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import StrictInt

from highland.coops import overview
from highland.coops.access import access_cooperative, access_member
from highland.coops.models import (
    CapitalContribution,
    CooperativeRules,
    Member,
    PayoutMethod,
    Produce,
)
from highland.coops.services import excel
from highland.coops.services import members as member_services
from highland.coops.services import rules as rule_services
from highland.core.access import home_county
from highland.core.errors import NotFound, ValidationFailed
from highland.core.idempotency import IdempotentRequest
from highland.core.models import User
from highland.core.money import MAX_FEN
from highland.core.schemas import (
    ERROR_RESPONSES,
    IDEMPOTENT_ERROR_RESPONSES,
    ErrorOut,
    IdempotencyKey,
    ObjectId,
    PageQuery,
    PeriodDate,
    StrictObjectId,
)
from highland.network.models import ServicePoint

router = Router(tags=["cooperatives"])

BasisPoints = Annotated[StrictInt, Field(description="Basis points: 10,000 = 100 %.")]


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise HttpError(401, "Log in or send a device token.")
    return request.user


# --- schemas -----------------------------------------------------------------------------------


class CooperativeOut(Schema):
    id: int
    name: str
    members: int = Field(..., description="Member households that have not left.")
    open_lots: int
    draft_runs: int = Field(..., description="Settlement runs still in draft.")


class MemberOut(Schema):
    id: int
    number: str
    household: str
    head_id: int
    head_name: str
    national_id_masked: str = Field(..., description="14 asterisks and the last four characters.")
    phone: str
    point_id: int
    point_code: str
    payout_method: PayoutMethod
    payout_bank: str
    payout_account: str
    language: str = Field(..., description="zh-hans or bo: the language of text messages.")
    joined_on: dt.date
    left_on: dt.date | None
    capital_fen: int = Field(..., description="Capital paid in less withdrawn, in fen.")


class MemberQuery(PageQuery):
    q: str = Field("", max_length=40, description="Number, name, phone digits or pinyin initials.")


class MemberIn(Schema):
    household: str = Field(..., max_length=80)
    head_id: StrictObjectId | None = Field(
        None, description="An existing person of the county who heads the household."
    )
    head_name: str = Field(
        "", max_length=120, description="Without head_id: the name of a new head of household."
    )
    national_id: str = Field(
        ..., max_length=24, description="The full 18-character resident ID; only stored masked."
    )
    phone: str = Field("", max_length=24, description="A mainland mobile number, or empty.")
    point_id: StrictObjectId = Field(..., description="The member's village point.")
    payout_method: PayoutMethod = PayoutMethod.CASH
    payout_bank: str = Field("", max_length=80, description="Required for bank.")
    payout_account: str = Field("", max_length=40, description="Required for bank and mobile.")
    language: str = Field("zh-hans", max_length=10, description="zh-hans or bo.")
    joined_on: PeriodDate
    number: str = Field("", max_length=20, description="Empty for the next number.")


class MemberPatch(Schema):
    household: str | None = Field(None, max_length=80)
    national_id: str | None = Field(None, max_length=24)
    phone: str | None = Field(None, max_length=24)
    point_id: StrictObjectId | None = None
    payout_method: PayoutMethod | None = None
    payout_bank: str | None = Field(None, max_length=80)
    payout_account: str | None = Field(None, max_length=40)
    language: str | None = Field(None, max_length=10)


class LeaveIn(Schema):
    left_on: PeriodDate


class ContributionIn(Schema):
    amount_fen: Annotated[
        StrictInt,
        Field(ge=-MAX_FEN, le=MAX_FEN, description="Fen: positive paid in, negative withdrawn."),
    ]
    occurred_on: PeriodDate
    memo: str = Field("", max_length=200)


class ContributionOut(Schema):
    id: int
    member_id: int
    amount_fen: int
    occurred_on: dt.date
    memo: str
    capital_fen: int = Field(..., description="The member's capital after this contribution.")


class GradeIn(Schema):
    produce_id: StrictObjectId
    code: str = Field(..., max_length=10)
    label_zh: str = Field(..., max_length=120)
    label_bo: str = Field("", max_length=200)
    label_en: str = Field("", max_length=120)
    factor_bp: Annotated[StrictInt, Field(description="10,000 = ×1; above 0, at most ×10.")]


class GradeOut(Schema):
    produce_id: int
    produce_code: str
    code: str
    label_zh: str
    label_bo: str
    label_en: str
    factor_bp: int


class RulesIn(Schema):
    effective_from: PeriodDate
    service_fee_bp: BasisPoints
    public_reserve_bp: BasisPoints
    patronage_share_bp: Annotated[
        StrictInt, Field(description="Basis points; at least 6,000 (60 %) by law.")
    ]
    grades: list[GradeIn] = Field(default_factory=list, max_length=60)


class RulesOut(Schema):
    id: int
    effective_from: dt.date
    service_fee_bp: int
    public_reserve_bp: int
    patronage_share_bp: int
    status: str = Field(..., description="in_force, upcoming or replaced.")
    grades: list[GradeOut]


class ProduceOut(Schema):
    id: int
    code: str
    name_zh: str
    name_bo: str
    name_en: str
    active: bool
    attributes: list[dict[str, Any]] = Field(
        ..., description="What intake measures: key, labels, unit, min, max, required."
    )


class AttributeIn(Schema):
    key: str = Field(
        ..., max_length=30, description="Letters, digits and _; unique in the produce."
    )
    label_zh: str = Field(..., max_length=120)
    label_bo: str = Field("", max_length=200)
    label_en: str = Field("", max_length=120)
    unit: str = Field("", max_length=10)
    min: int | None = None
    max: int | None = None
    required: bool = False


class ProduceIn(Schema):
    code: str = Field(..., max_length=20)
    name_zh: str = Field(..., max_length=120)
    name_bo: str = Field("", max_length=200)
    name_en: str = Field("", max_length=120)
    attributes: list[AttributeIn] = Field(default_factory=list, max_length=10)


class ImportOut(Schema):
    imported: int
    numbers: list[str]


class ImportRejectedOut(ErrorOut):
    """`errors.rows` lists each problem as "Row 5, 身份证号: …"."""


# --- shaping ------------------------------------------------------------------------------------


def member_out(member: Member, capital_fen: int | None = None) -> dict[str, Any]:
    return {
        "id": member.pk,
        "number": member.number,
        "household": member.household,
        "head_id": member.head_id,
        "head_name": member.head.display_name,
        "national_id_masked": member.national_id_masked,
        "phone": member.phone,
        "point_id": member.point_id,
        "point_code": member.point.code,
        "payout_method": member.payout_method,
        "payout_bank": member.payout_bank,
        "payout_account": member.payout_account,
        "language": member.language,
        "joined_on": member.joined_on,
        "left_on": member.left_on,
        "capital_fen": (
            member_services.member_capital(member) if capital_fen is None else capital_fen
        ),
    }


def rules_out(rules: CooperativeRules, in_force: CooperativeRules | None) -> dict[str, Any]:
    today = timezone.localdate()
    status = (
        "upcoming"
        if rules.effective_from > today
        else "in_force"
        if in_force is not None and rules.pk == in_force.pk
        else "replaced"
    )
    return {
        "id": rules.pk,
        "effective_from": rules.effective_from,
        "service_fee_bp": rules.service_fee_bp,
        "public_reserve_bp": rules.public_reserve_bp,
        "patronage_share_bp": rules.patronage_share_bp,
        "status": status,
        "grades": [
            {
                "produce_id": grade.produce_id,
                "produce_code": grade.produce.code,
                "code": grade.code,
                "label_zh": grade.label_zh,
                "label_bo": grade.label_bo,
                "label_en": grade.label_en,
                "factor_bp": grade.factor_bp,
            }
            for grade in rule_services.grade_scheme(rules)
        ],
    }


def _point(user: User, point_id: int) -> ServicePoint | None:
    """The point by id in the caller's county, or None (the service says what is wrong)."""
    return ServicePoint.objects.filter(pk=point_id, county=home_county(user)).first()


# --- cooperatives -------------------------------------------------------------------------------


@router.get("/", response={200: list[CooperativeOut], **ERROR_RESPONSES})
def list_cooperatives(request: HttpRequest) -> list[dict[str, Any]]:
    """The cooperatives the caller staffs, or every one of the county for the centre's
    operators and the county's officials, with their counts."""
    user = _user(request)
    result = []
    for cooperative in overview.cooperatives_for(user, home_county(user)):
        counts = overview.cooperative_counts(cooperative)
        result.append(
            {
                "id": cooperative.pk,
                "name": cooperative.name,
                "members": counts.members,
                "open_lots": counts.open_lots,
                "draft_runs": counts.draft_runs,
            }
        )
    return result


# --- members ------------------------------------------------------------------------------------


@router.get("/{cooperative_id}/members", response={200: list[MemberOut], **ERROR_RESPONSES})
def list_members(
    request: HttpRequest, cooperative_id: ObjectId, filters: Query[MemberQuery]
) -> list[dict[str, Any]]:
    """The register, by member number; `q` searches number, names, phone and pinyin initials."""
    cooperative = access_cooperative(_user(request), cooperative_id)
    members = member_services.search_members(
        Member.objects.filter(cooperative=cooperative), filters.q
    )
    page = members[filters.offset : filters.offset + filters.limit]
    capital = member_services.capital_by_member([member.pk for member in page])
    return [member_out(member, capital.get(member.pk, 0)) for member in page]


@router.post("/{cooperative_id}/members", response={201: MemberOut, **ERROR_RESPONSES})
def register_member(
    request: HttpRequest, cooperative_id: ObjectId, payload: MemberIn
) -> Status[dict[str, Any]]:
    """Register a member household: 422 with messages per field when something is wrong
    (the national ID is checked whole and kept masked)."""
    user = _user(request)
    cooperative = access_cooperative(user, cooperative_id)
    head = None
    if payload.head_id is not None:
        head = User.objects.filter(pk=payload.head_id, county=cooperative.county).first()
        if head is None:
            raise NotFound(_("No such person."), field="head_id")
    member = member_services.register_member(
        cooperative,
        household=payload.household,
        head=head,
        head_name=payload.head_name,
        national_id=payload.national_id,
        phone=payload.phone,
        point=_point(user, payload.point_id),
        payout_method=payload.payout_method,
        payout_bank=payload.payout_bank,
        payout_account=payload.payout_account,
        language=payload.language,
        joined_on=payload.joined_on,
        number=payload.number,
        actor=user,
    )
    return Status(201, member_out(member, 0))


@router.get(
    "/{cooperative_id}/members/export",
    response={200: None, **ERROR_RESPONSES},
    openapi_extra={
        "responses": {
            200: {
                "description": "The register as .xlsx (masked IDs, capital, status).",
                "content": {excel.XLSX_CONTENT_TYPE: {}},
            }
        }
    },
)
def export_members(request: HttpRequest, cooperative_id: ObjectId) -> HttpResponse:
    """The register as an Excel workbook with the template's Chinese headings."""
    cooperative = access_cooperative(_user(request), cooperative_id)
    response = HttpResponse(
        excel.export_members_workbook(cooperative), content_type=excel.XLSX_CONTENT_TYPE
    )
    response["Content-Disposition"] = f'attachment; filename="members-{cooperative.pk}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response


@router.post(
    "/{cooperative_id}/members/import",
    response={201: ImportOut, **ERROR_RESPONSES, 400: ImportRejectedOut},
)
def import_members(
    request: HttpRequest, cooperative_id: ObjectId, file: File[UploadedFile]
) -> Status[dict[str, Any]]:
    """Import an .xlsx register (multipart field `file`, at most 2 MB and 5,000 rows), all
    or nothing: 400 with every bad row and column in `errors.rows`, nothing saved."""
    user = _user(request)
    cooperative = access_cooperative(user, cooperative_id)
    try:
        members = excel.import_members(cooperative, file, actor=user)
    except ValidationFailed as error:
        return Status(400, error.as_dict())
    return Status(201, {"imported": len(members), "numbers": [member.number for member in members]})


@router.get("/{cooperative_id}/members/{member_id}", response={200: MemberOut, **ERROR_RESPONSES})
def get_member(
    request: HttpRequest, cooperative_id: ObjectId, member_id: ObjectId
) -> dict[str, Any]:
    """One member household, with its capital."""
    user = _user(request)
    member = access_member(user, access_cooperative(user, cooperative_id), member_id)
    return member_out(member)


@router.patch("/{cooperative_id}/members/{member_id}", response={200: MemberOut, **ERROR_RESPONSES})
def update_member(
    request: HttpRequest, cooperative_id: ObjectId, member_id: ObjectId, payload: MemberPatch
) -> dict[str, Any]:
    """Change the fields sent; others stay. A new national ID is checked and kept masked."""
    user = _user(request)
    member = access_member(user, access_cooperative(user, cooperative_id), member_id)
    changes: dict[str, Any] = payload.dict(exclude_unset=True)
    if "point_id" in changes:
        point_id = changes.pop("point_id")
        changes["point"] = _point(user, point_id) if point_id is not None else None
    for key in list(changes):
        if changes[key] is None and key != "point":
            raise ValidationFailed(_("This field cannot be null."), field=key)
    updated = member_services.update_member(member, actor=user, **changes)
    return member_out(updated)


@router.post(
    "/{cooperative_id}/members/{member_id}/leave", response={200: MemberOut, **ERROR_RESPONSES}
)
def record_leaving(
    request: HttpRequest, cooperative_id: ObjectId, member_id: ObjectId, payload: LeaveIn
) -> dict[str, Any]:
    """Record that the household left; it takes no more intakes."""
    user = _user(request)
    member = access_member(user, access_cooperative(user, cooperative_id), member_id)
    left = member_services.record_member_leaving(member, left_on=payload.left_on, actor=user)
    return member_out(left)


@router.post(
    "/{cooperative_id}/members/{member_id}/contributions",
    response={201: ContributionOut, 200: ContributionOut, **IDEMPOTENT_ERROR_RESPONSES},
)
def record_contribution(
    request: HttpRequest,
    cooperative_id: ObjectId,
    member_id: ObjectId,
    payload: ContributionIn,
    idempotency_key: IdempotencyKey,
) -> Status[dict[str, Any]]:
    """Record capital paid in (positive) or withdrawn (negative); capital never goes below
    zero. The same request with the same Idempotency-Key returns the first (200)."""
    once = IdempotentRequest.of(idempotency_key, {"member": member_id, **payload.dict()})
    user = _user(request)
    member = access_member(user, access_cooperative(user, cooperative_id), member_id)
    known = set(CapitalContribution.objects.filter(member=member).values_list("pk", flat=True))
    contribution = member_services.record_capital_contribution(
        member,
        amount_fen=payload.amount_fen,
        occurred_on=payload.occurred_on,
        memo=payload.memo,
        actor=user,
        idempotent_request=once,
    )
    body = {
        "id": contribution.pk,
        "member_id": member.pk,
        "amount_fen": contribution.amount_fen,
        "occurred_on": contribution.occurred_on,
        "memo": contribution.memo,
        "capital_fen": member_services.member_capital(member),
    }
    return Status(200 if contribution.pk in known else 201, body)


# --- produce and rules --------------------------------------------------------------------------


@router.get("/{cooperative_id}/produce", response={200: list[ProduceOut], **ERROR_RESPONSES})
def list_produce(request: HttpRequest, cooperative_id: ObjectId) -> list[Produce]:
    """What the cooperative takes in, with the attributes intake measures."""
    cooperative = access_cooperative(_user(request), cooperative_id)
    return list(Produce.objects.filter(cooperative=cooperative).order_by("code"))


@router.post("/{cooperative_id}/produce", response={201: ProduceOut, **ERROR_RESPONSES})
def add_produce(
    request: HttpRequest, cooperative_id: ObjectId, payload: ProduceIn
) -> Status[Produce]:
    """Add a produce the cooperative takes in (its grades come with the next rules
    version); 422 naming the field or attribute that is wrong."""
    user = _user(request)
    cooperative = access_cooperative(user, cooperative_id)
    produce = rule_services.add_produce(
        cooperative,
        code=payload.code,
        names={"zh": payload.name_zh, "bo": payload.name_bo, "en": payload.name_en},
        attributes=[attribute.dict() for attribute in payload.attributes],
        actor=user,
    )
    return Status(201, produce)


@router.get("/{cooperative_id}/rules", response={200: list[RulesOut], **ERROR_RESPONSES})
def list_rules(request: HttpRequest, cooperative_id: ObjectId) -> list[dict[str, Any]]:
    """Every version of the rules, newest first, each marked in force, upcoming or replaced."""
    cooperative = access_cooperative(_user(request), cooperative_id)
    versions = list(
        CooperativeRules.objects.filter(cooperative=cooperative).order_by("-effective_from")
    )
    today = timezone.localdate()
    in_force = next((v for v in versions if v.effective_from <= today), None)
    return [rules_out(version, in_force) for version in versions]


@router.post("/{cooperative_id}/rules", response={201: RulesOut, **ERROR_RESPONSES})
def add_rules(
    request: HttpRequest, cooperative_id: ObjectId, payload: RulesIn
) -> Status[dict[str, Any]]:
    """Add a version of the rules (the manager only). 422 names the field: a patronage
    share below 60 %, a fee or reserve outside 0–100 %, a grade factor of 0, a grade
    listed twice, a date on or before the version in force."""
    user = _user(request)
    cooperative = access_cooperative(user, cooperative_id)
    produce = {p.pk: p for p in Produce.objects.filter(cooperative=cooperative)}
    grades = [
        rule_services.GradeSpec(
            produce.get(grade.produce_id),  # type: ignore[arg-type]
            grade.code,
            grade.label_zh,
            grade.label_bo,
            grade.label_en,
            grade.factor_bp,
        )
        for grade in payload.grades
    ]
    rules = rule_services.add_rules_version(
        cooperative,
        effective_from=payload.effective_from,
        service_fee_bp=payload.service_fee_bp,
        public_reserve_bp=payload.public_reserve_bp,
        patronage_share_bp=payload.patronage_share_bp,
        grades=grades,
        actor=user,
    )
    today = timezone.localdate()
    return Status(201, rules_out(rules, rules if rules.effective_from <= today else None))
