"""The cold-chain API: loggers upload readings; people and devices read alerts (and
acknowledge them), sensors, a zone's or vehicle's MKT, and a parcel's exposure.

Uploads need no Idempotency-Key: a reading is named by its sensor and time, so sending
the same upload again stores nothing twice and answers "duplicate" for each reading.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from highland.core.access import home_county
from highland.core.errors import ValidationFailed
from highland.core.models import User
from highland.core.schemas import ERROR_RESPONSES, Moment, ObjectId
from highland.logistics.access import access_parcel
from highland.logistics.coldchain.access import (
    access_cold_alert,
    access_vehicle,
    access_zone,
    cold_chain_county,
)
from highland.logistics.coldchain.exposure import Leg, parcel_exposure
from highland.logistics.coldchain.selectors import (
    Summary,
    open_alerts,
    place_summary,
    recent_alerts,
    sensors_of,
)
from highland.logistics.coldchain.texts import range_text
from highland.logistics.models import ColdChainAlert, HubZone, Sensor, Vehicle
from highland.logistics.services.coldchain import (
    UploadedSensor,
    acknowledge_alert,
    upload_readings,
)
from highland.logistics.services.coldchain.intake import MAX_UPLOAD_READINGS

router = Router(tags=["cold chain"])

MAX_WINDOW = dt.timedelta(days=31)


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise HttpError(401, "Log in or send a device token.")
    return request.user


# --- upload ---------------------------------------------------------------------------------


class ColdSensorReadingsIn(Schema):
    sensor: str = Field(..., min_length=1, max_length=40, description="The sensor's device code")
    readings: list[Any] = Field(
        ...,
        max_length=MAX_UPLOAD_READINGS,
        description=(
            'Each {"measured_at": ISO 8601 with its UTC offset, "celsius": number, '
            '"id": optional message id}; each is checked on its own'
        ),
    )


class ColdUploadIn(Schema):
    sensors: list[ColdSensorReadingsIn] = Field(..., min_length=1, max_length=100)


class ColdReadingResultOut(Schema):
    index: int = Field(..., description="The reading's place in its sensor's list")
    outcome: str = Field(
        ...,
        description=(
            "stored, duplicate (stored before), or why it was refused: malformed, "
            "unknown_sensor, bad_time, bad_value"
        ),
    )
    detail: str = Field("", description="Why it was refused, for people")
    id: str = Field("", description="The reading's own id, if it sent one")
    measured_at: dt.datetime | None = None


class ColdSensorResultOut(Schema):
    sensor: str
    results: list[ColdReadingResultOut]


class ColdUploadOut(Schema):
    stored: int
    duplicate: int
    refused: int
    sensors: list[ColdSensorResultOut]


@router.post(
    "/telemetry/readings",
    response={200: ColdUploadOut, **ERROR_RESPONSES},
    summary="Upload a logger's readings",
)
def upload_readings_api(request: HttpRequest, payload: ColdUploadIn) -> dict[str, Any]:
    """Readings read out of loggers later, per sensor. Each reading is stored, recognised
    as stored before, or refused with its reason; the good ones are stored even when
    others are refused. Alerts are evaluated right after."""
    user = _user(request)
    county = home_county(user)
    result = upload_readings(
        county,
        [UploadedSensor(entry.sensor, entry.readings) for entry in payload.sensors],
        actor=user,
    )
    return {
        **result.counts,
        "sensors": [
            {
                "sensor": sensor.code,
                "results": [
                    {
                        "index": item.index,
                        "outcome": item.outcome,
                        "detail": item.detail,
                        "id": item.message_id,
                        "measured_at": item.measured_at,
                    }
                    for item in sensor.results
                ],
            }
            for sensor in result.sensors
        ],
    }


# --- alerts ---------------------------------------------------------------------------------


class ColdAlertOut(Schema):
    id: int
    kind: str = Field(..., description="excursion or silent")
    sensor: str
    zone_id: int | None
    vehicle_id: int | None
    temperature_class: str
    range: str
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    lowest_celsius: float | None
    highest_celsius: float | None
    readings_out_of_range: int
    first_reading_id: int | None
    last_reading_id: int | None
    closing_reading_id: int | None
    acknowledged_by: str | None
    acknowledged_at: dt.datetime | None
    acknowledgement_note: str


def alert_out(alert: ColdChainAlert) -> dict[str, Any]:
    return {
        "id": alert.pk,
        "kind": alert.kind,
        "sensor": alert.sensor.code,
        "zone_id": alert.sensor.zone_id,
        "vehicle_id": alert.sensor.vehicle_id,
        "temperature_class": alert.temperature_class,
        "range": range_text(alert.min_centi_celsius, alert.max_centi_celsius),
        "started_at": alert.started_at,
        "ended_at": alert.ended_at,
        "opened_at": alert.opened_at,
        "closed_at": alert.closed_at,
        "lowest_celsius": float(alert.lowest_celsius) if alert.lowest_celsius is not None else None,
        "highest_celsius": (
            float(alert.highest_celsius) if alert.highest_celsius is not None else None
        ),
        "readings_out_of_range": alert.reading_count,
        "first_reading_id": alert.first_reading_id,
        "last_reading_id": alert.last_reading_id,
        "closing_reading_id": alert.closing_reading_id,
        "acknowledged_by": str(alert.acknowledged_by) if alert.acknowledged_by else None,
        "acknowledged_at": alert.acknowledged_at,
        "acknowledgement_note": alert.acknowledgement_note,
    }


class ColdAlertFilters(Schema):
    open: bool = Field(True, description="Only the open alerts (false: the latest of any)")
    limit: int = Field(50, ge=1, le=200)


@router.get(
    "/cold-chain/alerts",
    response={200: list[ColdAlertOut], **ERROR_RESPONSES},
    summary="List cold-chain alerts",
)
def list_alerts(request: HttpRequest, filters: Query[ColdAlertFilters]) -> list[dict[str, Any]]:
    """The county's open alerts, newest first (or the latest ones of any state)."""
    county = cold_chain_county(_user(request))
    alerts = (
        open_alerts(county, limit=filters.limit)
        if filters.open
        else recent_alerts(county, limit=filters.limit)
    )
    return [alert_out(alert) for alert in alerts]


