"""Logistics pages under /logistics/: each part adds its views module's urlpatterns."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

from highland.logistics.views import coldchain, hub, plans, roads, tracking

app_name = "logistics"

urlpatterns: list[URLPattern | URLResolver] = [
    *tracking.urlpatterns,
    *roads.urlpatterns,
    *hub.urlpatterns,
    *plans.urlpatterns,
    *coldchain.urlpatterns,
]
