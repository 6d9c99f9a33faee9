"""Excursions and silent sensors: opened only after the rule's minutes, closed when back,
derived from the readings whatever order they arrive in; texts; acknowledgement."""

from __future__ import annotations

import datetime as dt

import pytest

from highland.core import events
from highland.core.errors import Conflict, PermissionDenied, ValidationFailed
from highland.core.models import AuditRecord
from highland.logistics.models import AlertKind, ColdChainAlert, Reading
from highland.logistics.services.coldchain import (
    acknowledge_alert,
    alert_silent_sensors,
    evaluate_readings,
    ingest_mqtt_messages,
    set_excursion_rule,
)
from highland.logistics.services.coldchain.readings import SensorDirectory
from highland.logistics.tests.coldchain_setup import (
    T0,
    at,
    make_cold_setup,
    message,
    reading,
    watch_silence,
)
from highland.messaging.models import TextMessage

RECEIVED = T0 + dt.timedelta(hours=6)


@pytest.fixture
def cold(demo):
    return make_cold_setup(demo)


@pytest.fixture
def seen():
    """The alert events emitted, as (event name, alert id)."""
    names: list[tuple[str, int]] = []

    def record(event: events.Event) -> None:
        names.append((event.name.rsplit(".", 1)[1], event.payload["alert"]))

    with (
        events.subscribed(
            "logistics.cold_alert.opened", "test.opened", record, in_transaction=True
        ),
        events.subscribed(
            "logistics.cold_alert.closed", "test.closed", record, in_transaction=True
        ),
    ):
        yield names


def feed(sensor_code: str, *readings: dict) -> list[ColdChainAlert]:
    """Store readings as one MQTT batch, then evaluate the rules as the subscriber does."""
    outcome = ingest_mqtt_messages(
        [message(sensor_code, *readings)], directory=SensorDirectory(), received_at=RECEIVED
    )
    return evaluate_readings(outcome.news, now=RECEIVED)


def alerts(sensor) -> list[ColdChainAlert]:
    return list(ColdChainAlert.objects.filter(sensor=sensor).order_by("started_at"))


def test_an_excursion_opens_only_once_readings_stayed_out_for_the_rules_minutes(cold, seen) -> None:
    # Chilled: 0–4 °C, an excursion after 30 minutes out of range. Readings every 5 minutes.
    feed("T-C1", reading(0, 3.0))
    for minute in range(5, 35, 5):  # out from 5 to 30: 25 minutes
        feed("T-C1", reading(minute, 5.0 + minute / 10))
    assert alerts(cold.chilled) == []

    feed("T-C1", reading(35, 6.2))  # 30 minutes out: an excursion

    [alert] = alerts(cold.chilled)
    first = Reading.objects.get(sensor=cold.chilled, measured_at=at(5))
    last = Reading.objects.get(sensor=cold.chilled, measured_at=at(35))
    assert (alert.kind, alert.started_at, alert.ended_at, alert.closed_at) == (
        AlertKind.EXCURSION,
        at(5),
        None,
        None,
    )
    assert (alert.first_reading_id, alert.last_reading_id) == (first.pk, last.pk)
    assert (alert.lowest_centi_celsius, alert.highest_centi_celsius) == (550, 800)
    assert alert.reading_count == 7
    assert (alert.min_centi_celsius, alert.max_centi_celsius) == (0, 400)
    assert seen == [("opened", alert.pk)]

    feed("T-C1", reading(40, 9.0))  # still out: the same alert follows
    feed("T-C1", reading(45, 3.9))  # back in range: closed

    alert.refresh_from_db()
    closing = Reading.objects.get(sensor=cold.chilled, measured_at=at(45))
    assert (alert.ended_at, alert.closed_at, alert.closing_reading_id) == (
        at(45),
        RECEIVED,
        closing.pk,
    )
    assert (alert.highest_centi_celsius, alert.reading_count) == (900, 8)
    assert seen == [("opened", alert.pk), ("closed", alert.pk)]
    assert len(alerts(cold.chilled)) == 1


def test_a_short_excursion_raises_nothing(cold, seen) -> None:
    feed("T-C1", reading(0, 3.0), reading(5, 6.0), reading(25, 6.0), reading(30, 3.0))

    assert alerts(cold.chilled) == []
    assert seen == []


