"""The one way to write an audit record, and the registries that make it readable.

Each app registers a translated label for every action it records (`register_actions`,
from its `AppConfig.ready()`) and, for the objects that have a page, how to link to it
(`OBJECT_LINKS`, by `app_label.model`). `highland.core.auditdisplay` uses both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils.functional import Promise

from highland.core.hooks import Hook
from highland.core.models import AuditRecord, County, User

# "<app>.<object>.<verb>" -> what happened, for people (a lazy translation).
ACTION_LABELS: Hook[str | Promise] = Hook("audit action labels")
# "<app_label>.<model>" -> the URL of an object's page from its id.
OBJECT_LINKS: Hook[Callable[[str], str]] = Hook("audit object links")


def register_actions(labels: Mapping[str, str | Promise]) -> None:
    """Register the readable label of each audit action an app records."""
    for action, label in labels.items():
        ACTION_LABELS.register(action, label)


def action_label(action: str) -> str:
    """What the action was, in the active language; the code itself if none is registered."""
    return str(ACTION_LABELS.get(action)) if action in ACTION_LABELS else action


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


def _jsonable(value: Any) -> Any:
    """A field value as the audit trail stores it: primary keys for rows, text for decimals."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Decimal):
        return str(value)
    return value


def save_changes(
    obj: models.Model,
    cleaned: dict[str, Any],
    *,
    actor: User,
    action: str,
    also_update: Sequence[str] = (),
    save: Callable[..., None] | None = None,
) -> dict[str, dict[str, Any]]:
    """Apply the fields of `cleaned` that differ, save only those, and audit them as from/to.

    Returns what changed; nothing is saved or audited when nothing differs. Call inside
    the action's transaction. `save` replaces `obj.save` (to translate integrity errors).
    """
    changed = {
        field: {"from": _jsonable(getattr(obj, field)), "to": _jsonable(value)}
        for field, value in cleaned.items()
        if getattr(obj, field) != value
    }
    if changed:
        for field in changed:
            setattr(obj, field, cleaned[field])
        (save or obj.save)(update_fields=[*changed, *also_update])
        record(actor, action, obj, changed)
    return changed
