"""The audit trail as an official reads it: actions and object types translated, objects
linked to their pages, changes as "field: from → to"."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import NoReverseMatch
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from highland.core.audit import OBJECT_LINKS, action_label
from highland.core.models import AuditRecord
from highland.core.money import format_fen

EMPTY = "—"


@dataclass(frozen=True)
class Change:
    """One line of an audit record's data: a field that changed, or a fact recorded."""

    field: str
    label: str
    old: str | None  # None for a fact, which has only a value
    new: str
    # True when the values are data as stored (names, codes), not words of the interface.
    is_data: bool = False


@dataclass(frozen=True)
class ReadableRecord:
    record: AuditRecord
    action_label: str
    object_type_label: str
    object_url: str
    changes: list[Change]


def _model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def object_type_label(object_type: str) -> str:
    """The model's verbose name in the active language; the code if the model is gone."""
    model = _model(object_type)
    return capfirst(str(model._meta.verbose_name)) if model is not None else object_type


def object_url(object_type: str, object_id: str) -> str:
    """The object's page, when its app registered one; empty otherwise."""
    if object_type not in OBJECT_LINKS:
        return ""
    try:
        return OBJECT_LINKS.get(object_type)(object_id)
    except (NoReverseMatch, ValueError):
        return ""


def _field(model: type[models.Model] | None, name: str) -> models.Field[Any, Any] | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def is_data(value: Any, field: models.Field[Any, Any] | None = None, name: str = "") -> bool:
    """Whether `value_text` shows the value as stored rather than in the reader's words."""
    if value is None or value == "" or isinstance(value, bool):
        return False
    if field is not None and field.choices:
        return str(value) not in {str(key) for key, _label in field.flatchoices}
    return not (name.endswith("_fen") and isinstance(value, int))


