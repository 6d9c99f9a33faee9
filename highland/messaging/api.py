"""API: the county's text messages, and registration / password reset by code."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from highland.core.access import home_county, site_county
from highland.core.errors import ValidationFailed
from highland.core.models import County, User
from highland.core.schemas import ERROR_RESPONSES, ErrorOut, PageQuery
from highland.core.throttling import client_address
from highland.messaging import selectors, signup
from highland.messaging.models import CodePurpose, TextMessage
from highland.messaging.services import shown_body

router = Router(tags=["text messages"])
auth_router = Router(tags=["registration"])
# Asking for codes too often is refused with 429 `code_too_soon` or `too_many_codes`.
CODE_RESPONSES: dict[int, type[ErrorOut]] = {**ERROR_RESPONSES, 429: ErrorOut}


class MessageOut(Schema):
    id: int
    kind: str
    phone: str = Field(..., description="All but the last four digits hidden.")
    language: str
    body: str
    segments: int
    status: str
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    failed_at: datetime | None


def _message_out(message: TextMessage) -> dict[str, object]:
    return {
        "id": message.pk,
        "kind": message.kind,
        "phone": message.masked_phone,
        "language": message.language,
        "body": shown_body(message),
        "segments": message.segments,
        "status": message.status,
        "attempts": message.attempts,
        "created_at": message.created_at,
        "sent_at": message.sent_at,
        "delivered_at": message.delivered_at,
        "failed_at": message.failed_at,
    }


@router.get("/", response={200: list[MessageOut], **ERROR_RESPONSES})
def list_messages(request: HttpRequest, filters: Query[PageQuery]) -> list[dict[str, object]]:
    """The county's text messages (operators), or those you caused (anyone else), newest first."""
    user = request.user
    if not isinstance(user, User):
        raise HttpError(401, "Log in or send a device token.")
    county = home_county(user)
    messages = selectors.visible_messages(user, county)
    page = messages[filters.offset : filters.offset + filters.limit]
    return [_message_out(message) for message in page]


class CodeIn(Schema):
    phone: str = Field(..., max_length=20)
    county: str | None = Field(None, description="The county's administrative code, if several.")


class CodeSentOut(Schema):
    expires_in_seconds: int


class RegisterIn(Schema):
    phone: str = Field(..., max_length=20)
    code: str = Field(..., min_length=6, max_length=6)
    display_name: str = Field(..., min_length=1, max_length=120)
    password: str = Field(..., min_length=1, max_length=128)
    county: str | None = None


class ResetIn(Schema):
    phone: str = Field(..., max_length=20)
    code: str = Field(..., min_length=6, max_length=6)
    password: str = Field(..., min_length=1, max_length=128)


class RegisteredOut(Schema):
    id: int
    username: str
    county_code: str


def _county(request: HttpRequest, code: str | None) -> County:
    county = County.objects.filter(code=code).first() if code else site_county(request)
    if county is None:
        raise ValidationFailed(_("Name the county to register in."), field="county")
    return county


def _send_code(request: HttpRequest, payload: CodeIn, purpose: str) -> dict[str, object]:
    signup.request_phone_code(
        _county(request, payload.county),
        phone=payload.phone,
        purpose=purpose,
        address=client_address(request),
        language=get_language(),
    )
    return {"expires_in_seconds": int(signup.CODE_LIFETIME.total_seconds())}


@auth_router.post("/register/code", auth=None, response={200: CodeSentOut, **CODE_RESPONSES})
def register_code(request: HttpRequest, payload: CodeIn) -> dict[str, object]:
    """Send a registration code to a mobile number (429 past the limits)."""
    return _send_code(request, payload, CodePurpose.REGISTER)


@auth_router.post("/register", auth=None, response={201: RegisteredOut, **ERROR_RESPONSES})
def register(request: HttpRequest, payload: RegisterIn) -> Status[dict[str, object]]:
    """Create a buyer with the code that was sent; the client then logs in as usual.

    It does not log a session in: the endpoint needs no CSRF token, and logging in here would
    let another site switch a visitor's browser to an account of its choosing."""
    county = _county(request, payload.county)
    person = signup.register_with_code(
        county,
        phone=payload.phone,
        code=payload.code,
        display_name=payload.display_name,
        password=payload.password,
    )
    return Status(201, {"id": person.pk, "username": person.username, "county_code": county.code})


@auth_router.post("/password-reset/code", auth=None, response={200: CodeSentOut, **CODE_RESPONSES})
def password_reset_code(request: HttpRequest, payload: CodeIn) -> dict[str, object]:
    """Send a reset code, if the number is registered; the answer is the same either way."""
    return _send_code(request, payload, CodePurpose.RESET_PASSWORD)


@auth_router.post("/password-reset", auth=None, response={204: None, **ERROR_RESPONSES})
def password_reset(request: HttpRequest, payload: ResetIn) -> Status[None]:
    """Set a new password with the code that was sent."""
    signup.reset_password_with_code(
        phone=payload.phone, code=payload.code, password=payload.password
    )
    return Status(204, None)
