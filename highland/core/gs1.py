"""GS1 identifiers: the one SSCC generator and checker of the whole system.

An SSCC (Serial Shipping Container Code, GS1 application identifier 00) is 18 digits:
an extension digit, the company prefix (7 to 10 digits), a serial reference filling the
rest, and a check digit (GS1 mod 10, the same as a GTIN's: computed with python-stdnum).
The extension digit and serial reference together count up from one counter per prefix,
so 10 ** (17 − len(prefix)) codes exist per prefix.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from stdnum import ean

from highland.core.errors import ValidationFailed
from highland.core.models import County, Gs1SerialCounter

SSCC_LENGTH = 18


def sscc_check_digit(first_17: str) -> str:
    """The check digit of the 17 digits that start an SSCC."""
    if len(first_17) != SSCC_LENGTH - 1 or not first_17.isdigit():
        raise ValueError("an SSCC body is 17 digits")
    return str(ean.calc_check_digit(first_17))


def normalise_sscc(text: str) -> str:
    """Digits only: drops spaces and a leading "(00)" or "00" application identifier."""
    digits = "".join(ch for ch in text.strip() if ch.isdigit())
    if text.strip().startswith("(00)") or (len(digits) == SSCC_LENGTH + 2 and digits[:2] == "00"):
        digits = digits[2:]
    return digits


def is_valid_sscc(text: str) -> bool:
    digits = normalise_sscc(text)
    return (
        len(digits) == SSCC_LENGTH
        and digits.isdigit()
        and sscc_check_digit(digits[:-1]) == digits[-1]
    )


def validate_sscc(text: str) -> str:
    """The SSCC's 18 digits; ValidationFailed (`bad_sscc`) for a wrong length or check digit."""
    digits = normalise_sscc(text)
    if len(digits) != SSCC_LENGTH:
        raise ValidationFailed(
            _("An SSCC is 18 digits; this one has %(count)d.") % {"count": len(digits)},
            code="bad_sscc",
            field="sscc",
        )
    if sscc_check_digit(digits[:-1]) != digits[-1]:
        raise ValidationFailed(
            _("The SSCC's check digit is wrong: it should end in %(digit)s. Check the number.")
            % {"digit": sscc_check_digit(digits[:-1])},
            code="bad_sscc",
            field="sscc",
        )
    return digits


def compose_sscc(company_prefix: str, serial: int) -> str:
    """The SSCC for the `serial`-th code under `company_prefix` (0-based)."""
    reference_digits = SSCC_LENGTH - 2 - len(company_prefix)
    capacity = 10 ** (reference_digits + 1)
    if not 0 <= serial < capacity:
        raise ValidationFailed(
            _("Every SSCC under this company prefix has been used."), code="sscc_exhausted"
        )
    extension, reference = divmod(serial, 10**reference_digits)
    body = f"{extension}{company_prefix}{reference:0{reference_digits}d}"
    return body + sscc_check_digit(body)


def next_sscc(county: County) -> str:
    """A new SSCC under the county's company prefix, never handed out before.

    Runs in the caller's transaction (or its own); the counter row is advanced with one
    conditional UPDATE, so concurrent callers get distinct codes on SQLite and PostgreSQL.
    """
    prefix = county.gs1_company_prefix
    if not prefix:
        raise ValidationFailed(
            _("The county has no GS1 company prefix yet; the centre sets it first."),
            code="no_gs1_prefix",
        )
    with transaction.atomic():
        counter, _created = Gs1SerialCounter.objects.get_or_create(
            company_prefix=prefix, defaults={"county": county}
        )
        Gs1SerialCounter.objects.filter(pk=counter.pk).update(next_serial=F("next_serial") + 1)
        serial = Gs1SerialCounter.objects.values_list("next_serial", flat=True).get(pk=counter.pk)
    return compose_sscc(prefix, serial - 1)
