"""What orders and group buys still need from a service point: registered with
`network.services.register_open_work_check`, so a point with work open is not
deactivated (and an inactive point takes no cash and hands out no parcels)."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import ngettext

from highland.network.models import ServicePoint
from highland.orders.models import GroupBuy, GroupBuyStatus, Order, OrderStatus
from highland.payments.models import PaymentMethod

# An order at these is still to be paid for or handed over at its pickup point.
WAITING_AT_POINT = (
    OrderStatus.PENDING_PAYMENT,
    OrderStatus.PAID,
    OrderStatus.PACKED,
    OrderStatus.SHIPPED,
)
FINISHED_GROUP_BUY = (GroupBuyStatus.DELIVERED, GroupBuyStatus.CANCELLED)


def cash_to_collect(point: ServicePoint) -> str | None:
    count = (
        Order.objects.filter(
            pickup_point=point,
            status=OrderStatus.PENDING_PAYMENT,
            payment__method=PaymentMethod.CASH_AT_POINT,
        )
        .values("payment_id")
        .distinct()
        .count()
    )
    if count:
        return ngettext(
            "%(count)d cash payment is still to be collected here.",
            "%(count)d cash payments are still to be collected here.",
            count,
        ) % {"count": count}
    return None


def pickups_waiting(point: ServicePoint) -> str | None:
    count = (
        Order.objects.filter(pickup_point=point, status__in=WAITING_AT_POINT)
        .exclude(status=OrderStatus.PENDING_PAYMENT, payment__method=PaymentMethod.CASH_AT_POINT)
        .count()
    )
    if count:
        return ngettext(
            "%(count)d order is still to be picked up here.",
            "%(count)d orders are still to be picked up here.",
            count,
        ) % {"count": count}
    return None


def open_group_buys(point: ServicePoint) -> str | None:
    count = (
        GroupBuy.objects.filter(Q(station=point) | Q(points=point))
        .exclude(status__in=FINISHED_GROUP_BUY)
        .values("pk")
        .distinct()
        .count()
    )
    if count:
        return ngettext(
            "%(count)d group buy run here is not finished yet.",
            "%(count)d group buys run here are not finished yet.",
            count,
        ) % {"count": count}
    return None
