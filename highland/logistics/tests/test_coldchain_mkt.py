"""Mean kinetic temperature against hand-computed examples, and how readings at uneven
intervals are weighted."""

from __future__ import annotations

import datetime as dt

import pytest

from highland.logistics.coldchain.mkt import (
    Segment,
    held_segments,
    mean_kinetic_temperature,
    seconds_out_of_range,
    segments_mkt,
)

T0 = dt.datetime(2026, 3, 2, 0, 0, tzinfo=dt.UTC)


def minutes(value: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=value)


def test_two_hours_at_5_and_one_hour_at_25_degrees_by_hand() -> None:
    # ΔH/R = 83144 / 8.3144598 = 9999.928 K
    # 5 °C = 278.15 K:  e^(−9999.928/278.15) = e^(−35.951566) = 2.4346317e-16
    # 25 °C = 298.15 K: e^(−9999.928/298.15) = e^(−33.539923) = 2.7151665e-15
    # weighted mean: (2 × 2.4346317e-16 + 1 × 2.7151665e-15) / 3 = 1.0673643e-15
    # −ln(1.0673643e-15) = 34.473584
    # T_mk = 9999.928 / 34.473584 = 290.0751 K = 16.9251 °C (the plain mean is 11.67 °C)
    result = mean_kinetic_temperature([(5.0, 2 * 3600), (25.0, 3600)])

    assert result == pytest.approx(16.9251, abs=5e-4)


def test_the_activation_energy_can_be_set() -> None:
    # ΔH = 60 kJ/mol: ΔH/R = 7216.344 K; the same arithmetic gives 15.4857 °C, nearer the
    # plain mean: a lower ΔH weighs the warm hour less.
    result = mean_kinetic_temperature([(5.0, 2), (25.0, 1)], activation_energy=60_000)

    assert result == pytest.approx(15.4857, abs=5e-4)


@pytest.mark.parametrize("celsius", [-25.0, -18.0, 0.0, 4.0, 30.0])
def test_a_constant_temperature_is_its_own_mkt(celsius) -> None:
    assert mean_kinetic_temperature([(celsius, 10), (celsius, 50)]) == pytest.approx(celsius)


def test_no_time_gives_no_mkt() -> None:
    assert mean_kinetic_temperature([]) is None
    assert mean_kinetic_temperature([(5.0, 0)]) is None


def test_readings_at_uneven_intervals_are_weighted_by_the_time_each_stands_for() -> None:
    readings = [(minutes(0), 5.0), (minutes(20), 25.0), (minutes(30), 5.0)]

    segments = held_segments(readings, start=minutes(0), end=minutes(60))

    assert segments == [
        Segment(minutes(0), minutes(20), 5.0),
        Segment(minutes(20), minutes(30), 25.0),
        Segment(minutes(30), minutes(60), 5.0),
    ]
    # 50 minutes at 5 °C and 10 at 25 °C:
    # (50 × 2.4346317e-16 + 10 × 2.7151665e-15) / 60 = 6.5541373e-16; −ln = 34.961265
    # T_mk = 9999.928 / 34.961265 = 286.0288 K = 12.8788 °C
    assert segments_mkt(segments) == pytest.approx(12.8788, abs=5e-4)
    assert seconds_out_of_range(segments, 0.0, 4.0) == 60 * 60
    assert seconds_out_of_range(segments, 0.0, 8.0) == 10 * 60


def test_a_reading_holds_at_most_max_hold_and_one_before_the_window_holds_into_it() -> None:
    readings = [(minutes(-10), 3.0), (minutes(30), 4.0), (minutes(200), 9.0)]

    segments = held_segments(
        readings, start=minutes(0), end=minutes(120), max_hold=dt.timedelta(minutes=30)
    )

    # −10 holds until 20 (clipped to start at 0); 30 holds until 60; 60–120 has no data;
    # the reading at 200 is after the window.
    assert segments == [
        Segment(minutes(0), minutes(20), 3.0),
        Segment(minutes(30), minutes(60), 4.0),
    ]
