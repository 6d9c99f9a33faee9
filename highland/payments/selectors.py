"""Reads of payments and refunds: what people still have to do with money."""

from __future__ import annotations

from collections.abc import Collection

from django.db.models import QuerySet

from highland.core.models import County
from highland.ledger import accounts
from highland.network.models import ServicePoint
from highland.payments.models import PaymentMethod, Refund, RefundStatus


def refunds_to_hand_back(point: ServicePoint) -> QuerySet[Refund]:
    """Cash refunds the point's agent still has to hand back, oldest first."""
    return (
        Refund.objects.filter(
            point=point, method=PaymentMethod.CASH_AT_POINT, status=RefundStatus.REQUESTED
        )
        .select_related("payment__payer")
        .order_by("created_at", "pk")
    )


def refunds_needing_a_person(county: County) -> QuerySet[Refund]:
    """Bank refunds to send and gateway refunds that failed: for a centre operator."""
    return (
        Refund.objects.filter(county=county)
        .filter(
            status__in=(RefundStatus.REQUESTED, RefundStatus.FAILED),
            method__in=(PaymentMethod.BANK_TRANSFER, PaymentMethod.GATEWAY),
        )
        .exclude(method=PaymentMethod.GATEWAY, status=RefundStatus.REQUESTED)
        .select_related("payment__payer")
        .order_by("created_at", "pk")
    )


def point_account_names(county: County, codes: Collection[str]) -> dict[str, str]:
    """The service point of each point cash account code, by name in the reader's language.

    Registered in the ledger's `PARTY_NAMES`; one query.
    """
    points = {code: accounts.point_of(code) for code in codes}
    wanted = {point for point in points.values() if point is not None}
    if not wanted:
        return {}
    names = {
        point.code: point.name
        for point in ServicePoint.objects.filter(county=county, code__in=wanted)
    }
    return {
        code: names[point] for code, point in points.items() if point is not None and point in names
    }
