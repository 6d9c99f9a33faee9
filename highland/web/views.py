"""The home page: what the county has, and where the signed-in person works."""

from __future__ import annotations

from typing import Literal, cast

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from highland.catalog import views as catalog_views
from highland.catalog.selectors import storefront_county
from highland.core.models import County, Role, User
from highland.core.permissions import roles_of
from highland.core.signin import guest_session_key, hand_over_guest_session
from highland.network.models import ServicePoint, Tier


def home(request: HttpRequest) -> HttpResponse:
    """The shop for visitors and buyers; the county's network for those who work in it."""
    user = request.user
    county = user.county if isinstance(user, User) else None
    shopper = county is None or not roles_of(user, county) - {Role.BUYER}
    if shopper and storefront_county(request) is not None:
        # Categories, search and the newest products (cached for visitors).
        return catalog_views.storefront(request)
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


def bare_page(request: HttpRequest) -> HttpResponse:
    """The benchmarks' baseline: a minimal page through the full middleware stack.

    Routed only when settings.BENCH_ENDPOINTS is on (see highland/urls.py).
    """
    return render(request, "web/bare.html")


class LoginView(auth_views.LoginView):
    """Login that brings back the person's language and keeps what they put in the cart
    as a guest."""

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        guest_session = guest_session_key(self.request)
        response = super().form_valid(form)
        person = form.get_user()
        hand_over_guest_session(guest_session, person)
        language = getattr(person, "preferred_language", "")
        if language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                # The stubs type the setting as any string; settings.py sets "Lax".
                samesite=cast(Literal["Lax"], settings.LANGUAGE_COOKIE_SAMESITE),
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            )
        return response
