"""Joining a group buy: a villager's share is a normal checkout on the window's terms."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.core import audit, idempotency
from highland.core.errors import ValidationFailed
from highland.core.idempotency import IdempotentRequest
from highland.core.models import User
from highland.core.permissions import require
from highland.network.models import ServicePoint
from highland.orders import services
from highland.orders.groupbuys.terms import JOIN_SCOPE, _lock, hold_until
from highland.orders.models import (
    Delivery,
    GroupBuy,
    GroupBuyItem,
    GroupBuyOrder,
    GroupBuyStatus,
)
from highland.payments.models import Payment, PaymentMethod

# --- joining ------------------------------------------------------------------------------


def _check_window(group_buy: GroupBuy, now: dt.datetime) -> None:
    is_open = group_buy.status == GroupBuyStatus.OPEN
    if is_open and group_buy.opens_at <= now < group_buy.closes_at:
        return
    if group_buy.status == GroupBuyStatus.DRAFT or (is_open and now < group_buy.opens_at):
        raise ValidationFailed(_("This group buy is not open yet."), code="not_open")
    if group_buy.status == GroupBuyStatus.CANCELLED:
        raise ValidationFailed(_("This group buy was cancelled."), code="group_buy_closed")
    raise ValidationFailed(
        _("This group buy closed at %(time)s; no more orders can join.")
        % {"time": timezone.localtime(group_buy.closes_at).strftime("%Y-%m-%d %H:%M")},
        code="group_buy_closed",
    )


def _price_rule(group_buy: GroupBuy, items: dict[int, GroupBuyItem]) -> services.PriceRule:
    """The window's terms for checkout: its group prices, and its hold on unpaid stock."""
    return services.PriceRule(
        unit_prices_fen={
            sku_id: item.group_price_fen for sku_id, item in items.items() if item.group_price_fen
        },
        reserved_until=hold_until(group_buy),
    )


@transaction.atomic
def join_group_buy(
    group_buy: GroupBuy,
    lines: Sequence[services.CheckoutLine],
    *,
    villager: User,
    point: ServicePoint,
    actor: User,
    idempotent_request: IdempotentRequest | None = None,
    now: dt.datetime | None = None,
) -> services.CheckoutResult:
    """An agent adds a villager's order to an open group buy, for pickup at their point.

    A normal cash-at-the-point checkout: the stock is reserved now (never oversold) and
    held until the cut-off, or until `collect_by` when villagers pay at pickup. With an
    idempotent request, repeating it returns the first result once the actor's
    permission holds again; the same key for a different request is a 409.
    """
    now = now or timezone.now()
    group_buy = _lock(group_buy.pk)
    require(actor, "orders.join_group_buy", point)
    claim = None
    if idempotent_request is not None:
        claim = idempotency.claim(
            JOIN_SCOPE, caller=idempotency.caller_of(actor), request=idempotent_request
        )
        if claim.replayed:
            return services.checkout_result_of(claim.stored_object(Payment))
    _check_window(group_buy, now)
    if not group_buy.points.filter(pk=point.pk).exists():
        raise ValidationFailed(
            _("This village point is not part of the group buy."), field="point", code="wrong_point"
        )
    if villager.pk != actor.pk:
        services.require_may_act_for(actor, villager)
    items = {item.sku_id: item for item in group_buy.items.all()}
    if not lines:
        raise ValidationFailed(_("Order at least one product."), field="lines", code="empty_cart")
    for line in lines:
        if line.quantity <= 0:
            raise ValidationFailed(_("Quantity must be at least 1."), field="quantity")
        if line.sku_id not in items:
            raise ValidationFailed(
                _("This product is not offered in the group buy."),
                field="lines",
                code="not_offered",
            )
    result = services.place_order(
        group_buy.county,
        lines,
        buyer=villager,
        actor=actor,
        delivery=services.DeliveryDetails(
            method=Delivery.PICKUP,
            recipient_name=str(villager),
            phone=villager.phone,
            pickup_point=point,
        ),
        payment_method=PaymentMethod.CASH_AT_POINT,
        # Priced and held on the window's terms as it is written: nothing is rewritten
        # after checkout, so its audit record states what is charged.
        price_rule=_price_rule(group_buy, items),
    )
    GroupBuyOrder.objects.bulk_create(
        GroupBuyOrder(group_buy=group_buy, order=order, joined_by=actor) for order in result.orders
    )
    audit.record(
        actor,
        "orders.group_buy.joined",
        group_buy,
        {
            "orders": [order.number for order in result.orders],
            "amount_fen": result.payment.amount_fen,
            "point": point.code,
            "lines": {str(line.sku_id): line.quantity for line in lines},
        },
        on_behalf_of=villager if villager.pk != actor.pk else None,
    )
    if claim is not None:
        claim.complete(obj=result.payment)
    return result
