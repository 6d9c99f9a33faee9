"""Helpers the order pages share."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from highland.catalog.models import Seller
from highland.core.errors import DomainError
from highland.core.models import County, User
from highland.core.pagecache import PERSONAL_PAGES_SESSION_KEY
from highland.core.permissions import allowed
from highland.network.models import Service, ServicePoint, Tier
from highland.orders import cart as carts
from highland.orders import services


def _person(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _cart(request: HttpRequest, county: County) -> carts.Cart:
    if not request.user.is_authenticated:
        # The header shows this visitor's cart from now on: no shared cached pages.
        request.session[PERSONAL_PAGES_SESSION_KEY] = True
        if not request.session.session_key:
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


def format_weight(grams: int) -> str:
    """800 -> "800 g", 1300 -> "1.3 kg", 2000 -> "2 kg"."""
    if grams < 1000:
        return f"{grams} g"
    kilograms = f"{grams / 1000:.2f}".rstrip("0").rstrip(".")
    return f"{kilograms} kg"


def checkout_summary(quote: services.CheckoutQuote) -> dict[str, Any]:
    """A checkout quote as the review page shows it: each seller's parcel with its lines,
    how its shipping was worked out, and the totals."""
    sellers = {seller.pk: seller for seller in Seller.objects.filter(pk__in=quote.seller_ids)}
    parcels = []
    for parcel in quote.parcels:
        first_weight_g, first_fee_fen, step_weight_g, step_fee_fen = parcel.rate
        parcels.append(
            {
                "seller": sellers.get(parcel.seller_id),
                "lines": parcel.lines,
                "items_fen": parcel.items_fen,
                "shipping_fen": parcel.shipping_fen,
                "allowance_fen": parcel.allowance_fen,
                "total_fen": parcel.total_fen,
                "weight": format_weight(parcel.weight_g),
                "first_weight": format_weight(first_weight_g),
                "first_fee_fen": first_fee_fen,
                "step_weight": format_weight(step_weight_g),
                "step_fee_fen": step_fee_fen,
            }
        )
    return {
        "parcels": parcels,
        "items_fen": quote.items_fen,
        "shipping_fen": quote.shipping_fen,
        "allowance_fen": quote.allowance_fen,
        "total_fen": quote.total_fen,
    }


def _organised_stations(user: User, county: County) -> list[ServicePoint]:
    stations = ServicePoint.objects.filter(
        county=county, tier=Tier.TOWNSHIP_STATION, active=True
    ).order_by("code")
    return [station for station in stations if allowed(user, "orders.organise_group_buy", station)]
