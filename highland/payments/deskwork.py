"""The cards payments adds to an agent's desk (`network.desk`): cash refunds to hand back
and the day's cash to count. One query per card."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.core.models import User
from highland.core.money import format_fen
from highland.network.desk import ITEMS_PER_CARD, DeskCard, DeskItem
from highland.network.models import ServicePoint
from highland.payments.models import CashReconciliation, PaymentMethod, Refund, RefundStatus


def refunds_to_hand_back(
    agent: User, points: Sequence[ServicePoint], now: dt.datetime
) -> list[DeskCard]:
    """Cash refunds (a cancelled order, a catch-weight allowance) the agent still owes."""
    refunds = list(
        Refund.objects.filter(
            point__in=points, method=PaymentMethod.CASH_AT_POINT, status=RefundStatus.REQUESTED
        )
        .select_related("payment__payer", "point")
        .order_by("created_at", "pk")
    )
    items = [
        DeskItem(
            text=_("Hand %(amount)s back to %(villager)s at %(point)s")
            % {
                "amount": format_fen(refund.amount_fen),
                "villager": refund.payment.payer,
                "point": refund.point.name if refund.point else "",
            },
            url=reverse("payments:cash", args=[refund.point_id]),
        )
        for refund in refunds[:ITEMS_PER_CARD]
    ]
    return [
        DeskCard(
            key="payments.refunds_to_hand_back",
            title=_("Refunds to hand back in cash"),
            count=len(refunds),
            url=items[0].url if items else reverse("payments:cash", args=[points[0].pk]),
            position=15,
            items=items,
            empty_text=_("No refunds to hand back."),
        )
    ]


def cash_to_count(agent: User, points: Sequence[ServicePoint], now: dt.datetime) -> list[DeskCard]:
    """Each point's cash count for today, until it is recorded."""
    today = timezone.localdate(now)
    counted = set(
        CashReconciliation.objects.filter(point__in=points, business_date=today).values_list(
            "point_id", flat=True
        )
    )
    waiting = [point for point in points if point.pk not in counted]
    items = [
        DeskItem(
            text=_("Count today's cash at %(point)s") % {"point": point.name},
            url=reverse("payments:cash", args=[point.pk]),
        )
        for point in waiting[:ITEMS_PER_CARD]
    ]
    return [
        DeskCard(
            key="payments.cash_to_count",
            title=_("Today's cash to count"),
            count=len(waiting),
            url=items[0].url if items else reverse("payments:cash", args=[points[0].pk]),
            position=50,
            items=items,
            empty_text=_("Today's cash is counted at every point."),
        )
    ]
