"""Intake: weighing, grading, the lot it joins, the cash advance on the ledger, the receipt
text; every refusal names its field and saves nothing; who may record."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone, translation

from highland.coops.intake_texts import INTAKE_RECEIPT, net_kg_text, receipt_params
from highland.coops.models import CooperativeRules, Grade, Intake, LotStatus, ProduceLot
from highland.coops.services.intake import (
    CHECK_CODE_ALPHABET,
    MAX_ADVANCE_FEN,
    record_intake,
)
from highland.coops.services.lots import close_lot
from highland.core.errors import PermissionDenied, ValidationFailed
from highland.core.models import AuditRecord, User
from highland.ledger import accounts
from highland.ledger.invariants import verify_ledger
from highland.ledger.models import Entry, Posting
from highland.messaging.kinds import message_kinds, render
from highland.messaging.models import TextMessage
from highland.messaging.segments import count_sms_segments
from highland.network.models import ServicePoint

pytestmark = pytest.mark.django_db


def agent(demo: Any) -> User:
    return demo.user("village_agent")


def weigh(coop: Any, demo: Any, member_index: int = 1, **overrides: Any) -> Intake:
    member = overrides.pop("member", coop.members[member_index])
    arguments: dict[str, Any] = {
        "produce": coop.matsutake,
        "grade_code": "A",
        "gross_g": 12_350,
        "tare_g": 350,
        "attributes": {"cap_mm": 45, "moisture_pct": 12.5},
        "point": member.point,
        "advance_fen": 20_000,
        "actor": agent(demo),
    }
    arguments.update(overrides)
    return record_intake(member, **arguments)


def nothing_saved() -> tuple[int, int, int, int, int]:
    return (
        Intake.objects.count(),
        ProduceLot.objects.count(),
        Entry.objects.count(),
        TextMessage.objects.count(),
        AuditRecord.objects.filter(action__startswith="coops.").count(),
    )


def test_an_intake_at_a_village_point(coop, demo):
    intake = weigh(coop, demo)

    assert (intake.gross_g, intake.tare_g, intake.net_g) == (12_350, 350, 12_000)
    assert intake.factor_bp == coop.grades["MT-A"].factor_bp == 15_000
    assert intake.grade == coop.grades["MT-A"]
    assert intake.attributes == {"cap_mm": 45, "moisture_pct": 12.5}
    assert len(intake.check_code) == 8 and set(intake.check_code) <= set(CHECK_CODE_ALPHABET)
    lot = intake.lot
    assert lot is not None and lot.status == LotStatus.OPEN
    assert lot.code == f"C{coop.cooperative.pk}-MT-A-{timezone.localdate():%y%m%d}"
    assert AuditRecord.objects.filter(action="coops.intake.recorded").count() == 1


def test_the_advance_is_one_balanced_entry_and_verify_ledger_passes(coop, demo):
    intake = weigh(coop, demo)

    entry = Entry.objects.get(kind="coops.intake.advance_paid")
    lines = dict(Posting.objects.filter(entry=entry).values_list("account__code", "amount_fen"))
    assert lines == {
        accounts.member_advance(intake.member_id): 20_000,
        accounts.cash_at_point("LT-S01-V01"): -20_000,
    }
    assert (entry.reference_type, entry.reference_id) == ("coops.intake", str(intake.pk))
    assert verify_ledger(demo.county) == []


def test_verify_ledger_notices_an_advance_off_the_books(coop, demo):
    intake = weigh(coop, demo)
    Intake.objects.filter(pk=intake.pk).update(advance_fen=30_000)

    problems = verify_ledger(demo.county)

    assert [p for p in problems if p.startswith("coops.intake_advances_posted")] != []


def test_no_advance_no_entry(coop, demo):
    weigh(coop, demo, advance_fen=0)

    assert Entry.objects.count() == 0


def test_intakes_of_a_day_share_a_lot_and_a_closed_lot_is_not_joined(coop, demo):
    first = weigh(coop, demo)
    second = weigh(coop, demo, member_index=0)
    other_grade = weigh(coop, demo, grade_code="B")
    close_lot(first.lot, actor=coop.manager)

    third = weigh(coop, demo)

    assert first.lot_id == second.lot_id != other_grade.lot_id
    assert third.lot_id not in (first.lot_id, other_grade.lot_id)
    assert third.lot.code == f"{first.lot.code}-2"


def test_the_chosen_open_lot_is_joined(coop, demo):
    first = weigh(coop, demo)
    chosen = ProduceLot.objects.create(
        county=demo.county,
        cooperative=coop.cooperative,
        code="MANAGER-LOT",
        produce=coop.matsutake,
        grade_code="A",
        collected_on=timezone.localdate(),
        created_by=coop.manager,
    )

    second = weigh(coop, demo, lot=chosen)

    assert second.lot == chosen != first.lot


def test_the_receipt_text_goes_to_the_member_in_their_language(coop, demo):
    member = coop.members[1]
    member.language = "bo"
    member.save()

    intake = weigh(coop, demo)

    message = TextMessage.objects.get(kind=INTAKE_RECEIPT)
    assert message.phone == "13900000002"
    assert message.language == "bo"
    assert message.dedupe_key == f"coops.intake:{intake.pk}"
    assert intake.check_code in message.body


def test_a_member_without_a_phone_has_the_text_sent_to_the_agent(coop, demo):
    weigh(coop, demo, member_index=0)  # household 0001 has no phone

    message = TextMessage.objects.get(kind=INTAKE_RECEIPT)
    assert message.phone == agent(demo).phone


def test_net_kg_has_one_decimal():
    assert [net_kg_text(grams) for grams in (12_000, 12_345, 12_350, 49, 50)] == [
        "12.0",
        "12.3",
        "12.4",
        "0.0",
        "0.1",
    ]


@pytest.mark.parametrize("language", ["zh-hans", "bo"])
def test_the_receipt_text_fits_two_sms_segments(coop, demo, language):
    """With the longest realistic values: Tibetan produce and grade names, 9,999.9 kg,
    the largest advance. Measured in the member's language (it must be translated)."""
    intake = weigh(coop, demo, gross_g=9_999_900, tare_g=0, advance_fen=MAX_ADVANCE_FEN)
    params = receipt_params(intake, language)
    kind = message_kinds.get(INTAKE_RECEIPT)

    body = render(kind, params, language)
    with translation.override("en"):
        english = render(kind, params, "en")

    assert body != english, f"the intake receipt text is not translated into {language}"
    assert count_sms_segments(body) <= 2, body


