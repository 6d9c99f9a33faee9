"""Registration and password reset by a code sent in a text message.

A code is six digits, kept only as a keyed hash, valid for ten minutes and for five
tries. One number gets at most one code a minute and five an hour, and so does one
address. A reset never says whether a number is registered: an unknown number gets a code
recorded (so the limits hold the same) but no message, so any code typed for it is wrong.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.core import services as core_services
from highland.core.errors import DomainError, ValidationFailed
from highland.core.models import County, User
from highland.core.phones import normalise_mobile
from highland.messaging.models import CodePurpose, PhoneCode
from highland.messaging.services import queue_text_message

CODE_LIFETIME = dt.timedelta(minutes=10)
MAX_TRIES = 5
ONE_CODE_EVERY = dt.timedelta(seconds=60)
CODES_PER_HOUR = 5

KIND_FOR_PURPOSE = {
    CodePurpose.REGISTER: "messaging.register_code",
    CodePurpose.RESET_PASSWORD: "messaging.reset_code",
}


class Throttled(DomainError):
    status_code = 429
    code = "throttled"


def _hash(phone: str, purpose: str, code: str) -> str:
    message = f"{purpose}:{phone}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _mobile(phone: str) -> str:
    number = normalise_mobile(phone)
    if number is None:
        raise ValidationFailed(
            _("Enter a mainland China mobile number: 11 digits starting with 13–19."),
            field="phone",
        )
    return number


def _check_limits(number: str, address: str | None, now: dt.datetime) -> None:
    recent = PhoneCode.objects.filter(created_at__gte=now - dt.timedelta(hours=1))
    if recent.filter(phone=number, created_at__gte=now - ONE_CODE_EVERY).exists():
        raise Throttled(
            _("A code was sent to this number less than a minute ago. Wait a minute."),
            code="code_too_soon",
            field="phone",
        )
    if recent.filter(phone=number).count() >= CODES_PER_HOUR or (
        address and recent.filter(requested_from=address).count() >= CODES_PER_HOUR
    ):
        raise Throttled(
            _("Too many codes were asked for. Try again in an hour."),
            code="too_many_codes",
            field="phone",
        )


def _only_holder_of(number: str) -> User | None:
    """The one active person with this number; None if nobody or several (a family's
    shared phone resets no one's password)."""
    holders = list(User.objects.filter(phone=number, is_active=True)[:2])
    return holders[0] if len(holders) == 1 else None


@transaction.atomic
def request_phone_code(
    county: County,
    *,
    phone: str,
    purpose: str,
    address: str | None,
    language: str | None = None,
) -> PhoneCode:
    """Send a code for `purpose` to `phone` (a reset for an unknown number sends none).

    Raises ValidationFailed for a number that is not a mobile, or one already registered
    when registering; Throttled (429) past the limits.
    """
    number = _mobile(phone)
    now = timezone.now()
    _check_limits(number, address, now)
    person = _only_holder_of(number)
    if purpose == CodePurpose.REGISTER and (
        User.objects.filter(phone=number).exists() or User.objects.filter(username=number).exists()
    ):
        raise ValidationFailed(
            _("This number is registered already. Log in, or reset your password."),
            code="phone_registered",
            field="phone",
        )
    code = f"{secrets.randbelow(10**6):06d}"
    phone_code = PhoneCode.objects.create(
        county=county,
        phone=number,
        purpose=purpose,
        code_hash=_hash(number, purpose, code),
        requested_from=address,
        created_at=now,
        expires_at=now + CODE_LIFETIME,
    )
    if purpose == CodePurpose.REGISTER or person is not None:
        queue_text_message(
            person.county if person is not None and person.county else county,
            phone=number,
            person=person,
            kind=KIND_FOR_PURPOSE[CodePurpose(purpose)],
            params={"code": code, "minutes": int(CODE_LIFETIME.total_seconds() // 60)},
            dedupe_key=f"phone-code:{phone_code.pk}",
            actor=None,
            language=language,
        )
    return phone_code


@dataclass(frozen=True)
class _Verdict:
    phone_code: PhoneCode | None
    error: DomainError | None


@transaction.atomic
def _try_code(number: str, purpose: str, code: str) -> _Verdict:
    # Its own transaction, committed even when the code is wrong: a try counts.
    now = timezone.now()
    phone_code = (
        PhoneCode.objects.select_for_update()
        .filter(phone=number, purpose=purpose, used_at__isnull=True)
        .order_by("-created_at", "-id")
        .first()
    )
    if phone_code is None or phone_code.expires_at <= now:
        return _Verdict(
            None,
            ValidationFailed(
                _("The code has expired or was never sent. Ask for a new one."),
                code="code_expired",
                field="code",
            ),
        )
    if phone_code.tries >= MAX_TRIES:
        return _Verdict(
            None,
            ValidationFailed(
                _("Too many wrong codes. Ask for a new one."), code="too_many_tries", field="code"
            ),
        )
    phone_code.tries += 1
    phone_code.save(update_fields=["tries"])
    if not hmac.compare_digest(phone_code.code_hash, _hash(number, purpose, code.strip())):
        return _Verdict(
            None, ValidationFailed(_("The code is wrong."), code="wrong_code", field="code")
        )
    return _Verdict(phone_code, None)


def _use_code(number: str, purpose: str, code: str) -> PhoneCode:
    verdict = _try_code(number, purpose, code)
    if verdict.error is not None:
        raise verdict.error
    assert verdict.phone_code is not None
    return verdict.phone_code


def register_with_code(
    county: County, *, phone: str, code: str, display_name: str, password: str
) -> User:
    """Create a buyer in `county` for the number the code was sent to."""
    number = _mobile(phone)
    phone_code = _use_code(number, CodePurpose.REGISTER, code)
    with transaction.atomic():
        used = PhoneCode.objects.filter(pk=phone_code.pk, used_at__isnull=True).update(
            used_at=timezone.now()
        )
        if not used:
            raise ValidationFailed(_("The code was used already."), code="code_used", field="code")
        return core_services.register_buyer(
            county,
            phone=number,
            display_name=display_name,
            password=password,
            verified_by="sms_code",
        )


def reset_password_with_code(*, phone: str, code: str, password: str) -> User:
    """Set a new password for the person with this number, once the code is right."""
    number = _mobile(phone)
    phone_code = _use_code(number, CodePurpose.RESET_PASSWORD, code)
    with transaction.atomic():
        person = _only_holder_of(number)
        used = PhoneCode.objects.filter(pk=phone_code.pk, used_at__isnull=True).update(
            used_at=timezone.now()
        )
        if person is None or not used:
            # Only reachable with a code no message carried: the same answer as a wrong one.
            raise ValidationFailed(_("The code is wrong."), code="wrong_code", field="code")
        return core_services.set_forgotten_password(
            person, password=password, verified_by="sms_code"
        )
