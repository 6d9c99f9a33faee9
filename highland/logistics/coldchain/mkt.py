"""Mean kinetic temperature and time-weighted exposure: pure functions, no database.

    T_mk = (ΔH/R) / (−ln( Σ e^(−ΔH/(R·T_i)) Δt_i / Σ Δt_i ))      (kelvin)

ΔH is the activation energy (83.144 kJ/mol unless a rule sets another), R the gas constant.
Readings come at uneven intervals, so each temperature is weighted by the time it stands
for: a reading holds from its own time until the next reading, but never longer than
`max_hold` (a gap longer than that is time without data, not time at the last value).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

GAS_CONSTANT = 8.3144598  # J/(mol·K), CODATA 2014 as USP <1079.2> uses it
DEFAULT_ACTIVATION_ENERGY = 83_144.0  # J/mol
KELVIN_AT_ZERO_CELSIUS = 273.15
# A reading stands for at most this long (sensors report every 1 to 5 minutes).
DEFAULT_MAX_HOLD = dt.timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of time at one temperature."""

    start: dt.datetime
    end: dt.datetime
    celsius: float

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


def mean_kinetic_temperature(
    weighted: Iterable[tuple[float, float]],
    *,
    activation_energy: float = DEFAULT_ACTIVATION_ENERGY,
) -> float | None:
    """The MKT in °C of (celsius, weight) pairs, weights in any unit of time; None when
    the weights add up to nothing."""
    ratio = activation_energy / GAS_CONSTANT  # kelvin
    total_weight = 0.0
    total = 0.0
    for celsius, weight in weighted:
        if weight <= 0:
            continue
        total_weight += weight
        total += weight * math.exp(-ratio / (celsius + KELVIN_AT_ZERO_CELSIUS))
    if total_weight == 0:
        return None
    return ratio / -math.log(total / total_weight) - KELVIN_AT_ZERO_CELSIUS


def held_segments(
    readings: Sequence[tuple[dt.datetime, float]],
    *,
    start: dt.datetime,
    end: dt.datetime,
    max_hold: dt.timedelta = DEFAULT_MAX_HOLD,
) -> list[Segment]:
    """The stretches of [start, end) each reading stands for. `readings` are one sensor's,
    sorted by time; one before `start` may hold into the window."""
    segments: list[Segment] = []
    for index, (measured_at, celsius) in enumerate(readings):
        next_at = readings[index + 1][0] if index + 1 < len(readings) else end
        held_from = max(measured_at, start)
        held_to = min(next_at, measured_at + max_hold, end)
        if held_to > held_from:
            segments.append(Segment(held_from, held_to, celsius))
    return segments


def segments_mkt(
    segments: Iterable[Segment], *, activation_energy: float = DEFAULT_ACTIVATION_ENERGY
) -> float | None:
    return mean_kinetic_temperature(
        ((segment.celsius, segment.seconds) for segment in segments),
        activation_energy=activation_energy,
    )


def in_range(celsius: float, low: float | None, high: float | None) -> bool:
    return (low is None or celsius >= low) and (high is None or celsius <= high)


def seconds_out_of_range(
    segments: Iterable[Segment], low: float | None, high: float | None
) -> float:
    return sum(segment.seconds for segment in segments if not in_range(segment.celsius, low, high))


def covered_seconds(segments: Iterable[Segment]) -> float:
    return sum(segment.seconds for segment in segments)
