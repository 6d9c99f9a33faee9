"""Reading what sensors send: the MQTT topic and JSON payload (docs/telemetry.md), and one
reading's time and temperature, checked the same way for MQTT and for HTTP uploads.

Nothing here touches the database; a refusal is a value, never an exception, so one bad
message is counted and the rest of its batch is stored.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from highland.logistics.models import TelemetryOutcome

TOPIC_ROOT = "highland"
SUBSCRIPTION = f"{TOPIC_ROOT}/+/sensors/+/readings"
TOPIC = re.compile(
    rf"^{TOPIC_ROOT}/(?P<county>[0-9]{{6}})/sensors/(?P<sensor>[A-Za-z0-9_.-]{{1,40}})/readings$"
)
MAX_PAYLOAD_BYTES = 64 * 1024
MAX_READINGS_PER_MESSAGE = 500
# A device clock may run a little fast; beyond this a time is impossible.
MAX_CLOCK_AHEAD = dt.timedelta(minutes=5)
# No Highland sensor reported before 2020: earlier times are a reset device clock.
EARLIEST = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
# The widest any logger measures (and what `Reading` accepts), in hundredths of a degree.
LOWEST_CENTI = -6000
HIGHEST_CENTI = 7000
HUNDREDTH = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class CheckedReading:
    measured_at: dt.datetime
    centi_celsius: int
    message_id: str


@dataclass(frozen=True, slots=True)
class Refusal:
    outcome: str  # a TelemetryOutcome
    detail: str
    message_id: str = ""


@dataclass(frozen=True, slots=True)
class TopicReading:
    """A checked reading from a message, with the county and device its topic names."""

    county_code: str
    sensor_code: str
    reading: CheckedReading


@dataclass(frozen=True, slots=True)
class TopicRefusal:
    county_code: str | None
    refusal: Refusal


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _message_id(item: dict[str, Any]) -> str:
    value = item.get("id")
    if isinstance(value, str | int) and not isinstance(value, bool):
        return str(value)[:64]
    return ""


def check_time(value: Any, *, received_at: dt.datetime) -> dt.datetime | str:
    """The measured time, aware; or why it is refused."""
    if not isinstance(value, str) or len(value) > 40:
        return _("measured_at must be an ISO 8601 time with its UTC offset.")
    try:
        measured_at = dt.datetime.fromisoformat(value)
    except ValueError:
        return _("measured_at must be an ISO 8601 time with its UTC offset.")
    if measured_at.tzinfo is None or measured_at.utcoffset() is None:
        return _("measured_at has no UTC offset: the device's clock zone cannot be known.")
    if measured_at < EARLIEST:
        return _("measured_at is before 2020: the device's clock was probably reset.")
    if measured_at > received_at + MAX_CLOCK_AHEAD:
        return _("measured_at is in the future: the device's clock runs ahead.")
    return measured_at


def check_celsius(value: Any) -> int | str:
    """The temperature in hundredths of a degree (rounded half up), or why it is refused."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return _("celsius must be a number.")
    try:
        exact = Decimal(value) if not isinstance(value, float) else Decimal(str(value))
        if not exact.is_finite():
            return _("celsius must be a number.")
        centi = int((exact / HUNDREDTH).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except (InvalidOperation, ValueError, OverflowError):
        return _("celsius must be a number.")
    if not LOWEST_CENTI <= centi <= HIGHEST_CENTI:
        return _("celsius is outside what a sensor can measure (−60 to 70 °C).")
    return centi


def check_reading(item: Any, *, received_at: dt.datetime) -> CheckedReading | Refusal:
    """One reading `{"measured_at": "...", "celsius": -19.5, "id": "..."}`."""
    if not isinstance(item, dict):
        return Refusal(TelemetryOutcome.MALFORMED, _("A reading must be a JSON object."))
    message_id = _message_id(item)
    if "measured_at" not in item or "celsius" not in item:
        return Refusal(
            TelemetryOutcome.MALFORMED,
            _("A reading needs measured_at and celsius."),
            message_id,
        )
    measured_at = check_time(item["measured_at"], received_at=received_at)
    if isinstance(measured_at, str):
        return Refusal(TelemetryOutcome.BAD_TIME, measured_at, message_id)
    centi = check_celsius(item["celsius"])
    if isinstance(centi, str):
        return Refusal(TelemetryOutcome.BAD_VALUE, centi, message_id)
    return CheckedReading(measured_at, centi, message_id)


def parse_message(
    topic: str, payload: bytes, *, received_at: dt.datetime
) -> tuple[list[TopicReading], list[TopicRefusal]]:
    """The readings of one MQTT message and the refusals among them. A payload is one
    reading object or a list of them."""
    match = TOPIC.match(topic)
    if match is None:
        detail = _("The topic is not highland/<county>/sensors/<sensor>/readings: %(topic)s")
        return [], [
            TopicRefusal(None, Refusal(TelemetryOutcome.MALFORMED, detail % {"topic": topic[:120]}))
        ]
    county_code, sensor_code = match["county"], match["sensor"]

    def refused(detail: str) -> tuple[list[TopicReading], list[TopicRefusal]]:
        return [], [TopicRefusal(county_code, Refusal(TelemetryOutcome.MALFORMED, detail))]

    if len(payload) > MAX_PAYLOAD_BYTES:
        return refused(_("The message is larger than 64 KB."))
    try:
        data = json.loads(payload, parse_constant=_no_constants)
    except (ValueError, RecursionError):
        return refused(_("The message is not valid JSON."))
    items = data if isinstance(data, list) else [data]
    if not items:
        return refused(_("The message holds no reading."))
    if len(items) > MAX_READINGS_PER_MESSAGE:
        return refused(_("A message holds at most 500 readings."))
    readings: list[TopicReading] = []
    refusals: list[TopicRefusal] = []
    for item in items:
        checked = check_reading(item, received_at=received_at)
        if isinstance(checked, Refusal):
            refusals.append(TopicRefusal(county_code, checked))
        else:
            readings.append(TopicReading(county_code, sensor_code, checked))
    return readings, refusals
