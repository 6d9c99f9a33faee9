"""Background work for orders: runs on Celery workers, or in-process without a broker."""

from __future__ import annotations

from celery import shared_task

from highland.orders import services


@shared_task(name="orders.expire_reservations")
def expire_reservations() -> int:
    """Give back the stock of unpaid orders whose hold ran out (scheduled every minute)."""
    return services.expire_reservations()


@shared_task(name="orders.settle_sellers")
def settle_sellers_daily() -> int:
    """Pay sellers what became due (scheduled daily)."""
    from highland.core.models import County
    from highland.orders.settlement import settle_sellers

    return sum(len(settle_sellers(county, actor=None).payouts) for county in County.objects.all())
