"""The excursion rule in force for each temperature class of a county: its stored row, or
the defaults below.

Chilled (0–4 °C) and frozen (−18 °C or colder) come from `temperature.DEFAULT_RANGE_CELSIUS`.
Ambient has no range there; here it is −20 to 30 °C, because the county's ambient goods
are dry (jerky, chura, tea, barley, crafts) and take the plateau's winter: an unheated
hub at 4,000 m falls below −10 °C on winter nights, so a floor there would raise an alert
every night that nobody should act on. Below −20 °C is outside what the lithium power
banks on sale may be stored at, and above 30 °C, in a closed van in the sun, the fat of
jerky and cheese turns and tea takes up moisture.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from highland.logistics.models import ExcursionRule
from highland.logistics.models.coldchain import DEFAULT_ACTIVATION_ENERGY_J_PER_MOL
from highland.logistics.temperature import DEFAULT_RANGE_CELSIUS, TemperatureClass

AMBIENT_RANGE_CELSIUS = (-20.0, 30.0)
# How long out of range before it is an excursion: a door opened to load a van warms the
# air at the sensor for minutes, not for half an hour.
DEFAULT_EXCURSION_MINUTES: dict[str, int] = {
    TemperatureClass.FROZEN: 30,
    TemperatureClass.CHILLED: 30,
    TemperatureClass.AMBIENT: 120,
}
# Sensors report every 1 to 5 minutes; half an hour without one is a fault or a dead
# battery for a chilled or frozen space, an hour for an ambient one.
DEFAULT_SILENT_MINUTES: dict[str, int] = {
    TemperatureClass.FROZEN: 30,
    TemperatureClass.CHILLED: 30,
    TemperatureClass.AMBIENT: 60,
}


def _centi(celsius: float | None) -> int | None:
    return None if celsius is None else round(celsius * 100)


@dataclass(frozen=True)
class EffectiveRule:
    temperature_class: str
    min_centi: int | None
    max_centi: int | None
    excursion_after_minutes: int
    silent_after_minutes: int | None
    activation_energy: int
    stored: bool = False

    def is_out(self, centi: int) -> bool:
        return (self.min_centi is not None and centi < self.min_centi) or (
            self.max_centi is not None and centi > self.max_centi
        )

    def in_range_q(self, field: str = "centi_celsius") -> Q:
        """The readings inside the range, as a filter."""
        condition = Q()
        if self.min_centi is not None:
            condition &= Q(**{f"{field}__gte": self.min_centi})
        if self.max_centi is not None:
            condition &= Q(**{f"{field}__lte": self.max_centi})
        return condition

    @property
    def has_range(self) -> bool:
        return self.min_centi is not None or self.max_centi is not None

    @property
    def min_celsius(self) -> float | None:
        return None if self.min_centi is None else self.min_centi / 100

    @property
    def max_celsius(self) -> float | None:
        return None if self.max_centi is None else self.max_centi / 100


def default_rule(temperature_class: str) -> EffectiveRule:
    low, high = DEFAULT_RANGE_CELSIUS[temperature_class]
    if temperature_class == TemperatureClass.AMBIENT and low is None and high is None:
        low, high = AMBIENT_RANGE_CELSIUS
    return EffectiveRule(
        temperature_class=temperature_class,
        min_centi=_centi(low),
        max_centi=_centi(high),
        excursion_after_minutes=DEFAULT_EXCURSION_MINUTES[temperature_class],
        silent_after_minutes=DEFAULT_SILENT_MINUTES[temperature_class],
        activation_energy=DEFAULT_ACTIVATION_ENERGY_J_PER_MOL,
    )


def from_row(row: ExcursionRule) -> EffectiveRule:
    return EffectiveRule(
        temperature_class=row.temperature_class,
        min_centi=row.min_centi_celsius,
        max_centi=row.max_centi_celsius,
        excursion_after_minutes=row.excursion_after_minutes,
        silent_after_minutes=row.silent_after_minutes,
        activation_energy=row.activation_energy_j_per_mol,
        stored=True,
    )


def rules_for(county_id: int) -> dict[str, EffectiveRule]:
    """Every class's rule in the county (one query)."""
    rules = {value: default_rule(value) for value in TemperatureClass.values}
    for row in ExcursionRule.objects.filter(county_id=county_id):
        rules[row.temperature_class] = from_row(row)
    return rules
