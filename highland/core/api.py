"""API: who am I, and device tokens."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from highland.core import access, services
from highland.core.access import home_county
from highland.core.errors import NotFound
from highland.core.models import ApiToken, User
from highland.core.permissions import require, roles_of
from highland.core.schemas import ERROR_RESPONSES, ObjectId, StrictObjectId

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