def value_text(value: Any, field: models.Field[Any, Any] | None = None, name: str = "") -> str:
    """A stored value as people read it: choice labels, yuan for fen, yes/no, — for none."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(value_text(item) for item in value) or EMPTY
    if isinstance(value, dict):
        return ", ".join(f"{key}: {value_text(item)}" for key, item in value.items()) or EMPTY
    if field is not None and field.choices:
        labels = {str(key): label for key, label in field.flatchoices}
        if str(value) in labels:
            return str(labels[str(value)])
    if name.endswith("_fen") and isinstance(value, int):
        return format_fen(value)
    if field is not None and field.is_relation:
        return f"#{value}"
    return str(value)


# Facts that services record beside model fields, named for people.
FACT_LABELS = {
    "late": gettext_lazy("Paid after the hold ran out"),
    "reason": gettext_lazy("Reason"),
    "delta": gettext_lazy("Change in stock"),
    "orders": gettext_lazy("Orders"),
    "data": gettext_lazy("Details"),
    "note": gettext_lazy("Note"),
    "amount_fen": gettext_lazy("Amount"),
    # Stock lots and cooperatives.
    "lot": gettext_lazy("Lot"),
    "lots": gettext_lazy("Lots"),
    "sku": gettext_lazy("Product variant"),
    "quantity": gettext_lazy("Quantity"),
    "counted": gettext_lazy("Counted"),
    "reserved": gettext_lazy("Reserved by orders"),
    "origin": gettext_lazy("Origin"),
    "origin_id": gettext_lazy("Origin record"),
    "best_before": gettext_lazy("Best before"),
    "inputs": gettext_lazy("Inputs"),
    "outputs": gettext_lazy("Outputs"),
    "grades": gettext_lazy("Grades"),
    "members": gettext_lazy("Members"),
    "count": gettext_lazy("Count"),
    "numbers": gettext_lazy("Numbers"),
    "costs_fen": gettext_lazy("Costs"),
    "shares_fen": gettext_lazy("Shares"),
    "transferred_fen": gettext_lazy("Transferred"),
    "returned_fen": gettext_lazy("Returned"),
    "cash_waiting": gettext_lazy("Cash waiting at points"),
    "capital_after": gettext_lazy("Capital after"),
    "capital_by_volume": gettext_lazy("Capital part shared by volume"),
    "patronage_by_capital": gettext_lazy("Patronage part shared by capital"),
    "replaced_future_version": gettext_lazy("Replaced a version not yet in force"),
    # Parcel tracking.
    "event_kind": gettext_lazy("What happened to the parcel"),
    "occurred_at": gettext_lazy("Happened at"),
    "idempotency_key": gettext_lazy("Device's key"),
    "contents": gettext_lazy("Parcels in the tote"),
    "order_status": gettext_lazy("Order status after"),
    "order_held": gettext_lazy("Order not moved because"),
    # The county hub.
    "locations": gettext_lazy("Locations"),
    "from_location": gettext_lazy("From location"),
    "to_location": gettext_lazy("To location"),
    "order": gettext_lazy("Order"),
    "parcels": gettext_lazy("Parcels"),
    "carrier": gettext_lazy("Carrier"),
    "tracking_number": gettext_lazy("Tracking number"),
    # Planning runs and bus timetables.
    "seconds": gettext_lazy("Time limit (seconds)"),
    "failure": gettext_lazy("Why it failed"),
    "route_count": gettext_lazy("Routes"),
    "unserved_count": gettext_lazy("Points left unserved"),
    "point": gettext_lazy("Point"),
    "minutes_from_departure": gettext_lazy("Minutes after departure"),
    "weekdays": gettext_lazy("Weekdays"),
    "weekday": gettext_lazy("Weekday"),
    "departs_at": gettext_lazy("Departs at"),
    "driver": gettext_lazy("Driver"),
    # Cold chain.
    "readings_stored": gettext_lazy("Readings stored"),
    "readings_duplicate": gettext_lazy("Readings stored before"),
    "readings_refused": gettext_lazy("Readings refused"),
    "sensor_codes": gettext_lazy("Sensors"),
    "retired_sensor": gettext_lazy("Retired sensor record"),
    "alert_open": gettext_lazy("Alert still open"),
}
# A record whose data has "from" and "to" at the top level is a change of the object's status
# (or of its place in the network, for a moved point).
MOVED_FIELDS = ("status", "parent")


def _label(field: models.Field[Any, Any] | None, name: str) -> str:
    if field is not None:
        related = field.related_model if field.is_relation else None
        if related is not None and str(field.verbose_name) == field.name.replace("_", " "):
            # A foreign key left with Django's untranslated default name: say what it points to.
            return capfirst(str(related._meta.verbose_name))  # type: ignore[union-attr]
        return capfirst(str(field.verbose_name))
    return str(FACT_LABELS.get(name, name))


def changes_of(record: AuditRecord) -> list[Change]:
    """The record's data, each field with its verbose name: from → to, or its value."""
    model = _model(record.object_type)
    data = dict(record.changes) if isinstance(record.changes, dict) else {"data": record.changes}
    lines = []
    if "from" in data and "to" in data:
        moved = next((_field(model, name) for name in MOVED_FIELDS if _field(model, name)), None)
        name = moved.name if moved is not None else "status"
        old, new = data.pop("from"), data.pop("to")
        lines.append(
            Change(
                name,
                _label(moved, name) if moved is not None else _("Status"),
                value_text(old, moved, name),
                value_text(new, moved, name),
                is_data(old, moved, name) or is_data(new, moved, name),
            )
        )
    for name, value in data.items():
        field = _field(model, name)
        if isinstance(value, dict) and set(value) == {"from", "to"}:
            lines.append(
                Change(
                    name,
                    _label(field, name),
                    value_text(value["from"], field, name),
                    value_text(value["to"], field, name),
                    is_data(value["from"], field, name) or is_data(value["to"], field, name),
                )
            )
        else:
            lines.append(
                Change(
                    name,
                    _label(field, name),
                    None,
                    value_text(value, field, name),
                    is_data(value, field, name),
                )
            )
    return lines


def readable(records: Iterable[AuditRecord]) -> list[ReadableRecord]:
    """Each record with its action, object type, link and changes for people."""
    return [
        ReadableRecord(
            record=record,
            action_label=action_label(record.action),
            object_type_label=object_type_label(record.object_type),
            object_url=object_url(record.object_type, record.object_id),
            changes=changes_of(record),
        )
        for record in records
    ]
