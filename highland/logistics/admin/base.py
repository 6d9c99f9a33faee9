"""Back office for logistics: zones, locations, vehicles and bus lines are edited here by
the centre; parcels and their events are read-only (they change only through services)."""

from __future__ import annotations

from django.contrib import admin

from highland.core.readonly_admin import ReadOnly, ReadOnlyInline
from highland.logistics.models import (
    BusLine,
    HubLocation,
    HubZone,
    Parcel,
    TrackingEvent,
    Vehicle,
)


@admin.register(HubZone)
class HubZoneAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "temperature_class", "county", "active")
    list_filter = ("temperature_class", "county")


@admin.register(HubLocation)
class HubLocationAdmin(admin.ModelAdmin):
    list_display = ("code", "zone", "county", "active")
    list_filter = ("zone__temperature_class", "county")


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
