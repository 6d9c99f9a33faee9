"""Excursions and silent sensors: opened, updated and closed from the readings, each
opening and closing an event (`logistics.cold_alert.opened` / `.closed`) with the readings
that caused it; acknowledged by a person.

An excursion is a stretch of consecutive out-of-range readings (by device time) whose
first and last are at least the rule's minutes apart; it closes at the first reading back
in range. Evaluation is derived from the stored readings, so it gives the same answer
whatever order readings arrive in: a batch that only appends in-range readings to a
sensor without an open excursion costs no query at all; otherwise the readings from the
last in-range one before the new ones (at most `LOOKBACK` back) are read again and the
stretches found are matched with the alerts already stored (ADR 0016).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.core import audit, events
from highland.core.errors import Conflict, ValidationFailed
from highland.core.models import User
from highland.core.permissions import require
from highland.logistics.coldchain.ruleset import EffectiveRule, rules_for
from highland.logistics.models import AlertKind, ColdChainAlert, Reading, Sensor
from highland.logistics.services.coldchain.readings import SensorNews

logger = logging.getLogger(__name__)

ALERT_OPENED = "logistics.cold_alert.opened"
ALERT_CLOSED = "logistics.cold_alert.closed"
ALERT_ACKNOWLEDGED = "logistics.cold_alert.acknowledged"
# How far back an out-of-range stretch is followed to find where it began.
LOOKBACK = dt.timedelta(days=2)
MAX_NOTE = 500


@dataclass
class Run:
    """Consecutive out-of-range readings of one sensor, and the reading that ended them."""

    first_id: int | None
    first_at: dt.datetime
    last_id: int | None
    last_at: dt.datetime
    lowest: int
    highest: int
    count: int
    closing_id: int | None = None
    closing_at: dt.datetime | None = None

    def add(self, reading_id: int, at: dt.datetime, centi: int) -> None:
        self.last_id, self.last_at = reading_id, at
        self.lowest = min(self.lowest, centi)
        self.highest = max(self.highest, centi)
        self.count += 1

    def long_enough(self, rule: EffectiveRule) -> bool:
        return self.last_at - self.first_at >= dt.timedelta(minutes=rule.excursion_after_minutes)


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _event_payload(alert: ColdChainAlert) -> dict[str, Any]:
    return {
        "alert": alert.pk,
        "kind": alert.kind,
        "sensor": alert.sensor_id,
        "temperature_class": alert.temperature_class,
        "started_at": _iso(alert.started_at),
        "ended_at": _iso(alert.ended_at),
        "first_reading": alert.first_reading_id,
        "last_reading": alert.last_reading_id,
        "closing_reading": alert.closing_reading_id,
        "lowest_centi_celsius": alert.lowest_centi_celsius,
        "highest_centi_celsius": alert.highest_centi_celsius,
    }


def _emit(name: str, alert: ColdChainAlert) -> None:
    events.emit(name, _event_payload(alert), county=alert.county, key=f"{name}:{alert.pk}")


def _open(sensor: Sensor, rule: EffectiveRule, kind: str, now: dt.datetime) -> ColdChainAlert:
    return ColdChainAlert(
        county_id=sensor.county_id,
        sensor=sensor,
        kind=kind,
        temperature_class=rule.temperature_class,
        min_centi_celsius=rule.min_centi,
        max_centi_celsius=rule.max_centi,
        opened_at=now,
    )


def _apply(alert: ColdChainAlert, run: Run, now: dt.datetime) -> list[str]:
    """Copy a stretch onto its alert; the events that follow (opened, closed)."""
    created = alert.pk is None
    was_open = alert.closed_at is None
    alert.started_at = run.first_at
    alert.first_reading_id = run.first_id
    alert.last_reading_id = run.last_id
    alert.lowest_centi_celsius = run.lowest
    alert.highest_centi_celsius = run.highest
    alert.reading_count = run.count
    if run.closing_at is not None:
        alert.ended_at = run.closing_at
        alert.closing_reading_id = run.closing_id
        if alert.closed_at is None:
            alert.closed_at = now
    alert.save()
    emitted = [ALERT_OPENED] if created else []
    if was_open and alert.closed_at is not None:
        emitted.append(ALERT_CLOSED)
    return emitted


def _scan(
    readings: Iterable[tuple[int, dt.datetime, int]], rule: EffectiveRule, run: Run | None
) -> list[Run]:
    runs: list[Run] = []
    for reading_id, at, centi in readings:
        if rule.is_out(centi):
            if run is None:
                run = Run(reading_id, at, reading_id, at, centi, centi, 1)
            else:
                run.add(reading_id, at, centi)
        elif run is not None:
            run.closing_id, run.closing_at = reading_id, at
            runs.append(run)
            run = None
    if run is not None:
        runs.append(run)
    return runs


def _overlaps(alert: ColdChainAlert, run: Run) -> bool:
    assert alert.started_at is not None
    alert_end = alert.ended_at
    run_end = run.closing_at
    return (alert_end is None or run.first_at < alert_end) and (
        run_end is None or alert.started_at < run_end
    )


def _evaluate_excursions(
    sensor: Sensor,
    rule: EffectiveRule,
    news: SensorNews,
    open_alert: ColdChainAlert | None,
    now: dt.datetime,
) -> list[tuple[str, ColdChainAlert]]:
    if not rule.has_range and open_alert is None:
        return []  # (an open excursion of a rule whose limits were removed closes below)
    readings = Reading.objects.filter(sensor=sensor).order_by("measured_at")
    columns = ("pk", "measured_at", "centi_celsius")
    if (
        open_alert is not None
        and open_alert.last_reading is not None
        and (news.since > open_alert.last_reading.measured_at)
    ):
        # The open excursion goes on from its last reading: read only what follows.
        assert open_alert.started_at is not None
        start = Run(
            open_alert.first_reading_id,
            open_alert.started_at,
            open_alert.last_reading_id,
            open_alert.last_reading.measured_at,
            open_alert.lowest_centi_celsius or 0,
            open_alert.highest_centi_celsius or 0,
            open_alert.reading_count,
        )
        window = readings.filter(measured_at__gt=start.last_at)
        runs = _scan(window.values_list(*columns), rule, start)
        stored = [open_alert]
    else:
        begin = news.since
        covering = (
            ColdChainAlert.objects.filter(
                sensor=sensor, kind=AlertKind.EXCURSION, started_at__lte=begin
            )
            .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=begin))
            .order_by("started_at")
            .values_list("started_at", flat=True)
            .first()
        )
        if covering is not None:
            begin = covering
        anchor = (
            readings.filter(measured_at__lt=begin, measured_at__gte=begin - LOOKBACK)
            .filter(rule.in_range_q())
            .order_by("-measured_at")
            .values_list("measured_at", flat=True)
            .first()
        )
        window = (
            readings.filter(measured_at__gt=anchor)
            if anchor is not None
            else readings.filter(measured_at__gte=begin - LOOKBACK)
        )
        # Nor need it go past the first reading in range after the newest new one: the
        # stretches beyond are as they were.
        end = (
            readings.filter(measured_at__gte=news.until)
            .filter(rule.in_range_q())
            .values_list("measured_at", flat=True)
            .first()
        )
        if end is not None:
            window = window.filter(measured_at__lte=end)
        runs = _scan(window.values_list(*columns), rule, None)
        if not runs:
            return []
        window_start = anchor or begin - LOOKBACK
        stored_alerts = ColdChainAlert.objects.filter(
            sensor=sensor, kind=AlertKind.EXCURSION
        ).filter(Q(ended_at__isnull=True) | Q(ended_at__gt=window_start))
        if end is not None:
            stored_alerts = stored_alerts.filter(started_at__lte=end)
        stored = list(stored_alerts.order_by("started_at"))
    changes: list[tuple[str, ColdChainAlert]] = []
    matched: set[int] = set()
    for run in runs:
        alert = next(
            (
                candidate
                for candidate in stored
                if candidate.pk not in matched and _overlaps(candidate, run)
            ),
            None,
        )
        if alert is not None and (alert.closed_at is None or run.closing_at is not None):
            matched.add(alert.pk)
        elif run.long_enough(rule):
            alert = _open(sensor, rule, AlertKind.EXCURSION, now)
        else:
            continue
        for name in _apply(alert, run, now):
            changes.append((name, alert))
    return changes


def _end_silence(alert: ColdChainAlert, news: SensorNews, now: dt.datetime) -> bool:
    """A silent sensor spoke: its first reading after the silence ends the alert."""
    assert alert.started_at is not None
    after = [reading for reading in news.readings if reading.measured_at > alert.started_at]
    if not after:
        return False
    first = after[0]
    alert.ended_at = first.measured_at
    alert.closing_reading_id = first.id
    alert.closed_at = now
    alert.save(update_fields=["ended_at", "closing_reading", "closed_at"])
    return True


def _open_alerts(sensor_ids: Iterable[int]) -> dict[tuple[int, str], ColdChainAlert]:
    return {
        (alert.sensor_id, alert.kind): alert
        for alert in ColdChainAlert.objects.filter(
            sensor_id__in=list(sensor_ids), closed_at__isnull=True
        ).select_related("last_reading")
    }


def evaluate_readings(
    news: Mapping[int, SensorNews],
    *,
    now: dt.datetime | None = None,
    rules: Mapping[int, Mapping[str, EffectiveRule]] | None = None,
) -> list[ColdChainAlert]:
    """Open, update and close alerts after readings were stored (in their own
    transaction, after the readings committed). `rules` by county, when the caller keeps
    them; returns the alerts that opened or closed.

    In-range readings appended to a sensor with no open alert change nothing: found with
    one read, and no transaction at all when that is the whole batch."""
    news = {sensor_id: item for sensor_id, item in news.items() if item.readings}
    if not news:
        return []
    now = now or timezone.now()
    rules_by_county: dict[int, Mapping[str, EffectiveRule]] = dict(rules or {})
    for sensor_news in news.values():
        if sensor_news.county_id not in rules_by_county:
            rules_by_county[sensor_news.county_id] = rules_for(sensor_news.county_id)

    def rule_of(sensor_id: int) -> EffectiveRule:
        return rules_by_county[news[sensor_id].county_id][news[sensor_id].temperature_class]

    def needs_work(sensor_id: int, open_now: Mapping[tuple[int, str], ColdChainAlert]) -> bool:
        if any((sensor_id, kind) in open_now for kind in AlertKind.values):
            return True
        sensor_news = news[sensor_id]
        rule = rule_of(sensor_id)
        return not sensor_news.appended or any(
            rule.is_out(reading.centi_celsius) for reading in sensor_news.readings
        )

    open_before = _open_alerts(news)
    busy = [sensor_id for sensor_id in sorted(news) if needs_work(sensor_id, open_before)]
    if not busy:
        return []
    changed: list[ColdChainAlert] = []
    with transaction.atomic():
        # The sensors' rows are locked, in order, so that two writers (the subscriber and
        # an upload) evaluate one sensor one after the other; then its alerts are read again.
        sensors = {
            sensor.pk: sensor
            for sensor in Sensor.objects.select_for_update().filter(pk__in=busy).order_by("pk")
        }
        open_alerts = _open_alerts(busy)
        for sensor_id in busy:
            sensor_news = news[sensor_id]
            open_silence = open_alerts.get((sensor_id, AlertKind.SILENT))
            if open_silence is not None and _end_silence(open_silence, sensor_news, now):
                _emit(ALERT_CLOSED, open_silence)
                changed.append(open_silence)
            rule = rule_of(sensor_id)
            open_excursion = open_alerts.get((sensor_id, AlertKind.EXCURSION))
            if open_excursion is None and not needs_work(sensor_id, {}):
                continue
            for name, alert in _evaluate_excursions(
                sensors[sensor_id], rule, sensor_news, open_excursion, now
            ):
                _emit(name, alert)
                changed.append(alert)
    return changed


# --- silent sensors -------------------------------------------------------------------------


def alert_silent_sensors(*, now: dt.datetime | None = None) -> int:
    """Open an alert for each active sensor without a reading for its rule's minutes
    (the scheduled job). Returns how many opened."""
    now = now or timezone.now()
    opened = 0
    county_ids = Sensor.objects.filter(active=True).values_list("county_id", flat=True).distinct()
    for county_id in sorted(set(county_ids)):
        rules = rules_for(county_id)
        with transaction.atomic():
            for temperature_class, rule in rules.items():
                if rule.silent_after_minutes is None:
                    continue
                threshold = now - dt.timedelta(minutes=rule.silent_after_minutes)
                silent = (
                    Sensor.objects.filter(
                        county_id=county_id, active=True, temperature_class=temperature_class
                    )
                    .filter(
                        Q(last_reading_at__lt=threshold)
                        | Q(last_reading_at__isnull=True, installed_at__lt=threshold)
                    )
                    .exclude(
                        pk__in=ColdChainAlert.objects.filter(
                            kind=AlertKind.SILENT, closed_at__isnull=True
                        ).values("sensor_id")
                    )
                    .select_related("county")
                    .order_by("pk")
                )
                for sensor in silent:
                    alert = _open(sensor, rule, AlertKind.SILENT, now)
                    alert.started_at = sensor.last_reading_at or sensor.installed_at
                    alert.last_reading = (
                        Reading.objects.filter(sensor=sensor).order_by("-measured_at").first()
                    )
                    alert.save()
                    _emit(ALERT_OPENED, alert)
                    opened += 1
    return opened


def close_alerts_of_retired_sensor(sensor: Sensor, *, now: dt.datetime) -> None:
    """A retired sensor's open alerts close with it. Call inside the retirement's
    transaction."""
    for alert in ColdChainAlert.objects.filter(sensor=sensor, closed_at__isnull=True):
        alert.closed_at = now
        alert.ended_at = alert.ended_at or now
        alert.save(update_fields=["closed_at", "ended_at"])
        _emit(ALERT_CLOSED, alert)


# --- acknowledgement ------------------------------------------------------------------------


@transaction.atomic
def acknowledge_alert(alert: ColdChainAlert, *, note: str = "", actor: User) -> ColdChainAlert:
    """Someone has seen the alert and says what they did about it."""
    require(actor, "logistics.acknowledge_alert", alert)
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise ValidationFailed(
            _("A note is at most %(max)d characters.") % {"max": MAX_NOTE}, field="note"
        )
    alert = ColdChainAlert.objects.select_for_update().select_related("county").get(pk=alert.pk)
    if alert.acknowledged_at is not None:
        raise Conflict(
            _("%(person)s acknowledged this alert already.")
            % {"person": alert.acknowledged_by or "—"},
            code="already_acknowledged",
        )
    alert.acknowledged_by = actor
    alert.acknowledged_at = timezone.now()
    alert.acknowledgement_note = note
    alert.save(update_fields=["acknowledged_by", "acknowledged_at", "acknowledgement_note"])
    audit.record(
        actor,
        "logistics.cold_alert.acknowledged",
        alert,
        {
            "kind": alert.kind,
            "sensor": alert.sensor_id,
            "note": note,
            "alert_open": alert.is_open,
        },
    )
    events.emit(
        ALERT_ACKNOWLEDGED,
        {"alert": alert.pk, "by": actor.pk},
        county=alert.county,
        key=f"{ALERT_ACKNOWLEDGED}:{alert.pk}",
    )
    return alert
