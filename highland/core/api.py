"""API: who am I, and device tokens."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from highland.core import access, auditdisplay, selectors, services
from highland.core.access import home_county
from highland.core.errors import NotFound, ValidationFailed
from highland.core.models import ApiToken, User
from highland.core.permissions import require, roles_of
from highland.core.schemas import (
    ERROR_RESPONSES,
    ObjectId,
    PageQuery,
    PeriodDate,
    StrictObjectId,
)

router = Router(tags=["people"])


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    county_code: str | None
    roles: list[str]


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


@router.get("/me", response={200: MeOut, **ERROR_RESPONSES})
def me(request: HttpRequest) -> dict[str, object]:
    user = _user(request)
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "county_code": user.county.code if user.county else None,
        "roles": sorted(roles_of(user, user.county)),
    }


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
