"""What each audit action of orders means, for people, and where its objects are."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "orders.checkout.placed": _("Order placed"),
    # Orders move to these statuses (`orders.services.advance_order`: f"orders.order.{status}").
    "orders.order.pending_payment": _("Order awaiting payment again"),
    "orders.order.paid": _("Order paid"),
    "orders.order.packed": _("Order packed"),
    "orders.order.shipped": _("Order shipped"),
    "orders.order.delivered": _("Order delivered"),
    "orders.order.completed": _("Order completed"),
    "orders.order.cancelled": _("Order cancelled"),
    "orders.order.expired": _("Unpaid order expired"),
    "orders.order.picked_up": _("Order picked up"),
    "orders.order.reinstated": _("Order reinstated after a late payment"),
    "orders.aftersale.opened": _("After-sale request opened"),
    "orders.aftersale.photo_added": _("After-sale photo added"),
    # After-sales move to these statuses (`orders.aftersales`: f"orders.aftersale.{status}").
    "orders.aftersale.open": _("After-sale request back with the seller"),
    "orders.aftersale.escalated": _("After-sale request escalated to the service centre"),
    "orders.aftersale.accepted": _("After-sale request accepted"),
    "orders.aftersale.awaiting_return": _("After-sale goods to be returned"),
    "orders.aftersale.returned": _("After-sale goods returned"),
    "orders.aftersale.refunded": _("After-sale refund made"),
    "orders.aftersale.rejected": _("After-sale request rejected"),
    "orders.group_buy.created": _("Group buy created"),
    "orders.group_buy.updated": _("Group buy changed"),
    "orders.group_buy.opened": _("Group buy opened"),
    "orders.group_buy.joined": _("Group buy joined"),
    "orders.group_buy.closed": _("Group buy closed"),
    "orders.group_buy.cancelled": _("Group buy cancelled"),
    "orders.group_buy.ordered": _("Group buy ordered from the suppliers"),
    "orders.group_buy.handed_over": _("Group buy handed over"),
    "orders.consolidated_purchase.received": _("Group purchase received at the station"),
    "orders.payout.paid": _("Seller paid out"),
    "orders.payout.returned": _("Payout returned by the bank"),
}


def order_url(object_id: str) -> str:
    return reverse("orders:order-detail", args=[int(object_id)])


def aftersale_url(object_id: str) -> str:
    return reverse("orders:aftersale-detail", args=[int(object_id)])


def group_buy_url(object_id: str) -> str:
    return reverse("orders:group-buy-detail", args=[int(object_id)])


LINKS = {
    "orders.order": order_url,
    "orders.aftersale": aftersale_url,
    "orders.groupbuy": group_buy_url,
}
