"""Idempotent requests: a key bound to a scope, a caller and a fingerprint of the request.

A service that must run once per request (a checkout, a group-buy join, a gateway
notification) checks permission first, then claims the key inside its own transaction:

    claim = idempotency.claim("orders.checkout", caller=caller_of(actor), request=request)
    if claim.replayed:
        return result_from(claim.stored_object(Payment))   # permission already checked again
    ... the action ...
    claim.complete(obj=payment)

- The same caller, key and fingerprint get the first result back (`claim.replayed`).
- The same key with another fingerprint is a 409 `idempotency_key_reused`.
- Another caller's key, or the same key in another scope, is independent.
- The record is a row with a unique (scope, caller, key) written in the action's
  transaction: a concurrent twin's INSERT waits for that transaction and, once it commits,
  finds the record and replays it; if it rolls back, the twin runs the action itself.
- An action refused with a domain error rolls back, claim included, so errors are never
  stored and a corrected retry with the same key runs afresh.
- Records older than `RETENTION` are deleted by `delete_expired_records` (scheduled); a
  key replayed after that runs the action again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import BaseModel

from highland.core.errors import Conflict, ValidationFailed
from highland.core.models import IdempotencyRecord, User

KEY_PATTERN = r"^[A-Za-z0-9_.:-]{8,80}$"
KEY_FIELD = "Idempotency-Key"
RETENTION = dt.timedelta(days=7)
_KEY = re.compile(KEY_PATTERN)
_SCOPE = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")

ModelT = TypeVar("ModelT", bound=models.Model)


def _canonical(value: Any) -> Any:
    """`value` as plain JSON data: rows by primary key, schemas and dataclasses by field."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, BaseModel):
        return _canonical(value.model_dump(mode="json"))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            field.name: _canonical(getattr(value, field.name))
            for field in dataclasses.fields(value)
        }
    if isinstance(value, Mapping):
        return {str(name): _canonical(item) for name, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    if isinstance(value, enum.Enum):
        return _canonical(value.value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"cannot fingerprint a {type(value).__name__}")


def fingerprint(parsed_input: Any) -> str:
    """SHA-256 (hex) of the canonical JSON of a request's parsed input."""
    text = json.dumps(
        _canonical(parsed_input), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class IdempotentRequest:
    """A caller's key and the fingerprint of what it asked for, built by the entry point
    from the input as parsed (so "check out my cart" stays the same request after the
    first checkout emptied the cart)."""

    key: str
    fingerprint: str

    @classmethod
    def of(cls, key: str, parsed_input: Any) -> IdempotentRequest:
        """Raises ValidationFailed (422, `bad_idempotency_key`) for a key out of bounds."""
        if not isinstance(key, str) or not _KEY.match(key):
            raise ValidationFailed(
                _(
                    "An Idempotency-Key has 8 to 80 characters: letters, digits, "
                    "hyphens, underscores, dots or colons."
                ),
                code="bad_idempotency_key",
                field=KEY_FIELD,
            )
        return cls(key=key, fingerprint=fingerprint(parsed_input))

    @classmethod
    def of_form(
        cls, cleaned_data: Mapping[str, Any], *, key_field: str = "idempotency_key", **path: Any
    ) -> IdempotentRequest:
        """The request of a page form whose hidden `key_field` holds the key; `path` names
        what the URL chose (the group buy joined, say)."""
        fields = {name: value for name, value in cleaned_data.items() if name != key_field}
        return cls.of(cleaned_data.get(key_field, ""), {"form": fields, "path": path})


def caller_of(user: User) -> str:
    """The caller a person's keys belong to, whichever device or session they use."""
    return f"user:{user.pk}"


@dataclass(frozen=True)
class Claim:
    record: IdempotencyRecord
    replayed: bool

    def complete(
        self,
        *,
        obj: models.Model | None = None,
        status_code: int | None = None,
        body: Any = None,
    ) -> None:
        """Store what the action produced. Call in the same transaction as `claim`."""
        if self.replayed:
            raise RuntimeError("a replayed claim was completed by its first request")
        record = self.record
        if obj is not None:
            record.object_type = obj._meta.label_lower
            record.object_id = str(obj.pk)
        record.status_code = status_code
        record.body = body
        record.completed_at = timezone.now()
        record.save(
            update_fields=["object_type", "object_id", "status_code", "body", "completed_at"]
        )

    def stored_object(self, model: type[ModelT]) -> ModelT:
        """The object the first request created."""
        record = self.record
        if record.completed_at is None or record.object_type != model._meta.label_lower:
            raise RuntimeError(f"{record} holds no {model._meta.label_lower}")
        return model._default_manager.get(pk=record.object_id)


def claim(scope: str, *, caller: str, request: IdempotentRequest) -> Claim:
    """Claim `request.key` for `caller` in `scope`, or find the request that claimed it.

    Call inside the action's transaction, after its permission checks: a replay returns
    only to a caller who may still act. Raises Conflict (409, `idempotency_key_reused`)
    when the key was used for a different request.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("idempotency.claim must run inside the action's transaction")
    if not _SCOPE.match(scope):
        raise ValueError("idempotency scopes are namespaced: '<app>.<action>'")
    try:
        # A savepoint, so a clash leaves the action's transaction usable. On PostgreSQL a
        # twin still in flight makes this INSERT wait for its commit or rollback.
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                scope=scope, caller=caller, key=request.key, fingerprint=request.fingerprint
            )
    except IntegrityError:
        record = IdempotencyRecord.objects.get(scope=scope, caller=caller, key=request.key)
        if record.fingerprint != request.fingerprint:
            raise Conflict(
                _(
                    "This Idempotency-Key was already used for a different request; "
                    "use a new key for a new request."
                ),
                code="idempotency_key_reused",
                field=KEY_FIELD,
            ) from None
        return Claim(record=record, replayed=True)
    return Claim(record=record, replayed=False)


def delete_expired_records(
    *, now: dt.datetime | None = None, older_than: dt.timedelta = RETENTION
) -> int:
    """Forget requests first seen more than `older_than` ago; returns how many (scheduled daily)."""
    cutoff = (now or timezone.now()) - older_than
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