# --- refusals: the field is named, nothing is saved -------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"gross_g": 500, "tare_g": 500}, "gross_g"),
        ({"gross_g": 0, "tare_g": 0}, "gross_g"),
        ({"gross_g": -100, "tare_g": 0}, "gross_g"),
        ({"gross_g": 500, "tare_g": 600}, "tare_g"),
        ({"gross_g": 500, "tare_g": -1}, "tare_g"),
        ({"gross_g": 10_000_001, "tare_g": 0}, "gross_g"),
        ({"gross_g": 1200.5}, "gross_g"),
        ({"tare_g": 0.5}, "tare_g"),
        ({"grade_code": "Z"}, "grade_code"),
        ({"attributes": {"moisture_pct": 10}}, "attributes.cap_mm"),
        ({"attributes": {"cap_mm": 5}}, "attributes.cap_mm"),
        ({"attributes": {"cap_mm": 201}}, "attributes.cap_mm"),
        ({"attributes": {"cap_mm": "big"}}, "attributes.cap_mm"),
        ({"attributes": {"cap_mm": True}}, "attributes.cap_mm"),
        ({"attributes": {"cap_mm": 40, "colour": 3}}, "attributes.colour"),
        ({"attributes": {"cap_mm": 40, "moisture_pct": 101}}, "attributes.moisture_pct"),
        ({"advance_fen": -1}, "advance_fen"),
        ({"advance_fen": MAX_ADVANCE_FEN + 1}, "advance_fen"),
        ({"recorded_at": timezone.now() + dt.timedelta(hours=2)}, "recorded_at"),
        ({"recorded_at": dt.datetime(2026, 6, 1, 9, 0)}, "recorded_at"),
    ],
)
def test_bad_input_is_refused_naming_the_field(coop, demo, overrides, field):
    before = nothing_saved()

    with pytest.raises(ValidationFailed) as refused:
        weigh(coop, demo, **overrides)

    assert refused.value.field == field
    assert refused.value.message
    assert nothing_saved() == before


