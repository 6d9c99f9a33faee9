"""Cold chain: sensors in hub zones and vehicles, their readings, the rules each temperature
class is held to, and the alerts raised when a place runs out of range or a sensor falls
silent (ADR 0016).

Temperatures are stored as whole hundredths of a degree Celsius (`centi`): exact, two bytes
a reading, and finer than any logger's accuracy (±0.1–0.5 °C).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from highland.core.models import County, User
from highland.logistics.models.fleet import Vehicle
from highland.logistics.models.hub import HubZone
from highland.logistics.temperature import TemperatureClass

# The device codes a topic level may carry: no '/', '+' or '#'.
SENSOR_CODE_PATTERN = r"^[A-Za-z0-9_.-]{1,40}$"
# ΔH of the mean kinetic temperature unless a rule says otherwise (USP <1079.2>, J/mol).
DEFAULT_ACTIVATION_ENERGY_J_PER_MOL = 83_144


def celsius_from_centi(centi: int | None) -> Decimal | None:
    """-1950 -> Decimal('-19.50')."""
    return None if centi is None else Decimal(centi).scaleb(-2)


class Sensor(models.Model):
    """A temperature sensor or logger, fixed in one hub zone or one vehicle.

    A sensor never moves: moving a device retires its row and registers the same device
    code at the new place, so past readings stay with the place they were taken in.
    Only one active sensor of a county has a given code (the code in its MQTT topic).
    """

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="sensors")
    code = models.CharField(_("device code"), max_length=40)
    name = models.CharField(_("name"), max_length=60, blank=True)
    zone = models.ForeignKey(
        HubZone,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sensors",
        verbose_name=_("hub zone"),
    )
    vehicle = models.ForeignKey(
        Vehicle,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sensors",
        verbose_name=_("vehicle"),
    )
    # The class of the space it watches: its zone's, or what a refrigerated van runs at.
    temperature_class = models.CharField(
        _("temperature class"), max_length=10, choices=TemperatureClass.choices
    )
    active = models.BooleanField(_("active"), default=True)
    installed_at = models.DateTimeField(_("installed at"))
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    # The newest reading by device time, kept here so pages need no aggregate.
    last_reading_at = models.DateTimeField(_("last reading at"), null=True, blank=True)
    last_centi_celsius = models.SmallIntegerField(null=True, blank=True)
    last_received_at = models.DateTimeField(_("last heard at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("sensor")
        verbose_name_plural = _("sensors")
        ordering = ["county_id", "code", "-installed_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(zone__isnull=False, vehicle__isnull=True)
                | Q(zone__isnull=True, vehicle__isnull=False),
                name="sensor_in_one_place",
            ),
            models.UniqueConstraint(
                fields=["county", "code"],
                condition=Q(active=True),
                name="sensor_active_code_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()

    @property
    def last_celsius(self) -> Decimal | None:
        return celsius_from_centi(self.last_centi_celsius)

    @property
    def place(self) -> HubZone | Vehicle:
        place = self.zone if self.zone_id else self.vehicle
        assert place is not None
        return place


class Reading(models.Model):
    """One temperature a sensor measured. Lean on purpose: the subscriber writes thousands
    a second. (sensor, measured_at) is unique, so a message the broker delivers twice, or a
    logger uploaded twice, is stored once."""

    # No index of its own: the unique (sensor, measured_at) index serves every lookup.
    sensor = models.ForeignKey(
        Sensor, on_delete=models.PROTECT, related_name="readings", db_index=False
    )
    measured_at = models.DateTimeField(_("measured at"))  # the device's clock
    received_at = models.DateTimeField(_("received at"))
    centi_celsius = models.SmallIntegerField(_("temperature (0.01 °C)"))

    class Meta:
        verbose_name = _("reading")
        verbose_name_plural = _("readings")
        constraints = [
            models.UniqueConstraint(
                fields=["sensor", "measured_at"], name="reading_sensor_time_unique"
            ),
            models.CheckConstraint(
                condition=Q(centi_celsius__gte=-6000, centi_celsius__lte=7000),
                name="reading_plausible_temperature",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sensor_id} {self.measured_at:%Y-%m-%d %H:%M:%S} {self.celsius} °C"

    @property
    def celsius(self) -> Decimal:
        value = celsius_from_centi(self.centi_celsius)
        assert value is not None
        return value


class ExcursionRule(models.Model):
    """What a temperature class must keep to in one county: its range, how long readings
    may stay out of it before that is an excursion, and after how long without a reading a
    sensor counts as silent. Without a row the defaults of `coldchain.rules` apply."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="excursion_rules")
    temperature_class = models.CharField(
        _("temperature class"), max_length=10, choices=TemperatureClass.choices
    )
    min_centi_celsius = models.SmallIntegerField(
        _("lowest allowed (0.01 °C)"), null=True, blank=True
    )
    max_centi_celsius = models.SmallIntegerField(
        _("highest allowed (0.01 °C)"), null=True, blank=True
    )
    excursion_after_minutes = models.PositiveIntegerField(_("out of range for (minutes)"))
    # None: no silent-sensor alerts for this class.
    silent_after_minutes = models.PositiveIntegerField(
        _("silent after (minutes)"), null=True, blank=True
    )
    activation_energy_j_per_mol = models.PositiveIntegerField(
        _("activation energy ΔH (J/mol)"), default=DEFAULT_ACTIVATION_ENERGY_J_PER_MOL
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("excursion rule")
        verbose_name_plural = _("excursion rules")
        ordering = ["county_id", "temperature_class"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "temperature_class"], name="excursion_rule_class_unique"
            ),
            models.CheckConstraint(
                condition=Q(min_centi_celsius__isnull=True)
                | Q(max_centi_celsius__isnull=True)
                | Q(min_centi_celsius__lt=models.F("max_centi_celsius")),
                name="excursion_rule_range_ordered",
            ),
            models.CheckConstraint(
                condition=Q(activation_energy_j_per_mol__gt=0),
                name="excursion_rule_energy_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.county_id} {self.temperature_class}"


class AlertKind(models.TextChoices):
    EXCURSION = "excursion", _("Out of range")
    SILENT = "silent", _("Sensor silent")


class ColdChainAlert(models.Model):
    """An excursion (readings out of range for longer than the rule allows) or a silent
    sensor, open until the condition ends, acknowledged by a person.

    `started_at`/`ended_at` are device times (the first out-of-range reading, the first
    reading back in range; the last reading before the silence, the first after it);
    `opened_at`/`closed_at` are when the server raised and cleared the alert.
    """

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="cold_alerts")
    sensor = models.ForeignKey(Sensor, on_delete=models.PROTECT, related_name="alerts")
    kind = models.CharField(_("kind"), max_length=10, choices=AlertKind.choices)
    # The class and range in force when the alert opened.
    temperature_class = models.CharField(
        _("temperature class"), max_length=10, choices=TemperatureClass.choices
    )
    min_centi_celsius = models.SmallIntegerField(null=True, blank=True)
    max_centi_celsius = models.SmallIntegerField(null=True, blank=True)
    started_at = models.DateTimeField(_("since"), null=True, blank=True)
    ended_at = models.DateTimeField(_("until"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    first_reading = models.ForeignKey(
        Reading, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_reading = models.ForeignKey(
        Reading, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closing_reading = models.ForeignKey(
        Reading, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    lowest_centi_celsius = models.SmallIntegerField(null=True, blank=True)
    highest_centi_celsius = models.SmallIntegerField(null=True, blank=True)
    reading_count = models.PositiveIntegerField(_("readings out of range"), default=0)
    acknowledged_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cold_alerts_acknowledged",
        verbose_name=_("acknowledged by"),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledgement_note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("cold-chain alert")
        verbose_name_plural = _("cold-chain alerts")
        ordering = ["-opened_at", "-pk"]
        constraints = [
            # One open alert of each kind per sensor: the evaluation updates it.
            models.UniqueConstraint(
                fields=["sensor", "kind"],
                condition=Q(closed_at__isnull=True),
                name="cold_alert_one_open_per_sensor",
            ),
        ]
        indexes = [
            models.Index(fields=["county", "closed_at"], name="cold_alert_county_open"),
            models.Index(fields=["sensor", "kind", "started_at"], name="cold_alert_sensor_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.sensor_id} {self.opened_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def lowest_celsius(self) -> Decimal | None:
        return celsius_from_centi(self.lowest_centi_celsius)

    @property
    def highest_celsius(self) -> Decimal | None:
        return celsius_from_centi(self.highest_centi_celsius)


class TelemetryChannel(models.TextChoices):
    MQTT = "mqtt", _("MQTT")
    UPLOAD = "upload", _("Upload")


class TelemetryOutcome(models.TextChoices):
    STORED = "stored", _("Stored")
    DUPLICATE = "duplicate", _("Duplicate (already stored)")
    MALFORMED = "malformed", _("Malformed message")
    UNKNOWN_SENSOR = "unknown_sensor", _("Unknown sensor")
    BAD_TIME = "bad_time", _("Impossible timestamp")
    BAD_VALUE = "bad_value", _("Impossible temperature")


class TelemetryCounter(models.Model):
    """How many readings each channel stored, recognised as duplicates or refused and why,
    with the last refusal's details: what the cold-chain page shows of the intake.

    `county` is empty for messages whose topic names no county of this installation.
    """

    county = models.ForeignKey(
        County, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=TelemetryChannel.choices)
    outcome = models.CharField(_("outcome"), max_length=20, choices=TelemetryOutcome.choices)
    count = models.BigIntegerField(_("count"), default=0)
    last_at = models.DateTimeField(_("last at"))
    last_detail = models.CharField(_("last detail"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("telemetry counter")
        verbose_name_plural = _("telemetry counters")
        ordering = ["county_id", "channel", "outcome"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "channel", "outcome"], name="telemetry_counter_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.outcome}: {self.count}"
