"""The text messages of orders: a receipt for an order an agent placed for a villager, and
a warning before an unpaid order's hold runs out. Queued in their cause's transaction
(`highland.messaging`), sent after commit, once per cause."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from highland.core.models import User
from highland.core.money import format_fen
from highland.messaging.kinds import MessageKind, register_kind
from highland.messaging.selectors import already_queued
from highland.messaging.services import language_for, queue_text_message
from highland.orders.models import Delivery, Order, OrderStatus
from highland.payments.models import Payment, PaymentStatus

RECEIPT_PICKUP = "orders.receipt_pickup"
RECEIPT_ADDRESS = "orders.receipt_address"
EXPIRY_WARNING = "orders.expiry_warning"
# A text message is short: this many characters of lines, then an ellipsis.
LINES_LENGTH = 40


def register_kinds() -> None:
    """Called from `OrdersConfig.ready()`."""
    register_kind(
        MessageKind(
            RECEIPT_PICKUP,
            gettext_noop(
                "Highland order %(number)s: %(lines)s. Total %(total)s. Pick it up at "
                "%(point)s with pickup code %(code)s. The goods are held until %(until)s."
            ),
        )
    )
    register_kind(
        MessageKind(
            RECEIPT_ADDRESS,
            gettext_noop(
                "Highland order %(number)s: %(lines)s. Total %(total)s. "
                "The goods are held until %(until)s."
            ),
        )
    )
    register_kind(
        MessageKind(
            EXPIRY_WARNING,
            gettext_noop(
                "Highland: your order %(numbers)s (%(total)s) is not paid yet. Pay by "
                "%(until)s, or the goods are released."
            ),
        )
    )


def _moment(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%m-%d %H:%M")


def _short_lines(order: Order) -> str:
    text = ", ".join(f"{line.product_name} ×{line.quantity}" for line in order.lines.all())
    return text if len(text) <= LINES_LENGTH else text[: LINES_LENGTH - 1] + "…"


def _phone_of(order: Order) -> str:
    return order.buyer.phone or order.recipient_phone


def queue_order_receipts(orders: list[Order], *, actor: User) -> int:
    """Text the buyer a receipt for each order (if they have a phone); returns how many.

    Call inside the checkout's transaction.
    """
    queued = 0
    for order in orders:
        phone = _phone_of(order)
        if not phone:
            continue
        with translation.override(language_for(order.buyer, None)):
            point = order.pickup_point.name if order.pickup_point is not None else ""
        params = {
            "number": order.number,
            "lines": _short_lines(order),
            "total": format_fen(order.total_fen),
            "until": _moment(order.reserved_until),
        }
        if order.delivery == Delivery.PICKUP:
            params.update(point=point, code=order.pickup_code)
        queue_text_message(
            order.county,
            phone=phone,
            person=order.buyer,
            kind=RECEIPT_PICKUP if order.delivery == Delivery.PICKUP else RECEIPT_ADDRESS,
            params=params,
            dedupe_key=f"orders.receipt:{order.number}",
            actor=actor,
        )
        queued += 1
    return queued


def warn_of_expiring_orders(*, now: dt.datetime | None = None) -> int:
    """Text each buyer whose unpaid orders' hold ends within ORDER_EXPIRY_WARNING_HOURS, once
    per payment; returns how many warnings were queued (the scheduled job)."""
    now = now or timezone.now()
    horizon = now + dt.timedelta(hours=settings.ORDER_EXPIRY_WARNING_HOURS)
    payments = (
        Payment.objects.filter(
            status=PaymentStatus.PENDING,
            orders__status=OrderStatus.PENDING_PAYMENT,
            orders__reserved_until__gt=now,
            orders__reserved_until__lte=horizon,
        )
        .select_related("payer", "county")
        .distinct()
    )
    queued = 0
    for payment in payments:
        dedupe_key = f"orders.expiry_warning:{payment.out_trade_no}"
        if already_queued(payment.county, dedupe_key):
            continue
        with transaction.atomic():
            orders = list(payment.orders.filter(status=OrderStatus.PENDING_PAYMENT).order_by("pk"))
            phone = payment.payer.phone or next(
                (order.recipient_phone for order in orders if order.recipient_phone), ""
            )
            if not orders or not phone:
                continue
            queue_text_message(
                payment.county,
                phone=phone,
                person=payment.payer,
                kind=EXPIRY_WARNING,
                params={
                    "numbers": ", ".join(order.number for order in orders),
                    "total": format_fen(sum(order.total_fen for order in orders)),
                    "until": _moment(min(order.reserved_until for order in orders)),
                },
                dedupe_key=dedupe_key,
                actor=None,
            )
            queued += 1
    return queued
