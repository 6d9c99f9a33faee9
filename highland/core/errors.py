"""Domain errors: a stable code for machines and a translated message for people."""

from __future__ import annotations

from django.utils.functional import Promise


class DomainError(Exception):
    """A business rule refused the action; nothing was changed."""

    status_code = 400
    code = "invalid"

    def __init__(
        self,
        message: str | Promise,
        *,
        code: str | None = None,
        field: str | None = None,
        errors: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.message = str(message)
        if code:
            self.code = code
        self.field = field
        self.errors = errors or ({field: [self.message]} if field else {})

    def as_dict(self) -> dict[str, object]:
        payload: dict[str, object] = {"code": self.code, "detail": self.message}
        if self.errors:
            payload["errors"] = self.errors
        return payload


class ValidationFailed(DomainError):
    status_code = 422
    code = "validation_failed"


class PermissionDenied(DomainError):
    status_code = 403
    code = "permission_denied"


class Conflict(DomainError):
    """The request clashes with what is already recorded, such as an idempotency key
    reused for a different action: repeating it unchanged cannot succeed."""

    status_code = 409
    code = "conflict"


class NotFound(DomainError):
    """Missing and not-yours look the same, so ids of other counties leak nothing."""

    status_code = 404
    code = "not_found"


class Unavailable(DomainError):
    """A system outside this one (the payment gateway) did not answer; nothing was changed
    here, and the same request may succeed later."""

    status_code = 503
    code = "unavailable"


class BadGateway(DomainError):
    """A system outside this one answered with an error or something unreadable."""

    status_code = 502
    code = "bad_gateway"
