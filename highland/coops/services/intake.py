"""Intake at village points and the yard: weigh a member's produce, grade it, pay a cash
advance on the spot, print and text the receipt.

One intake is one transaction: the intake row, its place in a produce lot, the advance's
ledger entry, the receipt text and the audit record commit together or not at all.
"""

from __future__ import annotations

import datetime as dt
import math
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.coops.intake_postings import ADVANCE_KIND, MEMO_ADVANCE, advance_lines
from highland.coops.intake_texts import queue_intake_receipt
from highland.coops.models import (
    MAX_WEIGHT_G,
    Grade,
    Intake,
    LotStatus,
    Member,
    Produce,
    ProduceLot,
)
from highland.coops.rules import is_coop_staff
from highland.coops.services.lots import open_lot_for
from highland.coops.services.rules import grade_for
from highland.core import audit, idempotency
from highland.core.errors import ValidationFailed
from highland.core.idempotency import IdempotentRequest
from highland.core.models import Organisation, User
from highland.core.money import format_fen
from highland.core.permissions import require
from highland.ledger.services import post_entry
from highland.network.models import ServicePoint

# Cash paid on the spot is capped: a point's drawer holds little, and an advance is only
# a part of what the settlement will pay.
MAX_ADVANCE_FEN = 500_000  # ¥5,000
# Unambiguous on a thermal print and read aloud over the phone: no 0/O, 1/I/L.
CHECK_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CHECK_CODE_LENGTH = 8
CHECK_CODE_ATTEMPTS = 5
# A scale's clock and the server's may differ a little; a time further ahead is a mistake.
CLOCK_SKEW = dt.timedelta(minutes=5)
IDEMPOTENCY_SCOPE = "coops.record_intake"


def _grade_for(cooperative: Organisation, produce: Produce, code: str, on: dt.date) -> Grade | None:
    """The grade `code` of `produce` in the rules in force on `on`, or None: the intake
    names the field its own way ("grade_code") and says which day's rules it read."""
    try:
        return grade_for(cooperative, produce, code, on)
    except ValidationFailed:
        return None


def new_check_code() -> str:
    return "".join(secrets.choice(CHECK_CODE_ALPHABET) for _ in range(CHECK_CODE_LENGTH))


def _unused_check_code(county_id: int) -> str:
    for _attempt in range(CHECK_CODE_ATTEMPTS):
        code = new_check_code()
        if not Intake.objects.filter(county_id=county_id, check_code=code).exists():
            return code
    raise RuntimeError("no free check code after several attempts")  # 31⁸ codes: never


