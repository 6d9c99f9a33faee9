"""Queue text messages in their cause's transaction; send them after commit; take the
gateway's delivery reports.

`queue_text_message` renders the message in the recipient's language and writes it with an
outbox event (`messaging.text.queued`) in the caller's transaction. The outbox sends it
after commit (`send_text_message`, retried with back-off by the outbox); the gateway keys
on our reference, so a retry never sends it twice. A number that has had too many messages
of the kind's family in the last hour gets the message recorded as `rate_limited`, unsent.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from highland.core import audit, events
from highland.core.models import County, User
from highland.core.phones import normalise_mobile
from highland.messaging import backends, kinds
from highland.messaging.models import TEXT_MESSAGE_MACHINE, TextMessage, TextMessageStatus
from highland.messaging.segments import count_sms_segments

TEXT_QUEUED = "messaging.text.queued"
DEFAULT_LANGUAGE = "zh-hans"
LANGUAGES = frozenset({"zh-hans", "bo", "en"})
_CODE = re.compile(r"[0-9]{4,8}")


def rate_limit(family: str) -> tuple[int, dt.timedelta]:
    """How many messages of `family` one number may get, and in how long a window."""
    count, seconds = settings.SMS_RATE_LIMITS[family]
    return int(count), dt.timedelta(seconds=int(seconds))


def language_for(person: User | None, language: str | None) -> str:
    """The recipient's language: theirs if they chose one, else the one given, else Chinese."""
    chosen = (person.preferred_language if person is not None else "") or language or ""
    chosen = chosen.lower()
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def _within_rate_limit(phone: str, family: str, now: dt.datetime) -> bool:
    limit, window = rate_limit(family)
    family_kinds = [key for key, kind in kinds.message_kinds.items() if kind.family == family]
    recent = TextMessage.objects.filter(
        phone=phone, kind__in=family_kinds, created_at__gte=now - window
    ).exclude(status=TextMessageStatus.RATE_LIMITED)
    return recent.count() < limit


MAX_DEDUPE_KEY = 120  # TextMessage.dedupe_key's max_length


