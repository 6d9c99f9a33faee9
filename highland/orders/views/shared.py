"""Helpers the order pages share."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from highland.core.errors import DomainError
from highland.core.models import County, User
from highland.core.permissions import allowed
from highland.network.models import Service, ServicePoint, Tier
from highland.orders import cart as carts


def _person(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _cart(request: HttpRequest, county: County) -> carts.Cart:
    if not request.user.is_authenticated and not request.session.session_key:
        request.session.save()
    user = request.user if isinstance(request.user, User) else None
    return carts.cart_for(county, user=user, session_key=request.session.session_key or "")


def _form_error(form: Any, error: DomainError) -> None:
    placed = False
    for field, field_messages in error.errors.items():
        if field in form.fields:
            for message in field_messages:
                form.add_error(field, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


def pickup_points(county: County) -> Any:
    """Points where parcels can be collected: stations and village points offering pickup."""
    points = ServicePoint.objects.filter(county=county, active=True).exclude(
        tier=Tier.COUNTY_CENTRE
    )
    ids = [
        pk
        for pk, offered in points.values_list("pk", "services")
        if Service.PARCEL_PICKUP in offered
    ]
    return ServicePoint.objects.filter(pk__in=ids).order_by("code")


def _organised_stations(user: User, county: County) -> list[ServicePoint]:
    stations = ServicePoint.objects.filter(
        county=county, tier=Tier.TOWNSHIP_STATION, active=True
    ).order_by("code")
    return [station for station in stations if allowed(user, "orders.organise_group_buy", station)]
