"""Permission-checked fetches of orders and payments."""

from __future__ import annotations

from django.utils.translation import gettext as _

from highland.core.errors import NotFound
from highland.core.models import User
from highland.core.permissions import allowed
from highland.orders.models import Order, Payout
from highland.payments.access import access_payment


def access_order(user: User, order_id: int) -> Order:
    """The order if `user` may see it; missing and not-yours give the same 404."""
    order = (
        Order.objects.select_related("county", "seller", "payment", "pickup_point", "buyer")
        .filter(pk=order_id)
        .first()
    )
    if order is None or not allowed(user, "orders.view_order", order):
        raise NotFound(_("No such order."))
    return order


def access_pickup_code(user: User, order_id: int) -> Order:
    """An order picked up at a point, if `user` may see its pickup code (the buyer, the
    agent acting for them, the pickup point's agents); anything else, a missing order
    included, gives the same 404."""
    order = (
        Order.objects.select_related("county", "seller", "pickup_point", "buyer")
        .filter(pk=order_id, pickup_point__isnull=False)
        .first()
    )
    if order is None or not allowed(user, "orders.view_pickup_code", order):
        raise NotFound(_("No such order."))
    return order


def access_payout(user: User, payout_id: int) -> Payout:
    """A payout of the person's county, for those who run settlement; missing and
    not-yours give the same 404."""
    payout = Payout.objects.select_related("county", "seller").filter(pk=payout_id).first()
    if payout is None or not allowed(user, "orders.run_settlement", payout.county):
        raise NotFound(_("No such payout."))
    return payout


__all__ = ["access_order", "access_payment", "access_payout", "access_pickup_code"]
