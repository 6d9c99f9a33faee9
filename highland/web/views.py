"""The home page: what the county has, and where the signed-in person works."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from highland.core.models import County, User
from highland.network.models import ServicePoint, Tier


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    county = user.county if isinstance(user, User) else None
    if county is None:
        # Visitors see the counties served here; each county's network needs a login.
        counties = County.objects.annotate(
            points=Count("service_points", filter=Q(service_points__active=True))
        ).order_by("code")
        return render(request, "web/home.html", {"counties": counties})
    counts = dict(
        ServicePoint.objects.filter(county=county, active=True)
        .values_list("tier")
        .annotate(n=Count("id"))
        .values_list("tier", "n")
    )
    tiers = [(label, counts.get(value, 0)) for value, label in Tier.choices]
    return render(request, "web/home.html", {"county": county, "tiers": tiers})
