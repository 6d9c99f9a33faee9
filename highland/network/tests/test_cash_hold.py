"""Until when a point holds an unpaid cash order: its closing time on its next opening day."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from highland.core.models import CashHoldRule
from highland.network.hours import cash_held_until, closing_on_next_opening_day

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEKDAYS_9_TO_18 = [(day, dt.time(9), dt.time(18)) for day in range(5)]  # Monday to Friday


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A moment in the week of Monday 7 December 2026, Beijing time."""
    return dt.datetime(2026, 12, 7 + day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("now", "held_until"),
    [
        (at(0, 8), at(0, 18)),  # Monday before opening: Monday's closing
        (at(0, 12), at(0, 18)),  # Monday while open: Monday's closing
        (at(0, 17, 59), at(0, 18)),
        (at(0, 18), at(1, 18)),  # Monday at closing: Tuesday's
        (at(0, 20), at(1, 18)),  # Monday after closing: Tuesday's
        (at(4, 19), at(7, 18)),  # Friday evening: next Monday's
        (at(5, 10), at(7, 18)),  # Saturday (closed): Monday's
        (at(6, 23, 59), at(7, 18)),  # Sunday night
    ],
)
def test_held_until_the_closing_of_the_next_opening_day(now, held_until):
    assert closing_on_next_opening_day(now, WEEKDAYS_9_TO_18) == held_until


def test_a_day_with_two_periods_closes_at_the_later_one():
    periods = [(0, dt.time(8), dt.time(11)), (0, dt.time(18), dt.time(21))]

    assert closing_on_next_opening_day(at(0, 12), periods) == at(0, 21)
    assert closing_on_next_opening_day(at(0, 21, 30), periods) == at(7, 21)


def test_a_point_open_one_day_a_week_holds_until_that_day_next_week():
    assert closing_on_next_opening_day(at(2, 19), [(2, dt.time(9), dt.time(18))]) == at(9, 18)


def test_an_utc_moment_is_read_in_beijing_time():
    # Monday 19:00 in Beijing is 11:00 UTC: the point has closed for the day.
    now = dt.datetime(2026, 12, 7, 11, 0, tzinfo=dt.UTC)

    assert closing_on_next_opening_day(now, WEEKDAYS_9_TO_18) == at(1, 18)


def test_no_hours_no_answer():
    assert closing_on_next_opening_day(at(0, 12), []) is None


periods_strategy = st.lists(
    st.tuples(
        st.integers(0, 6),
        st.integers(0, 22).map(lambda hour: dt.time(hour)),
        st.integers(1, 23),
    )
    .filter(lambda period: period[2] > period[1].hour)
    .map(lambda period: (period[0], period[1], dt.time(period[2]))),
    min_size=1,
    max_size=10,
)


@given(
    periods=periods_strategy,
    now=st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2027, 12, 31)).map(
        lambda moment: moment.replace(tzinfo=SHANGHAI)
    ),
)
def test_the_hold_ends_at_a_closing_time_after_now_within_a_week_and_none_earlier(periods, now):
    held = closing_on_next_opening_day(now, periods)

    assert held is not None
    assert now < held <= now + dt.timedelta(days=8)
    closings = {(weekday, closes) for weekday, _opens, closes in periods}
    latest = {
        weekday: max(closes for day, closes in closings if day == weekday)
        for weekday, _closes in closings
    }
    assert latest[held.weekday()] == held.timetz().replace(tzinfo=None)
    # No earlier opening day closes after now.
    day = now.date()
    while day < held.date():
        if day.weekday() in latest:
            closing = dt.datetime.combine(day, latest[day.weekday()], tzinfo=SHANGHAI)
            assert closing <= now
        day += dt.timedelta(days=1)


def test_a_village_point_holds_until_tonight_or_the_county_hours(demo):
    point = demo.point("LT-S01-V01")  # open 08–11 and 18–21 every day
    morning = at(0, 9)

    assert cash_held_until(point, morning) == at(0, 21)

    point.opening_hours.all().delete()
    assert cash_held_until(point, morning) == morning + dt.timedelta(hours=24)

    demo.county.cash_hold_rule = CashHoldRule.HOURS
    demo.county.cash_hold_hours = 6
    demo.county.save(update_fields=["cash_hold_rule", "cash_hold_hours"])
    point.refresh_from_db()
    assert cash_held_until(point, morning) == morning + dt.timedelta(hours=6)
