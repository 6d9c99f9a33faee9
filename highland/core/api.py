"""API: who am I, and device tokens."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from highland.core import access, auditdisplay, selectors, services
from highland.core.access import home_county
from highland.core.errors import NotFound, ValidationFailed
from highland.core.models import ApiToken, OrganisationType, Role, User
from highland.core.permissions import allowed, require, roles_of
from highland.core.phones import masked_mobile
from highland.core.schemas import (
    ERROR_RESPONSES,
    ObjectId,
    PageQuery,
    PeriodDate,
    StrictObjectId,
)
from highland.core.workplaces import workplaces_of

router = Router(tags=["people"])


class RoleOut(Schema):
    code: Role
    label: str = Field(..., description="In the reader's language")


class CountyOut(Schema):
    id: int
    code: str
    name: str = Field(..., description="In the reader's language")


class OrganisationOut(Schema):
    id: int
    name: str = Field(..., description="In the reader's language")
    type: OrganisationType
    type_label: str
    roles: list[RoleOut] = Field(..., description="The person's roles in this organisation")


class WorkplaceOut(Schema):
    id: int
    name: str = Field(..., description="In the reader's language")


class ServicePointRefOut(WorkplaceOut):
    code: str


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    language: str = Field(
        ..., description="The language of labels and names: from Accept-Language or the cookie"
    )
    county_code: str | None
    county: CountyOut | None
    roles: list[str] = Field(..., description="Role codes in the person's county")
    role_labels: list[RoleOut]
    organisations: list[OrganisationOut]
    sellers: list[WorkplaceOut] = Field(..., description="Sellers the person works for")
    service_points: list[ServicePointRefOut] = Field(
        ..., description="Service points the person serves as an agent"
    )


class MembershipOut(Schema):
    role: Role
    role_label: str = Field(..., description="In the reader's language")
    organisation: WorkplaceOut | None


class PersonOut(Schema):
    id: int
    username: str
    display_name: str
    phone: str = Field(
        ...,
        description=(
            "The mobile number; for those who do not manage people (county officials) all "
            "but the last four digits are '*'"
        ),
    )
    phone_masked: bool
    active: bool
    preferred_language: str
    date_joined: datetime
    memberships: list[MembershipOut] = Field(..., description="Active roles in the county")


class PeopleQuery(Schema):
    q: str = Field("", max_length=50, description="Part of a username, name or phone number")
    role: Role | None = Field(None, description="Only people holding this role")


class TokenOut(Schema):
    id: int
    name: str
    holder_id: int
    key_prefix: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class TokenIn(Schema):
    holder_id: StrictObjectId
    name: str = Field(..., min_length=1, max_length=80)


class IssuedTokenOut(TokenOut):
    key: str


def _token_out(token: ApiToken) -> dict[str, object]:
    return {
        "id": token.pk,
        "name": token.name,
        "holder_id": token.user_id,
        "key_prefix": token.key_prefix,
        "created_at": token.created_at,
        "revoked_at": token.revoked_at,
        "last_used_at": token.last_used_at,
    }


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):
        raise HttpError(401, "Log in or send a device token.")
    return user


def _role_out(code: str) -> dict[str, str]:
    return {"code": code, "label": str(Role(code).label)}


@router.get("/me", response={200: MeOut, **ERROR_RESPONSES}, summary="Who am I, and for whom")
def me(request: HttpRequest) -> dict[str, object]:
    """The person behind the session or device token: their roles in their county, the
    organisations, sellers and service points they work for, with names and labels in
    the reader's language (`Accept-Language`)."""
    user = _user(request)
    county = user.county
    roles = sorted(roles_of(user, county))
    body: dict[str, object] = {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "language": translation.get_language() or "zh-hans",
        "county_code": county.code if county else None,
        "county": {"id": county.pk, "code": county.code, "name": county.name} if county else None,
        "roles": roles,
        "role_labels": [_role_out(code) for code in roles],
        "organisations": [],
        "sellers": [],
        "service_points": [],
    }
    if county is None or not roles:
        return body
    body["organisations"] = [
        {
            "id": organisation.pk,
            "name": organisation.name,
            "type": organisation.type,
            "type_label": str(OrganisationType(organisation.type).label),
            "roles": [_role_out(code) for code in sorted(codes)],
        }
        for organisation, codes in selectors.organisations_worked_for(user, county)
    ]
    for key, places in workplaces_of(user, county).items():
        body[key] = [{"id": place.id, "name": place.name, "code": place.code} for place in places]
    return body


def _person_out(person: User, *, full_phone: bool) -> dict[str, object]:
    memberships = getattr(person, "county_memberships", None)
    if memberships is None:
        memberships = list(
            person.memberships.filter(county=person.county, active=True).select_related(
                "organisation"
            )
        )
    return {
        "id": person.pk,
        "username": person.username,
        "display_name": person.display_name,
        "phone": person.phone if full_phone else masked_mobile(person.phone),
        "phone_masked": bool(person.phone) and not full_phone,
        "active": person.is_active,
        "preferred_language": person.preferred_language,
        "date_joined": person.date_joined,
        "memberships": [
            {
                "role": membership.role,
                "role_label": str(Role(membership.role).label),
                "organisation": {
                    "id": membership.organisation.pk,
                    "name": membership.organisation.name,
                }
                if membership.organisation
                else None,
            }
            for membership in sorted(memberships, key=lambda item: (item.role, item.pk))
        ],
    }


