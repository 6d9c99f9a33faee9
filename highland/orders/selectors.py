"""Reads of orders: a buyer's, a seller's, a point's."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from highland.core.models import Membership, Role, User
from highland.core.permissions import roles_of
from highland.orders.models import Order


def orders_visible_to(user: User) -> QuerySet[Order]:
    """Every order the person may see in their county, newest first."""
    county = user.county
    base = Order.objects.filter(county=county).select_related("seller", "pickup_point", "buyer")
    roles = roles_of(user, county)
    if user.is_superuser or roles & {Role.CENTRE_OPERATOR, Role.COUNTY_OFFICIAL}:
        return base
    organisations = Membership.objects.filter(
        user=user, active=True, role__in=[Role.SELLER_STAFF, Role.COOPERATIVE_MANAGER]
    ).values("organisation_id")
    return base.filter(
        Q(buyer=user)
        | Q(placed_by=user)
        | Q(seller__represented_by=user)
        | Q(seller__organisation_id__in=organisations)
        | Q(pickup_point__agents=user)
    ).distinct()