@router.get(
    "/cold-chain/alerts/{alert_id}",
    response={200: ColdAlertOut, **ERROR_RESPONSES},
    summary="Read a cold-chain alert",
)
def get_alert(request: HttpRequest, alert_id: ObjectId) -> dict[str, Any]:
    return alert_out(access_cold_alert(_user(request), alert_id))


class ColdAcknowledgeIn(Schema):
    note: str = Field("", max_length=500, description="What was done about it")


@router.post(
    "/cold-chain/alerts/{alert_id}/acknowledge",
    response={200: ColdAlertOut, **ERROR_RESPONSES},
    summary="Acknowledge a cold-chain alert",
)
def acknowledge_alert_api(
    request: HttpRequest, alert_id: ObjectId, payload: ColdAcknowledgeIn
) -> dict[str, Any]:
    """Say the alert was seen (and what was done); a second acknowledgement is a 409."""
    user = _user(request)
    alert = access_cold_alert(user, alert_id)
    acknowledged = acknowledge_alert(alert, note=payload.note, actor=user)
    return alert_out(acknowledged)


# --- sensors and MKT ------------------------------------------------------------------------


class ColdSensorOut(Schema):
    id: int
    code: str
    name: str
    zone_id: int | None
    vehicle_id: int | None
    temperature_class: str
    active: bool
    installed_at: dt.datetime
    retired_at: dt.datetime | None
    last_reading_at: dt.datetime | None
    last_celsius: float | None
    last_received_at: dt.datetime | None


def sensor_out(sensor: Sensor) -> dict[str, Any]:
    return {
        "id": sensor.pk,
        "code": sensor.code,
        "name": sensor.name,
        "zone_id": sensor.zone_id,
        "vehicle_id": sensor.vehicle_id,
        "temperature_class": sensor.temperature_class,
        "active": sensor.active,
        "installed_at": sensor.installed_at,
        "retired_at": sensor.retired_at,
        "last_reading_at": sensor.last_reading_at,
        "last_celsius": float(sensor.last_celsius) if sensor.last_celsius is not None else None,
        "last_received_at": sensor.last_received_at,
    }


@router.get(
    "/cold-chain/sensors",
    response={200: list[ColdSensorOut], **ERROR_RESPONSES},
    summary="List sensors",
)
def list_sensors(request: HttpRequest) -> list[dict[str, Any]]:
    return [sensor_out(sensor) for sensor in sensors_of(cold_chain_county(_user(request)))]


class ColdWindow(Schema):
    start: Moment | None = Field(None, description="Default: 24 hours before the end")
    end: Moment | None = Field(None, description="Default: now")


class ColdSummaryOut(Schema):
    temperature_class: str
    range: str
    start: dt.datetime
    end: dt.datetime
    sensors: list[str]
    mkt_celsius: float | None = Field(..., description="Mean kinetic temperature")
    activation_energy_j_per_mol: int
    lowest_celsius: float | None
    highest_celsius: float | None
    minutes_out_of_range: float
    monitored_minutes: float
    readings: int