@router.get(
    "/people/",
    response={200: list[PersonOut], **ERROR_RESPONSES},
    summary="People of the county",
    tags=["people"],
)
def list_people(
    request: HttpRequest, filters: Query[PeopleQuery], page: Query[PageQuery]
) -> list[dict[str, object]]:
    """The people of the caller's county, by name, for centre operators and county
    officials; `q` matches part of a username, name or phone number. Officials see phone
    numbers masked but for the last four digits. No password data."""
    user = _user(request)
    county = home_county(user)
    require(user, "core.view_people", county)
    full_phone = allowed(user, "core.manage_people", county)
    people = selectors.county_people(
        county, selectors.PeopleFilters(text=filters.q, role=filters.role or "")
    )
    return [
        _person_out(person, full_phone=full_phone)
        for person in people[page.offset : page.offset + page.limit]
    ]


@router.get(
    "/people/{person_id}",
    response={200: PersonOut, **ERROR_RESPONSES},
    summary="One person of the county",
)
def get_person(request: HttpRequest, person_id: ObjectId) -> dict[str, object]:
    """A person of the caller's county (404 for anyone else), as in the list."""
    user = _user(request)
    person = access.access_person(user, person_id)
    return _person_out(person, full_phone=allowed(user, "core.manage_people", person.county))


@router.get("/tokens", response={200: list[TokenOut], **ERROR_RESPONSES})
def list_tokens(request: HttpRequest) -> list[dict[str, object]]:
    user = _user(request)
    county = home_county(user)
    require(user, "core.manage_api_tokens", county)
    tokens = ApiToken.objects.filter(county=county)
    return [_token_out(token) for token in tokens]


@router.post("/tokens", response={201: IssuedTokenOut, **ERROR_RESPONSES})
def issue_token(request: HttpRequest, payload: TokenIn) -> Status[dict[str, object]]:
    user = _user(request)
    county = home_county(user)
    require(user, "core.manage_api_tokens", county)
    holder = User.objects.filter(pk=payload.holder_id, county=county).first()
    if holder is None:
        raise NotFound(_("No such person."))
    issued = services.issue_api_token(holder, actor=user, name=payload.name)
    return Status(201, {**_token_out(issued.token), "key": issued.raw_key})


@router.post(
    "/tokens/{token_id}/revoke",
    response={200: TokenOut, **ERROR_RESPONSES},
)
def revoke_token(request: HttpRequest, token_id: ObjectId) -> dict[str, object]:
    user = _user(request)
    token = access.access_api_token(user, token_id)
    return _token_out(services.revoke_api_token(token, actor=user))


class AuditQuery(PageQuery):
    action: str = Field("", max_length=80, pattern=r"^[a-z0-9_.]*$", examples=["orders.order.paid"])
    actor: str = Field("", max_length=150, description="Username of who did it")
    object_type: str = Field("", max_length=80, pattern=r"^[a-z0-9_.]*$", examples=["orders.order"])
    since: PeriodDate | None = None
    until: PeriodDate | None = None


class AuditChangeOut(Schema):
    field: str
    label: str = Field(..., description="The field's name in the reader's language")
    old: str | None = Field(..., description="Before, as people read it; null for a fact")
    new: str


class AuditRecordOut(Schema):
    id: int
    created_at: datetime
    action: str
    action_label: str = Field(..., description="What happened, in the reader's language")
    object_type: str
    object_type_label: str
    object_id: str
    object_repr: str
    object_url: str = Field(..., description="The object's page; empty when it has none")
    actor_id: int | None
    actor: str | None
    on_behalf_of_id: int | None
    changes: list[AuditChangeOut]
    data: dict[str, object] = Field(..., description="The stored data, as recorded")


class AuditPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[AuditRecordOut]


def _audit_out(item: auditdisplay.ReadableRecord) -> dict[str, object]:
    record = item.record
    return {
        "id": record.pk,
        "created_at": record.created_at,
        "action": record.action,
        "action_label": item.action_label,
        "object_type": record.object_type,
        "object_type_label": item.object_type_label,
        "object_id": record.object_id,
        "object_repr": record.object_repr,
        "object_url": item.object_url,
        "actor_id": record.actor_id,
        "actor": str(record.actor) if record.actor else None,
        "on_behalf_of_id": record.on_behalf_of_id,
        "changes": [
            {"field": change.field, "label": change.label, "old": change.old, "new": change.new}
            for change in item.changes
        ],
        "data": record.changes if isinstance(record.changes, dict) else {"data": record.changes},
    }


@router.get("/audit/", response={200: AuditPage, **ERROR_RESPONSES})
def list_audit(request: HttpRequest, query: Query[AuditQuery]) -> dict[str, object]:
    """The county's audit trail, newest first, readable: for officials and centre operators."""
    user = _user(request)
    county = home_county(user)
    require(user, "core.view_audit", county)
    if query.since and query.until and query.since > query.until:
        raise ValidationFailed(_("The start date is after the end date."), field="since")
    records = selectors.county_audit(
        county,
        selectors.AuditFilters(
            action=query.action,
            actor=query.actor,
            object_type=query.object_type,
            since=query.since,
            until=query.until,
        ),
    )
    items = auditdisplay.readable(records[query.offset : query.offset + query.limit])
    return {
        "count": records.count(),
        "limit": query.limit,
        "offset": query.offset,
        "items": [_audit_out(item) for item in items],
    }
