"""Background work for orders: runs on Celery workers, or in-process without a broker."""

from __future__ import annotations

from celery import shared_task

from highland.orders import aftersales


@shared_task(name="orders.settle_sellers")
def settle_sellers_daily() -> int:
    """Pay sellers what became due (scheduled daily)."""
    from highland.core.models import County
    from highland.orders.settlement import settle_sellers

    return sum(len(settle_sellers(county, actor=None).payouts) for county in County.objects.all())


@shared_task(name="orders.escalate_aftersales")
def escalate_aftersales() -> int:
    """Hand after-sale requests the seller left unanswered for 48 hours to the service
    centre. Meant to run every 15 minutes."""
    return aftersales.escalate_overdue_aftersales()


@shared_task(name="orders.close_group_buys")
def close_group_buys() -> int:
    """Close the group buys whose cut-off passed (scheduled every 5 minutes)."""
    from highland.orders.groupbuys import close_due_group_buys

    return close_due_group_buys()


@shared_task(name="orders.warn_of_expiring_orders")
def warn_of_expiring_orders() -> int:
    """Text buyers whose unpaid orders' hold runs out soon (scheduled every 15 minutes)."""
    from highland.orders.texts import warn_of_expiring_orders as warn

    return warn()