def _window(window: ColdWindow) -> tuple[dt.datetime, dt.datetime]:
    end = window.end or timezone.now()
    start = window.start or end - dt.timedelta(hours=24)
    if timezone.is_naive(end):
        end = timezone.make_aware(end)
    if timezone.is_naive(start):
        start = timezone.make_aware(start)
    if not dt.timedelta(0) < end - start <= MAX_WINDOW:
        raise ValidationFailed(
            _("The window starts before it ends and lasts at most 31 days."), field="start"
        )
    return start, end


def _summary_out(
    place: HubZone | Vehicle, request: HttpRequest, window: ColdWindow
) -> dict[str, Any]:
    start, end = _window(window)
    county = cold_chain_county(_user(request))
    rule, summary, sensors = place_summary(county, place, start=start, end=end)
    return {
        "temperature_class": rule.temperature_class,
        "range": range_text(rule.min_centi, rule.max_centi),
        "start": start,
        "end": end,
        "sensors": [sensor.code for sensor in sensors],
        "activation_energy_j_per_mol": rule.activation_energy,
        **_figures(summary),
    }


def _figures(summary: Summary) -> dict[str, Any]:
    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 2)

    return {
        "mkt_celsius": rounded(summary.mkt),
        "lowest_celsius": rounded(summary.lowest),
        "highest_celsius": rounded(summary.highest),
        "minutes_out_of_range": round(summary.minutes_out, 1),
        "monitored_minutes": round(summary.monitored_minutes, 1),
        "readings": summary.readings,
    }


@router.get(
    "/cold-chain/zones/{zone_id}/mkt",
    response={200: ColdSummaryOut, **ERROR_RESPONSES},
    summary="A hub zone's MKT over a window",
)
def zone_mkt(request: HttpRequest, zone_id: ObjectId, window: Query[ColdWindow]) -> dict[str, Any]:
    """Mean kinetic temperature, extremes and minutes out of range of the zone's sensors
    (those in service then) over the window (default: the last 24 hours)."""
    return _summary_out(access_zone(_user(request), zone_id), request, window)


@router.get(
    "/cold-chain/vehicles/{vehicle_id}/mkt",
    response={200: ColdSummaryOut, **ERROR_RESPONSES},
    summary="A vehicle's MKT over a window",
)
def vehicle_mkt(
    request: HttpRequest, vehicle_id: ObjectId, window: Query[ColdWindow]
) -> dict[str, Any]:
    return _summary_out(access_vehicle(_user(request), vehicle_id), request, window)


class ColdLegOut(Schema):
    kind: str = Field(..., description="zone, vehicle or unmonitored")
    place: str
    zone_id: int | None
    vehicle_id: int | None
    start: dt.datetime
    end: dt.datetime
    mkt_celsius: float | None
    lowest_celsius: float | None
    highest_celsius: float | None
    minutes_out_of_range: float
    monitored_minutes: float
    readings: int


class ColdExposureOut(Schema):
    parcel_id: int
    sscc: str
    temperature_class: str
    range: str
    finished: bool = Field(..., description="Picked up or returned; else it runs to now")
    minutes: float
    mkt_celsius: float | None
    lowest_celsius: float | None
    highest_celsius: float | None
    minutes_out_of_range: float
    monitored_minutes: float
    readings: int
    legs: list[ColdLegOut]


def _leg_out(leg: Leg) -> dict[str, Any]:
    return {
        "kind": leg.kind,
        "place": leg.label,
        "zone_id": leg.zone.pk if leg.zone else None,
        "vehicle_id": leg.vehicle.pk if leg.vehicle else None,
        "start": leg.start,
        "end": leg.end,
        **_figures(leg.summary),
    }


@router.get(
    "/cold-chain/parcels/{parcel_id}/exposure",
    response={200: ColdExposureOut, **ERROR_RESPONSES},
    summary="A parcel's temperature exposure",
)
def parcel_exposure_api(request: HttpRequest, parcel_id: ObjectId) -> dict[str, Any]:
    """Where the parcel was when (from its tracking events) and what the sensors there
    measured, judged by the parcel's own class's range."""
    parcel = access_parcel(_user(request), parcel_id)
    exposure = parcel_exposure(parcel)
    return {
        "parcel_id": parcel.pk,
        "sscc": parcel.sscc,
        "temperature_class": exposure.temperature_class,
        "range": exposure.range_text,
        "finished": exposure.finished,
        "minutes": round(exposure.minutes, 1),
        **_figures(exposure.summary),
        "legs": [_leg_out(leg) for leg in exposure.legs],
    }
