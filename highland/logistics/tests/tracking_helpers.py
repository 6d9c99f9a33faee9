"""Shared by the tracking tests: record an event with few words, and the demo's places."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from highland.logistics.models import BusLine, HubLocation, Parcel, Vehicle
from highland.logistics.services.tracking import RecordedEvent, record_tracking_event

_keys = itertools.count(1)


def minutes_ago(minutes: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=minutes)


def new_key() -> str:
    return f"device-test:{next(_keys):06d}"


def van(demo: Any) -> Vehicle:
    return Vehicle.objects.get(county=demo.county, plate="川R·L2760")


def bus(demo: Any) -> BusLine:
    return BusLine.objects.get(county=demo.county, code="B1")


def shelf(demo: Any, code: str = "A-01") -> HubLocation:
    return HubLocation.objects.get(county=demo.county, code=code)


def record(
    parcel: Parcel,
    kind: str,
    actor: Any,
    *,
    at: dt.datetime | None = None,
    key: str | None = None,
    **details: Any,
) -> RecordedEvent:
    return record_tracking_event(
        parcel,
        kind=kind,
        occurred_at=at or minutes_ago(1),
        idempotency_key=key or new_key(),
        actor=actor,
        **details,
    )


def jpeg_upload(name: str = "handover.jpg", size: tuple[int, int] = (64, 48)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")