def test_a_grade_not_in_the_scheme_in_force_that_day_is_refused(coop, demo):
    newer = CooperativeRules.objects.create(
        county=demo.county,
        cooperative=coop.cooperative,
        effective_from=timezone.localdate(),
        service_fee_bp=300,
        public_reserve_bp=1000,
        patronage_share_bp=6000,
        created_by=coop.manager,
    )
    Grade.objects.create(
        county=demo.county,
        rules=newer,
        produce=coop.matsutake,
        code="S",
        label_zh="特级",
        factor_bp=20_000,
    )
    yesterday = timezone.now() - dt.timedelta(days=1)

    with pytest.raises(ValidationFailed) as refused:
        weigh(coop, demo, grade_code="S", recorded_at=yesterday)
    today = weigh(coop, demo, grade_code="S")

    assert refused.value.field == "grade_code"
    assert today.factor_bp == 20_000
    with pytest.raises(ValidationFailed):
        weigh(coop, demo, grade_code="A")  # not in the new scheme


def test_a_member_who_left_is_refused(coop, demo):
    member = coop.members[1]
    member.left_on = timezone.localdate()
    member.save()
    before = nothing_saved()

    with pytest.raises(ValidationFailed) as refused:
        weigh(coop, demo, actor=coop.manager)

    assert refused.value.field == "member"
    assert nothing_saved() == before


def test_produce_of_another_cooperative_is_refused(coop, demo):
    with pytest.raises(ValidationFailed) as refused:
        weigh(
            coop,
            demo,
            member=coop.other_member,
            point=coop.other_member.point,
            actor=coop.other_manager,
        )

    assert refused.value.field == "produce"
    assert Intake.objects.count() == 0


def test_another_point_than_the_members_is_refused(coop, demo):
    other = ServicePoint.objects.get(county=demo.county, code="LT-S01-V02")

    with pytest.raises(ValidationFailed) as refused:
        weigh(coop, demo, point=other)

    assert refused.value.field == "point"
    assert nothing_saved()[0] == 0


def test_a_closed_point_is_refused(coop, demo):
    point = coop.members[1].point
    ServicePoint.objects.filter(pk=point.pk).update(active=False)
    point.refresh_from_db()

    with pytest.raises(ValidationFailed) as refused:
        weigh(coop, demo, point=point)

    assert refused.value.field == "point"
    assert nothing_saved()[0] == 0


def test_an_agent_cannot_weigh_at_the_yard(coop, demo):
    with pytest.raises(ValidationFailed) as refused:
        weigh(coop, demo, point=None, advance_fen=0)

    assert refused.value.field == "point"


def test_staff_weigh_at_the_yard_without_an_advance(coop, demo):
    intake = weigh(coop, demo, point=None, advance_fen=0, actor=coop.manager)
    assert intake.point is None
    before = nothing_saved()

    with pytest.raises(ValidationFailed) as refused:
        weigh(coop, demo, point=None, advance_fen=100, actor=coop.manager)

    assert refused.value.field == "advance_fen"
    assert nothing_saved() == before


def test_a_closed_chosen_lot_is_refused(coop, demo):
    first = weigh(coop, demo)
    close_lot(first.lot, actor=coop.manager)
    before = nothing_saved()

    with pytest.raises(ValidationFailed) as refused:
        weigh(coop, demo, lot=first.lot)
    with pytest.raises(ValidationFailed) as other_grade:
        weigh(coop, demo, grade_code="B", lot=weigh(coop, demo).lot)

    assert refused.value.field == other_grade.value.field == "lot"
    assert nothing_saved()[0] == before[0] + 1


# --- who may record -----------------------------------------------------------------------------


def test_the_agent_of_another_point_may_not_record(coop, demo):
    stranger = User.objects.create(username="agent_elsewhere", county=demo.county)
    point = ServicePoint.objects.get(county=demo.county, code="LT-S01-V02")
    point.agents.add(stranger)

    with pytest.raises(PermissionDenied):
        weigh(coop, demo, actor=stranger)  # member 0002 is at V01
    assert nothing_saved()[0] == 0


@pytest.mark.parametrize("who", ["other_manager", "member", "buyer"])
def test_others_may_not_record(coop, demo, who):
    actor = {
        "other_manager": coop.other_manager,
        "member": coop.members[0].head,
        "buyer": demo.user("buyer"),
    }[who]
    before = nothing_saved()

    with pytest.raises(PermissionDenied):
        weigh(coop, demo, actor=actor)

    assert nothing_saved() == before