def queue_text_message(
    county: County,
    *,
    phone: str,
    person: User | None = None,
    kind: str,
    params: Mapping[str, Any],
    dedupe_key: str,
    actor: User | None,
    language: str | None = None,
) -> TextMessage:
    """Write a text message to be sent after commit. Call inside the cause's transaction.

    The same `dedupe_key` in the county returns the first message (no second send). A
    number over its rate limit gets the message recorded as `rate_limited`, not sent.
    Raises ValueError for an unknown kind, a number that is not a mainland mobile, or
    params the kind's sentence does not take (programming errors, not user input).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("queue_text_message() runs inside its cause's transaction")
    if not 0 < len(dedupe_key) <= MAX_DEDUPE_KEY:
        # Cut short, two causes could share a key and the second message would be lost.
        raise ValueError(f"dedupe_key must be 1 to {MAX_DEDUPE_KEY} characters: {dedupe_key!r}")
    message_kind = kinds.message_kinds.get(kind)
    number = normalise_mobile(phone)
    if number is None:
        raise ValueError(f"not a mainland mobile number: {phone!r}")
    existing = TextMessage.objects.filter(county=county, dedupe_key=dedupe_key).first()
    if existing is not None:
        return existing
    chosen_language = language_for(person, language)
    body = kinds.render(message_kind, params, chosen_language)
    now = timezone.now()
    status = (
        TextMessageStatus.QUEUED
        if _within_rate_limit(number, message_kind.family, now)
        else TextMessageStatus.RATE_LIMITED
    )
    stored_params = {} if message_kind.confidential else json.loads(json.dumps(dict(params)))
    message = TextMessage.objects.create(
        county=county,
        recipient=person,
        sender=actor if actor is not None and actor.is_authenticated else None,
        phone=number,
        language=chosen_language,
        kind=kind,
        params=stored_params,
        body=body,
        segments=count_sms_segments(body),
        status=status,
        dedupe_key=dedupe_key,
    )
    audit.record(
        actor if actor is not None and actor.is_authenticated else None,
        "messaging.text.queued"
        if status == TextMessageStatus.QUEUED
        else "messaging.text.rate_limited",
        message,
        {"kind": kind, "segments": message.segments},
        county=county,
    )
    if status == TextMessageStatus.QUEUED:
        events.emit(
            TEXT_QUEUED, {"message": message.pk}, county=county, key=f"{TEXT_QUEUED}:{message.pk}"
        )
    return message


def client_reference(message: TextMessage) -> str:
    """Our id of a message at the gateway, and its idempotency key there."""
    return f"hl-{message.county_id}-{message.pk}"


def _redacted(message: TextMessage) -> str:
    return _CODE.sub(lambda match: "•" * len(match[0]), message.body)


def shown_body(message: TextMessage) -> str:
    """The text as people other than its recipient see it: codes hidden."""
    kind = kinds.message_kinds.get(message.kind) if message.kind in kinds.message_kinds else None
    return _redacted(message) if kind is not None and kind.confidential else message.body


def send_text_message(event: events.Event) -> None:
    """Outbox: send one queued message through the configured backend.

    Runs outside any transaction. A failure is recorded on the message and raised, so the
    outbox retries with back-off; a definitive refusal fails the message.
    """
    message = TextMessage.objects.get(pk=event.payload["message"])
    if message.status != TextMessageStatus.QUEUED:
        return
    outgoing = backends.OutgoingMessage(
        client_reference=client_reference(message),
        phone=message.phone,
        text=message.body,
        report_url=settings.PUBLIC_BASE_URL.rstrip("/") + reverse("messaging:delivery-reports"),
    )
    try:
        provider_id = backends.configured_backend().send(outgoing)
    except backends.SendRefused as refusal:
        _record_attempt(message.pk, error=str(refusal), final=True)
        raise events.DeliveryRefused(str(refusal)) from refusal
    except Exception as failure:
        _record_attempt(message.pk, error=f"{failure.__class__.__name__}: {failure}", final=False)
        raise
    _record_attempt(message.pk, provider_id=provider_id)


@transaction.atomic
def _record_attempt(
    message_id: int, *, provider_id: str = "", error: str = "", final: bool = False
) -> None:
    message = TextMessage.objects.select_for_update().get(pk=message_id)
    message.attempts += 1
    fields = ["attempts", "last_error"]
    message.last_error = error[:2000]
    confidential = (
        message.kind in kinds.message_kinds and kinds.message_kinds.get(message.kind).confidential
    )
    if provider_id:
        message.provider_message_id = provider_id[:64]
        fields.append("provider_message_id")
        if message.status == TextMessageStatus.QUEUED:
            fields += TEXT_MESSAGE_MACHINE.move(message, TextMessageStatus.SENT)
        if confidential:
            # Sent: nobody needs the code in clear any more.
            message.body = _redacted(message)
            fields.append("body")
        action = "messaging.text.sent"
    elif final and message.status == TextMessageStatus.QUEUED:
        fields += TEXT_MESSAGE_MACHINE.move(message, TextMessageStatus.FAILED)
        action = "messaging.text.failed"
    else:
        message.save(update_fields=fields)
        return
    message.save(update_fields=fields)
    audit.record(None, action, message, {"attempts": message.attempts, "error": error[:200]})


REPORT_STATUSES = {"delivered": TextMessageStatus.DELIVERED, "failed": TextMessageStatus.FAILED}


class BadReport(Exception):
    """A delivery report that is not signed by the gateway (401) or cannot be read (400)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def verify_delivery_report(headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
    """The report's content, once its signature is checked; raises BadReport."""
    account = headers.get("X-Sms-Account", "")
    if account != settings.SMS_GATEWAY_ACCOUNT or not backends.verify(
        settings.SMS_GATEWAY_SECRET,
        headers.get("X-Sms-Timestamp", ""),
        body,
        headers.get("X-Sms-Signature", ""),
    ):
        raise BadReport("the report is not signed by the gateway", 401)
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadReport("the report is not JSON", 400) from error
    if (
        not isinstance(data, dict)
        or data.get("status") not in REPORT_STATUSES
        or not isinstance(data.get("client_reference"), str)
        or not isinstance(data.get("message_id"), str)
    ):
        raise BadReport("the report lacks client_reference, message_id or status", 400)
    return data


@transaction.atomic
def record_delivery_report(report: Mapping[str, Any]) -> TextMessage | None:
    """Move a message to delivered or failed as the gateway reports (verified first).

    Idempotent: a report for a message already delivered or failed changes nothing; a
    report for an unknown message is ignored.
    """
    match = re.fullmatch(r"hl-([0-9]{1,12})-([0-9]{1,12})", report["client_reference"])
    if match is None:
        return None
    message = (
        TextMessage.objects.select_for_update()
        .filter(county_id=int(match[1]), pk=int(match[2]))
        .first()
    )
    if message is None:
        return None
    new_status = REPORT_STATUSES[report["status"]]
    if not TEXT_MESSAGE_MACHINE.can_move(message, new_status):
        return message
    fields = TEXT_MESSAGE_MACHINE.move(message, new_status)
    if not message.provider_message_id:
        message.provider_message_id = str(report["message_id"])[:64]
        fields.append("provider_message_id")
    if new_status == TextMessageStatus.FAILED:
        message.last_error = str(report.get("error", ""))[:2000]
        fields.append("last_error")
    message.save(update_fields=fields)
    audit.record(
        None,
        f"messaging.text.{new_status}",
        message,
        {"provider_message_id": message.provider_message_id},
    )
    return message