def test_readings_in_any_order_give_the_same_excursion(cold, seen) -> None:
    # A logger read out later: an hour at 8 °C, uploaded after the readings around it.
    feed("T-C1", reading(0, 2.0), reading(90, 2.0))
    feed("T-C1", reading(60, 8.0), reading(20, 8.0), reading(40, 8.5))

    [alert] = alerts(cold.chilled)
    assert (alert.started_at, alert.ended_at, alert.closed_at) == (at(20), at(90), RECEIVED)
    assert (alert.lowest_centi_celsius, alert.highest_centi_celsius, alert.reading_count) == (
        800,
        850,
        3,
    )
    assert seen == [("opened", alert.pk), ("closed", alert.pk)]

    # The same readings again change nothing.
    feed("T-C1", reading(60, 8.0), reading(20, 8.0))
    assert len(alerts(cold.chilled)) == 1
    assert seen == [("opened", alert.pk), ("closed", alert.pk)]


def test_a_late_reading_that_starts_the_excursion_earlier_moves_its_start(cold, seen) -> None:
    feed("T-C1", reading(0, 2.0), reading(30, 7.0), reading(70, 7.0))
    [alert] = alerts(cold.chilled)
    assert alert.started_at == at(30)

    feed("T-C1", reading(10, 6.0))

    alert.refresh_from_db()
    assert (alert.started_at, alert.reading_count, alert.lowest_centi_celsius) == (at(10), 3, 600)
    assert seen == [("opened", alert.pk)]


def test_a_late_excursion_is_found_and_a_later_open_one_left_as_it_is(cold, seen) -> None:
    feed("T-C1", reading(200, 2.0), reading(300, 9.0), reading(340, 9.5))  # open from 300
    [later] = alerts(cold.chilled)

    # A logger's earlier hours arrive afterwards: an hour out of range, then back.
    feed("T-C1", reading(0, 3.0), reading(10, 8.0), reading(70, 8.0), reading(80, 3.0))

    earlier, again = alerts(cold.chilled)
    assert (earlier.started_at, earlier.ended_at) == (at(10), at(80))
    assert again.pk == later.pk
    assert (again.started_at, again.closed_at, again.reading_count) == (at(300), None, 2)
    assert seen == [("opened", later.pk), ("opened", earlier.pk), ("closed", earlier.pk)]


def test_frozen_has_only_a_ceiling(cold) -> None:
    feed("T-F1", reading(0, -40.0), reading(30, -35.0), reading(40, -17.5), reading(75, -16.0))

    [alert] = alerts(cold.frozen)
    assert (alert.started_at, alert.min_centi_celsius, alert.max_centi_celsius) == (
        at(40),
        None,
        -1800,
    )


def test_a_rule_set_for_the_county_replaces_the_default(cold, demo) -> None:
    set_excursion_rule(
        demo.county,
        temperature_class="chilled",
        min_celsius=1.0,
        max_celsius=6.0,
        excursion_after_minutes=10,
        silent_after_minutes=None,
        actor=demo.user("operator"),
    )

    feed("T-C1", reading(0, 5.5), reading(10, 5.9), reading(20, 7.0), reading(30, 7.0))

    [alert] = alerts(cold.chilled)
    assert (alert.started_at, alert.max_centi_celsius) == (at(20), 600)


