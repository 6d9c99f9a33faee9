"""Until when a point holds an unpaid cash order: its closing time on its next opening day.

`closing_on_next_opening_day` is pure (no database, no clock), so it is tested on its own;
`cash_held_until` applies the county's rule (`County.cash_hold_rule`) to a point.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone

from highland.core.models import CashHoldRule
from highland.network.models import ServicePoint

# (weekday 0 = Monday, opens, closes), as `OpeningHours` stores a period.
Period = tuple[int, dt.time, dt.time]


def closing_on_next_opening_day(now: dt.datetime, periods: Iterable[Period]) -> dt.datetime | None:
    """The point's last closing time on the first opening day whose closing is after `now`.

    Today counts when the point opens today and has not closed yet; otherwise the next
    day it opens (a week ahead at most, the same weekday after today's closing). The
    answer is in `now`'s time zone (the project's, Asia/Shanghai); None when the point
    has no opening hours. A day with several periods closes at its latest one.
    """
    closing_by_weekday: dict[int, dt.time] = {}
    for weekday, _opens, closes in periods:
        if weekday not in closing_by_weekday or closes > closing_by_weekday[weekday]:
            closing_by_weekday[weekday] = closes
    if not closing_by_weekday:
        return None
    local = timezone.localtime(now)
    for offset in range(8):
        day = local.date() + dt.timedelta(days=offset)
        closing = closing_by_weekday.get(day.weekday())
        if closing is None:
            continue
        candidate = timezone.make_aware(dt.datetime.combine(day, closing), local.tzinfo)
        if candidate > local:
            return candidate
    return None  # pragma: no cover - a weekday with hours comes round within 8 days


def cash_held_until(point: ServicePoint, now: dt.datetime) -> dt.datetime:
    """Until when `point` holds an order that is paid in cash there, by its county's rule.

    Reads the point's opening hours (one query unless prefetched) and its county.
    """
    county = point.county
    fallback = now + dt.timedelta(hours=county.cash_hold_hours)
    if county.cash_hold_rule == CashHoldRule.HOURS:
        return fallback
    periods = [
        (period.weekday, period.opens, period.closes) for period in point.opening_hours.all()
    ]
    return closing_on_next_opening_day(now, periods) or fallback
