"""The text message of an intake: what was weighed, the grade, the net weight, the cash
advance and the check code, sent to the member's phone (or, for a household without one,
to the agent who weighed it) in the member's language."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext_noop

from highland.coops.models import Intake
from highland.core.models import User
from highland.core.money import format_fen
from highland.messaging.kinds import MessageKind, register_kind
from highland.messaging.services import queue_text_message

INTAKE_RECEIPT = "coops.intake_receipt"


def register_kinds() -> None:
    """Called from `CoopsConfig.ready()`."""
    register_kind(
        MessageKind(
            INTAKE_RECEIPT,
            gettext_noop(
                "Intake %(code)s: %(produce)s %(grade)s, net %(net)s kg, advance "
                "%(advance)s. Look it up with this code."
            ),
        )
    )


def net_kg_text(net_g: int) -> str:
    """12345 g -> '12.3' (kg, one decimal, rounded half up)."""
    tenths = (net_g + 50) // 100
    return f"{tenths // 10}.{tenths % 10}"


def receipt_params(intake: Intake, language: str) -> dict[str, str]:
    """The message's placeholders, names in `language`."""
    with translation.override(language):
        return {
            "code": intake.check_code,
            "produce": intake.produce.name,
            "grade": intake.grade.label or intake.grade.code,
            "net": net_kg_text(intake.net_g),
            "advance": format_fen(intake.advance_fen),
        }


def queue_intake_receipt(intake: Intake, *, actor: User) -> bool:
    """Queue the receipt text; False when neither the member nor the agent has a phone.

    Call inside the intake's transaction. The member's own language is used (not the
    phone owner's): the message is the member's receipt even on the agent's phone.
    """
    member = intake.member
    phone = member.phone or actor.phone
    if not phone:
        return False
    language = member.language if member.language in ("zh-hans", "bo", "en") else "zh-hans"
    queue_text_message(
        intake.county,
        phone=phone,
        person=None,
        kind=INTAKE_RECEIPT,
        params=receipt_params(intake, language),
        dedupe_key=f"coops.intake:{intake.pk}",
        actor=actor,
        language=language,
    )
    return True