def _weight(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed(_("Enter the weight in whole grams."), field=field)
    if value < 0 or value > MAX_WEIGHT_G:
        raise ValidationFailed(
            _("Enter a weight from 0 to %(max)s g.") % {"max": f"{MAX_WEIGHT_G:,}"}, field=field
        )
    return value


def _checked_weights(gross_g: Any, tare_g: Any) -> tuple[int, int, int]:
    gross = _weight(gross_g, "gross_g")
    tare = _weight(tare_g, "tare_g")
    if tare > gross:
        raise ValidationFailed(_("The tare cannot be more than the gross weight."), field="tare_g")
    if gross - tare <= 0:
        raise ValidationFailed(
            _("The net weight (gross less tare) must be more than zero."), field="gross_g"
        )
    return gross, tare, gross - tare


def _number(value: Any) -> int | float | None:
    """A measurement as JSON keeps it, or None for what is not a finite number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        value = int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return int(value) if value.is_integer() else value
    return None


def checked_attributes(produce: Produce, attributes: Mapping[str, Any]) -> dict[str, Any]:
    """The measurements `produce` asks for, checked against its ranges; refuses unknown keys,
    missing required ones and values out of range, naming the measurement."""
    specs = {spec["key"]: spec for spec in produce.attributes or []}
    unknown = sorted(set(attributes) - set(specs))
    if unknown:
        raise ValidationFailed(
            _("%(produce)s has no measurement “%(key)s”.")
            % {"produce": produce.name, "key": unknown[0]},
            field=f"attributes.{unknown[0]}",
        )
    checked: dict[str, Any] = {}
    for key, spec in specs.items():
        field = f"attributes.{key}"
        label = spec.get("label_en") or key
        raw = attributes.get(key)
        if raw is None or raw == "":
            if spec.get("required"):
                raise ValidationFailed(
                    _("Measure and enter %(label)s.") % {"label": label}, field=field
                )
            continue
        value = _number(raw)
        low, high = spec.get("min"), spec.get("max")
        if value is None:
            raise ValidationFailed(
                _("Enter %(label)s as a number.") % {"label": label}, field=field
            )
        if (low is not None and value < low) or (high is not None and value > high):
            raise ValidationFailed(
                _("%(label)s must be from %(min)s to %(max)s %(unit)s.")
                % {"label": label, "min": low, "max": high, "unit": spec.get("unit", "")},
                field=field,
            )
        checked[key] = value
    return checked


def _checked_point(member: Member, point: ServicePoint | None, actor: User) -> None:
    if point is None:
        # The yard is the cooperative's own: only its staff weigh there.
        if not is_coop_staff(actor, member):
            raise ValidationFailed(
                _("Agents record intakes at their own village point."), field="point"
            )
        return
    if point.pk != member.point_id:
        raise ValidationFailed(
            _("Record the intake at the member's own village point (%(point)s).")
            % {"point": member.point.name},
            field="point",
        )
    if not point.active:
        raise ValidationFailed(_("This village point is closed."), field="point")


def _checked_advance(advance_fen: Any, point: ServicePoint | None) -> int:
    if isinstance(advance_fen, bool) or not isinstance(advance_fen, int) or advance_fen < 0:
        raise ValidationFailed(_("An advance is an amount of zero or more."), field="advance_fen")
    if advance_fen and point is None:
        raise ValidationFailed(
            _("Cash advances are paid only at a village point, not at the yard."),
            field="advance_fen",
        )
    if advance_fen > MAX_ADVANCE_FEN:
        raise ValidationFailed(
            _("An advance is at most %(max)s per intake.") % {"max": format_fen(MAX_ADVANCE_FEN)},
            field="advance_fen",
        )
    return advance_fen


def _checked_moment(recorded_at: dt.datetime | None) -> dt.datetime:
    now = timezone.now()
    if recorded_at is None:
        return now
    if timezone.is_naive(recorded_at):
        raise ValidationFailed(
            _("The time of weighing must carry its time zone."), field="recorded_at"
        )
    if recorded_at > now + CLOCK_SKEW:
        raise ValidationFailed(
            _("The time of weighing cannot be in the future."), field="recorded_at"
        )
    return recorded_at


def _checked_member(member: Member, produce: Produce, on: dt.date) -> None:
    if member.cooperative_id != produce.cooperative_id:
        raise ValidationFailed(
            _("%(produce)s is not taken in by this member's cooperative.")
            % {"produce": produce.name},
            field="produce",
        )
    if not produce.active:
        raise ValidationFailed(
            _("%(produce)s is no longer taken in.") % {"produce": produce.name}, field="produce"
        )
    if member.left_on is not None and member.left_on <= on:
        raise ValidationFailed(
            _("This household left the cooperative on %(date)s.") % {"date": member.left_on},
            field="member",
        )
    if member.joined_on > on:
        raise ValidationFailed(
            _("This household joins the cooperative only on %(date)s.")
            % {"date": member.joined_on},
            field="member",
        )


def _chosen_lot(lot: ProduceLot, member: Member, produce: Produce, grade: Grade) -> ProduceLot:
    locked = ProduceLot.objects.select_for_update().get(pk=lot.pk)
    if (
        locked.cooperative_id != member.cooperative_id
        or locked.produce_id != produce.pk
        or locked.grade_code != grade.code
    ):
        raise ValidationFailed(
            _("Lot %(lot)s holds another produce or grade.") % {"lot": locked.code}, field="lot"
        )
    if locked.status != LotStatus.OPEN:
        raise ValidationFailed(
            _("Lot %(lot)s is not open for intakes.") % {"lot": locked.code}, field="lot"
        )
    return locked


@dataclass(frozen=True)
class RecordedIntake:
    intake: Intake
    created: bool  # False: the same request was made before, this is its first result


def record_intake(
    member: Member,
    *,
    produce: Produce,
    grade_code: str,
    gross_g: int,
    tare_g: int,
    attributes: Mapping[str, Any],
    point: ServicePoint | None,
    advance_fen: int = 0,
    photo: UploadedFile | None = None,
    recorded_at: dt.datetime | None = None,
    lot: ProduceLot | None = None,
    actor: User,
) -> Intake:
    """Record one weighing of `member`'s produce: net = gross − tare, the grade's factor
    from the rules in force that day, a check code, its place in the day's open lot of
    that produce and grade (or `lot`, an open lot the manager chose), the cash advance
    posted to the ledger (debit the member's advance, credit the point's cash), and the
    receipt text. Refuses bad input naming the field, saving nothing."""
    return record_intake_once(
        member,
        produce=produce,
        grade_code=grade_code,
        gross_g=gross_g,
        tare_g=tare_g,
        attributes=attributes,
        point=point,
        advance_fen=advance_fen,
        photo=photo,
        recorded_at=recorded_at,
        lot=lot,
        actor=actor,
        idempotent_request=None,
    ).intake


@transaction.atomic
def record_intake_once(
    member: Member,
    *,
    produce: Produce,
    grade_code: str,
    gross_g: int,
    tare_g: int,
    attributes: Mapping[str, Any],
    point: ServicePoint | None,
    advance_fen: int = 0,
    photo: UploadedFile | None = None,
    recorded_at: dt.datetime | None = None,
    lot: ProduceLot | None = None,
    actor: User,
    idempotent_request: IdempotentRequest | None,
) -> RecordedIntake:
    """`record_intake` for the desk and station devices: with an idempotent request, the
    same request again (a double tap, a retry after a lost answer) returns the first
    intake with `created=False`, and the same key for a different request is a 409."""
    require(actor, "coops.record_intake", member)
    if idempotent_request is not None:
        claim = idempotency.claim(
            IDEMPOTENCY_SCOPE, caller=idempotency.caller_of(actor), request=idempotent_request
        )
        if claim.replayed:
            return RecordedIntake(claim.stored_object(Intake), created=False)
    moment = _checked_moment(recorded_at)
    on = timezone.localdate(moment)
    _checked_member(member, produce, on)
    gross, tare, net = _checked_weights(gross_g, tare_g)
    grade = _grade_for(member.cooperative, produce, grade_code, on)
    if grade is None:
        raise ValidationFailed(
            _("%(produce)s has no grade “%(grade)s” in the rules in force on %(date)s.")
            % {"produce": produce.name, "grade": grade_code, "date": on},
            field="grade_code",
        )
    measured = checked_attributes(produce, attributes)
    _checked_point(member, point, actor)
    advance = _checked_advance(advance_fen, point)
    if lot is not None:
        joined = _chosen_lot(lot, member, produce, grade)
    else:
        joined = open_lot_for(member.cooperative, produce, grade.code, on, actor=actor)
    intake = Intake(
        county_id=member.county_id,
        cooperative_id=member.cooperative_id,
        member=member,
        produce=produce,
        grade=grade,
        factor_bp=grade.factor_bp,
        gross_g=gross,
        tare_g=tare,
        net_g=net,
        attributes=measured,
        point=point,
        recorded_at=moment,
        recorded_by=actor,
        check_code=_unused_check_code(member.county_id),
        advance_fen=advance,
        lot=joined,
    )
    if photo is not None:
        intake.photo.save(photo.name or "intake.jpg", photo, save=False)
    try:
        with transaction.atomic():
            intake.save()
    except IntegrityError:
        # Two intakes drew the same check code at the same instant (31⁸ codes): draw again.
        intake.check_code = _unused_check_code(member.county_id)
        intake.save()
    if advance:
        assert point is not None  # _checked_advance refuses an advance at the yard
        post_entry(
            member.county,
            kind=ADVANCE_KIND,
            lines=advance_lines(member_id=member.pk, point_code=point.code, amount_fen=advance),
            actor=actor,
            memo_code=MEMO_ADVANCE,
            memo_params={"check_code": intake.check_code, "member": member.number},
            reference=intake,
            occurred_at=moment,
        )
    queue_intake_receipt(intake, actor=actor)
    audit.record(
        actor,
        "coops.intake.recorded",
        intake,
        {
            "member": member.number,
            "produce": produce.code,
            "grade": grade.code,
            "gross_g": gross,
            "tare_g": tare,
            "net_g": net,
            "advance_fen": advance,
            "point": point.code if point is not None else "",
            "lot": joined.code,
        },
    )
    if idempotent_request is not None:
        claim.complete(obj=intake)
    return RecordedIntake(intake, created=True)


def intake_by_check_code(county_id: int, check_code: str) -> Intake | None:
    """The intake with this check code (any case, spaces ignored) in the county, or None."""
    code = "".join(check_code.split()).upper()
    if not code or len(code) > CHECK_CODE_LENGTH * 2:
        return None
    return (
        Intake.objects.filter(county_id=county_id, check_code=code)
        .select_related("member", "produce", "grade", "point", "cooperative", "lot")
        .first()
    )