def test_an_excursion_texts_the_centre_operator_in_their_language(
    cold, demo, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        feed("T-C1", reading(0, 3.0), reading(10, 7.25), reading(40, 8.0))

    text = TextMessage.objects.get(kind="logistics.cold_excursion_opened")
    assert text.recipient == demo.user("operator")
    assert text.phone == "13800000002"
    assert text.language == "zh-hans"
    assert "C" in text.body and "T-C1" in text.body and "7.2" in text.body and "8.0" in text.body

    with django_capture_on_commit_callbacks(execute=True):
        feed("T-C1", reading(45, 2.0))

    assert TextMessage.objects.filter(kind="logistics.cold_excursion_closed").count() == 1


def test_a_vehicles_alert_texts_the_dispatcher_and_the_driver(
    cold, demo, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        feed("T-V1", reading(0, 12.0), reading(45, 12.0))

    recipients = set(
        TextMessage.objects.filter(kind="logistics.cold_excursion_opened").values_list(
            "recipient__username", flat=True
        )
    )
    assert recipients == {"dispatcher", "driver"}


# --- silent sensors -------------------------------------------------------------------------


def test_a_sensor_silent_for_the_rules_minutes_gets_an_alert_once_and_it_closes_when_heard(
    cold, demo, seen
) -> None:
    watch_silence(demo, minutes=30)
    feed("T-C1", reading(0, 3.0), reading(10, 3.1))
    feed("T-F1", reading(0, -20.0), reading(25, -20.0))
    feed("T-V1", reading(0, 3.0), reading(39, 3.0))

    # At 41 minutes only T-C1 has been silent for more than its 30 minutes.
    assert alert_silent_sensors(now=at(41)) == 1
    assert alert_silent_sensors(now=at(42)) == 0  # not twice
    [alert] = ColdChainAlert.objects.filter(kind=AlertKind.SILENT, sensor__code__startswith="T-")
    assert (alert.sensor_id, alert.started_at, alert.opened_at) == (cold.chilled.pk, at(10), at(41))
    assert alert.last_reading == Reading.objects.get(sensor=cold.chilled, measured_at=at(10))

    feed("T-C1", reading(50, 3.2))

    alert.refresh_from_db()
    assert (alert.ended_at, alert.closed_at) == (at(50), RECEIVED)
    assert seen == [("opened", alert.pk), ("closed", alert.pk)]


def test_a_sensor_that_never_reported_is_silent_from_its_installation(demo) -> None:
    cold = make_cold_setup(demo, installed_at=at(0))
    watch_silence(demo, minutes=30)

    opened = alert_silent_sensors(now=at(45))

    assert opened == 3
    silent = ColdChainAlert.objects.filter(kind=AlertKind.SILENT)
    assert sorted(silent.values_list("sensor_id", flat=True)) == sorted(
        [cold.chilled.pk, cold.frozen.pk, cold.van.pk]
    )
    assert {alert.started_at for alert in silent} == {at(0)}


# --- acknowledgement ------------------------------------------------------------------------


@pytest.fixture
def open_alert(cold) -> ColdChainAlert:
    feed("T-C1", reading(0, 9.0), reading(40, 9.0))
    return ColdChainAlert.objects.get(sensor=cold.chilled)


def test_the_operator_acknowledges_an_alert_with_a_note(open_alert, demo) -> None:
    operator = demo.user("operator")

    acknowledged = acknowledge_alert(
        open_alert, note="  Door left open; closed it.  ", actor=operator
    )

    assert acknowledged.acknowledged_by == operator
    assert acknowledged.acknowledgement_note == "Door left open; closed it."
    assert acknowledged.acknowledged_at is not None
    record = AuditRecord.objects.get(action="logistics.cold_alert.acknowledged")
    assert record.actor == operator
    assert record.object_id == str(open_alert.pk)
    assert record.changes == {
        "kind": "excursion",
        "sensor": open_alert.sensor_id,
        "note": "Door left open; closed it.",
        "alert_open": True,
    }


def test_an_alert_is_acknowledged_once(open_alert, demo) -> None:
    acknowledge_alert(open_alert, actor=demo.user("dispatcher"))

    with pytest.raises(Conflict) as refused:
        acknowledge_alert(open_alert, note="me too", actor=demo.user("operator"))

    assert refused.value.code == "already_acknowledged"
    open_alert.refresh_from_db()
    assert open_alert.acknowledged_by == demo.user("dispatcher")
    assert open_alert.acknowledgement_note == ""


@pytest.mark.parametrize("username", ["driver", "official", "agent", "buyer"])
def test_people_who_may_not_acknowledge_change_nothing(open_alert, demo, username) -> None:
    with pytest.raises(PermissionDenied):
        acknowledge_alert(open_alert, note="seen", actor=demo.user(username))

    open_alert.refresh_from_db()
    assert open_alert.acknowledged_at is None
    assert not AuditRecord.objects.filter(action="logistics.cold_alert.acknowledged").exists()


def test_an_operator_of_another_county_may_not_acknowledge(open_alert, other_county) -> None:
    with pytest.raises(PermissionDenied):
        acknowledge_alert(open_alert, actor=other_county.operator)

    open_alert.refresh_from_db()
    assert open_alert.acknowledged_at is None


def test_a_note_longer_than_500_characters_is_refused(open_alert, demo) -> None:
    with pytest.raises(ValidationFailed) as refused:
        acknowledge_alert(open_alert, note="x" * 501, actor=demo.user("operator"))

    assert refused.value.errors == {"note": ["A note is at most 500 characters."]}
    open_alert.refresh_from_db()
    assert open_alert.acknowledged_at is None


def test_without_a_silence_rule_no_sensor_is_ever_silent(cold, demo) -> None:
    # The demo county's rules leave silent-sensor alerts off.
    assert alert_silent_sensors(now=at(24 * 60)) == 0
    assert not ColdChainAlert.objects.exists()


def test_an_open_excursion_closes_when_its_rules_limits_are_removed(cold, demo) -> None:
    feed("T-C1", reading(0, 9.0), reading(40, 9.0))
    set_excursion_rule(
        demo.county,
        temperature_class="chilled",
        min_celsius=None,
        max_celsius=None,
        excursion_after_minutes=30,
        silent_after_minutes=None,
        actor=demo.user("operator"),
    )

    feed("T-C1", reading(45, 9.0))

    [alert] = alerts(cold.chilled)
    assert (alert.ended_at, alert.closed_at) == (at(45), RECEIVED)
