"""Permission-checked fetches of orders and payments."""

from __future__ import annotations

from django.utils.translation import gettext as _

from highland.core.errors import NotFound
from highland.core.models import User
from highland.core.permissions import allowed
from highland.orders.models import Order
from highland.payments.models import Payment


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


def access_payment(user: User, payment_id: int) -> Payment:
    """A payment its payer, the agent who placed its orders, or a centre operator may see."""
    payment = Payment.objects.select_related("county").filter(pk=payment_id).first()
    if payment is None:
        raise NotFound(_("No such payment."))
    orders = list(payment.orders.select_related("county", "seller", "pickup_point"))
    if payment.payer_id == user.pk or any(
        allowed(user, "orders.view_order", order) for order in orders
    ):
        return payment
    raise NotFound(_("No such payment."))
