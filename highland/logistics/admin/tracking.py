"""Tracking events in the back office: read-only (they are recorded only through
`record_tracking_event`), searchable by SSCC, order number and device key, with what each
did to its order. Proof photos are private: they are opened from the parcel's page, which
checks who may see them."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from highland.core.readonly_admin import ReadOnly
from highland.logistics.models import TrackingEvent


@admin.register(TrackingEvent)
class TrackingEventAdmin(ReadOnly):
    list_display = (
        "parcel",
        "kind",
        "occurred_at",
        "recorded_at",
        "actor",
        "order_status",
        "order_held_code",
    )
    list_filter = ("kind", "pickup_code_checked", "order_held_code", "county")
    search_fields = ("parcel__sscc", "parcel__order__number", "idempotency_key")
    list_select_related = ("parcel", "actor")
    date_hierarchy = "occurred_at"
    exclude = ("photo", "fingerprint")
    readonly_fields = ("has_photo",)

    @admin.display(boolean=True, description=_("proof photo"))
    def has_photo(self, event: TrackingEvent) -> bool:
        return bool(event.photo)
