"""API shapes shared by every router: the error body, and the bounded types of every input.

Every number an API caller or a page sends is bounded here, once, so that no value can reach
the database outside what its column holds (a 500) and the OpenAPI document states the limits.
Numbers read from a JSON body are strict: `true` or `"1"` is not a quantity.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Header, Schema
from pydantic import AfterValidator, Field, StrictInt, WithJsonSchema

from highland.core.idempotency import KEY_FIELD, KEY_PATTERN
from highland.core.money import MAX_FEN as MAX_FEN  # re-exported: one set of limits

# The largest value a 64-bit signed column holds: ids are BigAutoFields on every backend.
MAX_OBJECT_ID = 2**63 - 1
# Units, or grams for goods sold by weight (a tonne): more than a county's shop ever sells at once.
MAX_QUANTITY = 1_000_000
# Grams on a scale or in a stock count: 1,000 t.
MAX_GRAMS = 1_000_000_000
MAX_LIMIT = 200
MAX_OFFSET = 1_000_000
# Dates and times of business: far enough either way that a day or a time zone added to one
# never leaves what Python and the databases hold (year 1 or 9999 does).
EARLIEST_DATE = dt.date(2000, 1, 1)
LATEST_DATE = dt.date(2099, 12, 31)

# Lax: path and query values arrive as text. A missing and an impossible id are both 404/422.
ObjectId = Annotated[int, Field(ge=1, le=MAX_OBJECT_ID, description="An id.")]
# Strict: read from JSON bodies only.
StrictObjectId = Annotated[StrictInt, Field(ge=1, le=MAX_OBJECT_ID, description="An id.")]
Quantity = Annotated[
    StrictInt,
    Field(ge=1, le=MAX_QUANTITY, description="Units, or grams for goods sold by weight."),
]
FenAmount = Annotated[StrictInt, Field(ge=0, le=MAX_FEN, description="Fen (¥0.01).")]
Grams = Annotated[StrictInt, Field(ge=1, le=MAX_GRAMS, description="Grams.")]
PeriodDate = Annotated[
    dt.date,
    Field(ge=EARLIEST_DATE, le=LATEST_DATE, description="A date from 2000 to 2099."),
]


def _in_business_years(moment: dt.datetime) -> dt.datetime:
    if not EARLIEST_DATE.year <= moment.year <= LATEST_DATE.year:
        raise ValueError(f"a time from {EARLIEST_DATE.year} to {LATEST_DATE.year}")
    return moment


Moment = Annotated[
    dt.datetime,
    AfterValidator(_in_business_years),
    Field(description="A time from 2000 to 2099; without a zone, in Beijing time."),
]
Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT, description="At most this many items.")]
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET, description="Skip this many items.")]


class PageQuery(Schema):
    """`?limit=&offset=` of a list endpoint."""

    limit: Limit = 50
    offset: Offset = 0


class ErrorOut(Schema):
    """Every error body (4xx and 5xx): a stable code, a sentence for people, messages per field."""

    code: str
    detail: str
    errors: dict[str, list[str]] | None = None


# The error statuses any operation may answer with, declared once for the OpenAPI document.
ERROR_RESPONSES: dict[int, type[ErrorOut]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    413: ErrorOut,
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
