"""What a checkout's payment pays for: the `checkout` payment purpose and the lock order.

`payments` owns the payment's lifecycle and calls the hooks registered here (from
`OrdersConfig.ready()`); orders call payments, never the other way round.

Lock order of every money path: the payment row first (`payments.services.lock_payment`),
then its orders in primary-key order, then stock (one conditional UPDATE per SKU, in SKU
order). `lock_order` takes an order with its payment in that order.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from highland.catalog import services as catalog_services
from highland.core import audit
from highland.core.errors import ValidationFailed
from highland.core.models import User
from highland.core.permissions import allowed
from highland.ledger.services import post_entry
from highland.network.models import ServicePoint
from highland.orders import postings
from highland.orders.models import ORDER_MACHINE, Order, OrderStatus
from highland.payments import services as payment_services
from highland.payments.models import Payment, PaymentStatus
from highland.payments.purposes import PaymentPurpose

CHECKOUT = "checkout"


def lock_order(order_id: int) -> Order:
    """The order, locked after its payment (the lock order); freshly read."""
    payment_id = Order.objects.values_list("payment_id", flat=True).get(pk=order_id)
    payment = payment_services.lock_payment(payment_id)
    order = Order.objects.select_for_update(of=("self",)).select_related("county").get(pk=order_id)
    order.payment = payment
    return order


def lock_payments_of(orders: QuerySet[Order]) -> None:
    """Lock the payments of these orders in primary-key order, before the orders."""
    payment_ids = sorted(set(orders.values_list("payment_id", flat=True)))
    list(
        Payment.objects.select_for_update(of=("self",))
        .filter(pk__in=payment_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _locked_orders(payment: Payment) -> list[Order]:
    return list(
        Order.objects.select_for_update(of=("self",))
        .filter(payment=payment)
        .select_related("seller")
        .prefetch_related("lines")
        .order_by("pk")
    )


def release_stock(orders: Iterable[Order]) -> None:
    """Give back the stock of these orders' lines, SKUs in ascending order."""
    by_sku: dict[int, int] = defaultdict(int)
    for order in orders:
        for line in order.lines.all():
            by_sku[line.sku_id] += line.quantity
    for sku_id, quantity in sorted(by_sku.items()):
        catalog_services.release_stock(sku_id, quantity)


def allocate_paid_orders(payment: Payment, actor: User | None) -> int:
    """Mark the orders of a just-received payment paid and post who is owed what, at the
    commission fixed at checkout; returns the fen of orders cancelled meanwhile (payments
    refunds them). Call inside the payment's transaction, after the money was posted."""
    lines_to_post: list[tuple[str, int]] = []
    unallocated = 0
    for order in _locked_orders(payment):
        if order.status != OrderStatus.PENDING_PAYMENT:
            unallocated += order.total_fen
            continue
        fields = ORDER_MACHINE.move(order, OrderStatus.PAID)
        # The commission was fixed at checkout, with the prices (ADR 0006).
        order.save(update_fields=fields)
        lines_to_post += postings.allocation_lines(
            seller_id=order.seller_id,
            items_fen=order.items_fen,
            commission_fen=order.commission_fen,
            shipping_fen=order.shipping_fen,
        )
    if lines_to_post:
        post_entry(
            payment.county,
            kind="orders.payment.allocated",
            memo_code=postings.MEMO_PAYMENT_ALLOCATED,
            memo_params={"payment": payment.out_trade_no},
            lines=postings.merged(lines_to_post),
            actor=actor,
            reference=payment,
        )
    return unallocated


def expire_orders(payment: Payment, now: dt.datetime) -> None:
    """The payment's hold ran out: cancel its unpaid orders and give their stock back."""
    expired = []
    for order in _locked_orders(payment):
        if order.status != OrderStatus.PENDING_PAYMENT:
            continue
        order.save(update_fields=ORDER_MACHINE.move(order, OrderStatus.CANCELLED, now=now))
        audit.record(
            None,
            "orders.order.expired",
            order,
            {"reserved_until": order.reserved_until.isoformat()},
        )
        expired.append(order)
    release_stock(expired)


def reinstate_expired_orders(payment: Payment) -> bool:
    """Money arrived for an expired payment: take the stock of its orders again (the same
    conditional UPDATE checkout uses) and reopen them for allocation. False, with nothing
    changed, when any line's stock is gone or an order was cancelled by a person."""
    orders = _locked_orders(payment)
    # Expiry cancels after the hold ran out; a person cancels before it.
    if not orders or any(
        order.status != OrderStatus.CANCELLED
        or order.cancelled_at is None
        or order.cancelled_at < order.reserved_until
        for order in orders
    ):
        return False
    wanted: dict[int, int] = defaultdict(int)
    for order in orders:
        for line in order.lines.all():
            wanted[line.sku_id] += line.quantity
    try:
        with transaction.atomic():
            for sku_id, quantity in sorted(wanted.items()):
                if not catalog_services.reserve_stock(sku_id, quantity):
                    raise _StockGone
    except _StockGone:
        return False
    for order in orders:
        fields = ORDER_MACHINE.move(order, OrderStatus.PENDING_PAYMENT)
        order.cancelled_at = None
        order.save(update_fields=[*fields, "cancelled_at"])
        audit.record(None, "orders.order.reinstated", order, {"payment": payment.out_trade_no})
    return True


class _StockGone(Exception):
    """Rolls back the reservations of a late payment that cannot be honoured."""


def due_for_expiry(now: dt.datetime) -> list[int]:
    return list(
        Order.objects.filter(
            status=OrderStatus.PENDING_PAYMENT,
            reserved_until__lt=now,
            payment__status=PaymentStatus.PENDING,
        )
        .values_list("payment_id", flat=True)
        .distinct()
    )


def may_view(user: User, payment: Payment) -> bool:
    return any(
        allowed(user, "orders.view_order", order)
        for order in payment.orders.select_related("county", "seller", "pickup_point")
    )


def check_cash_point(payment: Payment, point: ServicePoint) -> None:
    if payment.orders.exclude(pickup_point=point).exists():
        raise ValidationFailed(
            _("These orders are picked up at another point."), code="wrong_point"
        )


def close_payment_if_nothing_left(payment: Payment, *, actor: User | None) -> None:
    """After an unpaid order was cancelled: close the payment once none of its orders is
    live. Call with the payment locked."""
    if (
        payment.status == PaymentStatus.PENDING
        and not payment.orders.exclude(status=OrderStatus.CANCELLED).exists()
    ):
        payment_services.close_unpaid_payment(payment, actor=actor, expired=False)


CHECKOUT_PURPOSE = PaymentPurpose(
    name=CHECKOUT,
    on_received=allocate_paid_orders,
    on_expired=expire_orders,
    reinstate=reinstate_expired_orders,
    due_for_expiry=due_for_expiry,
    may_view=may_view,
    check_cash_point=check_cash_point,
    return_path=lambda payment: reverse("orders:payment-returned", args=[payment.pk]),
)
