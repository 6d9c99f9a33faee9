"""The one way to write an audit record."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

from highland.core.models import AuditRecord, County, User


def _county_of(obj: models.Model) -> County | None:
    if isinstance(obj, County):
        return obj
    county = getattr(obj, "county", None)
    return county if isinstance(county, County) else None


def record(
    actor: User | None,
    action: str,
    obj: models.Model,
    data: dict[str, Any] | None = None,
    *,
    on_behalf_of: User | None = None,
    county: County | None = None,
) -> AuditRecord:
    """Write the audit record of `action` on `obj`. Call inside the action's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must run inside the action's transaction")
    if "." not in action:
        raise ValueError("audit actions are namespaced: '<app>.<object>.<verb>'")
    return AuditRecord.objects.create(
        county=county or _county_of(obj),
        actor=actor if actor is not None and actor.pk else None,
        on_behalf_of=on_behalf_of,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        changes=data or {},
    )
