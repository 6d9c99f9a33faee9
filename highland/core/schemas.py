"""API shapes shared by every router."""

from __future__ import annotations

from ninja import Schema


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
