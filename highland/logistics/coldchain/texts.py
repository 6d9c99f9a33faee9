"""Cold-chain alerts as text messages: an excursion opened or closed and a sensor fallen
silent go to the people who can act, each in their own language, through the outbox.

A hub zone's alerts go to the centre's operators; a vehicle's to the carrier's dispatchers
and the vehicle's usual driver. The outbox runs `text_cold_alert` after the alert's
transaction commits; the texts' dedupe keys make a retried delivery send nothing twice.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from highland.core import events
from highland.core.models import Membership, Role, User
from highland.logistics.models import AlertKind, ColdChainAlert, Sensor
from highland.messaging.kinds import MessageKind, register_kind
from highland.messaging.services import language_for, queue_text_message

EXCURSION_OPENED = "logistics.cold_excursion_opened"
EXCURSION_CLOSED = "logistics.cold_excursion_closed"
SENSOR_SILENT = "logistics.cold_sensor_silent"
SUBSCRIBER = "logistics.text_cold_alert"


def register_kinds() -> None:
    register_kind(
        MessageKind(
            EXCURSION_OPENED,
            gettext_noop(
                "Cold chain alert: %(place)s has been out of its range (%(range)s) since "
                "%(since)s, at %(lowest)s to %(highest)s °C (sensor %(sensor)s)."
            ),
        )
    )
    register_kind(
        MessageKind(
            EXCURSION_CLOSED,
            gettext_noop(
                "Cold chain: %(place)s is back in its range (%(range)s) since %(until)s "
                "(sensor %(sensor)s)."
            ),
        )
    )
    register_kind(
        MessageKind(
            SENSOR_SILENT,
            gettext_noop(
                "Cold chain alert: sensor %(sensor)s in %(place)s has sent no reading since "
                "%(since)s."
            ),
        )
    )


def celsius_text(centi: int | None) -> str:
    """-1950 -> '-19.5' (one decimal: what a phone screen needs)."""
    return "—" if centi is None else f"{centi / 100:.1f}"


def range_text(min_centi: int | None, max_centi: int | None) -> str:
    if min_centi is not None and max_centi is not None:
        return f"{celsius_text(min_centi)}–{celsius_text(max_centi)} °C"
    if max_centi is not None:
        return f"≤ {celsius_text(max_centi)} °C"
    if min_centi is not None:
        return f"≥ {celsius_text(min_centi)} °C"
    return "—"


def place_name(sensor: Sensor) -> str:
    """The zone's name in the active language, or the vehicle's plate and name."""
    if sensor.zone is not None:
        return f"{sensor.zone.name} ({sensor.zone.code})"
    assert sensor.vehicle is not None
    return str(sensor.vehicle)


def _local(moment: dt.datetime | None) -> str:
    return "—" if moment is None else timezone.localtime(moment).strftime("%m-%d %H:%M")


def recipients(sensor: Sensor) -> list[User]:
    """Who hears of the sensor's alerts (with a phone): see the module's docstring."""
    roles = [Role.CENTRE_OPERATOR] if sensor.zone_id else [Role.CARRIER_DISPATCHER]
    people = {
        user.pk: user
        for user in User.objects.filter(
            pk__in=Membership.objects.filter(
                county_id=sensor.county_id, role__in=roles, active=True
            ).values("user_id"),
            is_active=True,
        )
    }
    if sensor.vehicle is not None and sensor.vehicle.driver is not None:
        people.setdefault(sensor.vehicle.driver.pk, sensor.vehicle.driver)
    return sorted((person for person in people.values() if person.phone), key=lambda p: p.pk)


def _params(alert: ColdChainAlert, language: str) -> dict[str, str]:
    with translation.override(language):
        return {
            "place": place_name(alert.sensor),
            "sensor": alert.sensor.code,
            "range": range_text(alert.min_centi_celsius, alert.max_centi_celsius),
            "since": _local(alert.started_at),
            "until": _local(alert.ended_at),
            "lowest": celsius_text(alert.lowest_centi_celsius),
            "highest": celsius_text(alert.highest_centi_celsius),
        }


def _kind(event_name: str, alert: ColdChainAlert) -> str | None:
    from highland.logistics.services.coldchain.alerts import ALERT_CLOSED, ALERT_OPENED

    if alert.kind == AlertKind.EXCURSION:
        return {ALERT_OPENED: EXCURSION_OPENED, ALERT_CLOSED: EXCURSION_CLOSED}.get(event_name)
    if alert.kind == AlertKind.SILENT and event_name == ALERT_OPENED:
        return SENSOR_SILENT
    return None  # a sensor heard again needs no text: its next alert would say


def text_cold_alert(event: events.Event) -> None:
    """Outbox: queue the alert's texts (idempotent by dedupe key)."""
    alert = (
        ColdChainAlert.objects.select_related("county", "sensor__zone", "sensor__vehicle__driver")
        .filter(pk=event.payload["alert"])
        .first()
    )
    if alert is None:
        return
    kind = _kind(event.name, alert)
    if kind is None:
        return
    with transaction.atomic():
        for person in recipients(alert.sensor):
            language = language_for(person, None)
            queue_text_message(
                alert.county,
                phone=person.phone,
                person=person,
                kind=kind,
                params=_params(alert, language),
                dedupe_key=f"logistics.cold_alert:{alert.pk}:{kind}:{person.pk}",
                actor=None,
                language=language,
            )


def subscribe_texts() -> None:
    from highland.logistics.services.coldchain.alerts import ALERT_CLOSED, ALERT_OPENED

    events.subscribe(ALERT_OPENED, SUBSCRIBER, text_cold_alert)
    events.subscribe(ALERT_CLOSED, f"{SUBSCRIBER}_closed", text_cold_alert)
