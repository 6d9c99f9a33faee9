"""Back office for logistics: vehicles and bus lines are edited here by the centre;
parcels and their events are read-only (they change only through services). The hub's
zones and locations are in `hub` (saved through the hub's services)."""

from __future__ import annotations

from django.contrib import admin

from highland.core.readonly_admin import ReadOnly, ReadOnlyInline
from highland.logistics.models import BusLine, Parcel, TrackingEvent, Vehicle


@admin.register(Vehicle)
class VehicleAdmin(admin.ModelAdmin):
    list_display = ("plate", "name", "refrigerated", "capacity_g", "capacity_ml", "active")
    list_filter = ("refrigerated", "county")


@admin.register(BusLine)
class BusLineAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "fee_per_parcel_fen", "parcel_capacity", "active")


class TrackingEventInline(ReadOnlyInline):
    model = TrackingEvent
    fields = ("kind", "occurred_at", "recorded_at", "actor", "location", "vehicle", "point")


@admin.register(Parcel)
class ParcelAdmin(ReadOnly):
    list_display = ("sscc", "kind", "status", "destination_point", "weight_g", "created_at")
    list_filter = ("kind", "status", "temperature_class", "county")
    search_fields = ("sscc", "order__number", "carrier_tracking_number")
    inlines = [TrackingEventInline]
