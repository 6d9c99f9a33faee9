"""API shapes shared by every router."""

from __future__ import annotations

from typing import Annotated

from ninja import Header, Schema
from pydantic import WithJsonSchema

from highland.core.idempotency import KEY_FIELD, KEY_PATTERN


class ErrorOut(Schema):
    """Every 4xx body: a stable code, a sentence for people, and messages per field."""

    code: str
    detail: str
    errors: dict[str, list[str]] | None = None


# The error statuses any operation may answer with, declared once for the OpenAPI document.
ERROR_RESPONSES: dict[int, type[ErrorOut]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
}


# Operations that take an Idempotency-Key may also answer 409 `idempotency_key_reused`.
IDEMPOTENT_ERROR_RESPONSES: dict[int, type[ErrorOut]] = {**ERROR_RESPONSES, 409: ErrorOut}


# The `Idempotency-Key` header parameter. Its bounds are declared for clients but checked
# by `IdempotentRequest.of`, so a bad key gets the clear `bad_idempotency_key` rather than
# a schema message.
IdempotencyKey = Annotated[
    str,
    WithJsonSchema({"type": "string", "pattern": KEY_PATTERN, "minLength": 8, "maxLength": 80}),
    Header(
        ...,
        alias=KEY_FIELD,
        description=(
            "One key per request you mean to make once: 8 to 80 letters, digits, '-', '_', "
            "'.' or ':'. The same request again returns the first result; another request "
            "with the same key is a 409."
        ),
    ),
]
