"""Member register and rules services: validation names the field and saves nothing,
rules versions are chosen by date, capital never goes negative, permissions hold."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from highland.coops.models import CapitalContribution, CooperativeRules, Grade, Member, Produce
from highland.coops.services import members as member_services
from highland.coops.services.members import (
    clean_national_id,
    member_capital,
    record_capital_contribution,
    record_member_leaving,
    register_member,
    update_member,
)
from highland.coops.services.rules import (
    GradeSpec,
    add_produce,
    add_rules_version,
    grade_for,
    rules_in_force,
    update_produce,
)
from highland.coops.tests.memberdata import resident_id
from highland.core.errors import PermissionDenied, ValidationFailed
from highland.core.models import AuditRecord, Membership, Role
from highland.network.models import Resident

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _member_kwargs(coop: Any, demo: Any, **overrides: Any) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "household": "新户家",
        "head_name": "扎西",
        "national_id": resident_id(7),
        "phone": "13900000099",
        "point": demo.point("LT-S01-V02"),
        "payout_method": "bank",
        "payout_bank": "农村信用社",
        "payout_account": "6228480000000000099",
        "language": "bo",
        "joined_on": dt.date(2026, 6, 1),
        "actor": coop.manager,
    }
    kwargs.update(overrides)
    return kwargs


# --- national IDs ---------------------------------------------------------------------------


def test_a_valid_resident_id_passes_and_is_stored_masked(coop, demo):
    number = resident_id(7)
    assert clean_national_id(number.lower()) == number

    member = register_member(coop.cooperative, **_member_kwargs(coop, demo))

    assert member.national_id_masked == "*" * 14 + number[-4:]
    assert number[:14] not in str(Member.objects.filter(pk=member.pk).values().get())


@pytest.mark.parametrize(
    "bad",
    [
        "51333419800101001",  # 17 characters
        "5133341980010100XX",
        "513334198013010010",  # no 13th month
    ],
)
def test_a_malformed_resident_id_is_refused(bad):
    with pytest.raises(ValueError):
        clean_national_id(bad)


def test_a_wrong_check_digit_is_refused():
    good = resident_id(3)
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(ValueError, match="check digit"):
        clean_national_id(wrong)


# --- registering ------------------------------------------------------------------------------


def test_register_member_makes_the_head_a_resident_and_member(coop, demo):
    member = register_member(coop.cooperative, **_member_kwargs(coop, demo))

    assert member.number == "0004"
    assert member.head.display_name == "扎西"
    assert not member.head.has_usable_password()
    assert Resident.objects.get(person=member.head).point == demo.point("LT-S01-V02")
    assert Membership.objects.filter(
        user=member.head, organisation=coop.cooperative, role=Role.MEMBER, active=True
    ).exists()
    assert AuditRecord.objects.filter(action="coops.member.registered").count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"household": " "}, "household"),
        ({"head_name": ""}, "head_name"),
        ({"national_id": "123"}, "national_id"),
        ({"phone": "12345"}, "phone"),
        ({"point": None}, "point"),
        ({"payout_method": "cheque"}, "payout_method"),
        ({"payout_bank": ""}, "payout_bank"),
        ({"payout_account": "abc"}, "payout_account"),
        ({"payout_method": "mobile", "payout_account": ""}, "payout_account"),
        ({"language": "fr"}, "language"),
        ({"joined_on": TODAY + dt.timedelta(days=1)}, "joined_on"),
        ({"number": "0001"}, "number"),
        ({"number": "no spaces"}, "number"),
    ],
)
def test_bad_member_details_name_the_field_and_save_nothing(coop, demo, overrides, field):
    members_before = Member.objects.count()

    with pytest.raises(ValidationFailed) as refused:
        register_member(coop.cooperative, **_member_kwargs(coop, demo, **overrides))

    assert field in refused.value.errors
    assert Member.objects.count() == members_before
    assert not Resident.objects.filter(person__display_name="扎西").exists()


def test_a_member_point_must_be_a_village_point(coop, demo):
    with pytest.raises(ValidationFailed) as refused:
        register_member(coop.cooperative, **_member_kwargs(coop, demo, point=demo.point("LT-S01")))
    assert "point" in refused.value.errors


def test_cash_members_keep_no_account(coop, demo):
    member = register_member(
        coop.cooperative, **_member_kwargs(coop, demo, payout_method="cash", phone="")
    )
    assert (member.payout_bank, member.payout_account, member.phone) == ("", "", "")


def test_an_existing_person_heads_one_household_only(coop, demo):
    head = coop.members[0].head
    with pytest.raises(ValidationFailed) as refused:
        register_member(coop.cooperative, **_member_kwargs(coop, demo, head=head))
    assert "head" in refused.value.errors


@pytest.mark.parametrize("who", ["other_manager", "agent", "member", "buyer", "seller"])
def test_only_the_cooperatives_manager_and_accountant_manage_members(coop, demo, who):
    actor = coop.other_manager if who == "other_manager" else demo.user(who)
    with pytest.raises(PermissionDenied):
        register_member(coop.cooperative, **_member_kwargs(coop, demo, actor=actor))
    with pytest.raises(PermissionDenied):
        update_member(coop.members[1], household="改名", actor=actor)
    with pytest.raises(PermissionDenied):
        record_member_leaving(coop.members[1], left_on=TODAY, actor=actor)
    with pytest.raises(PermissionDenied):
        record_capital_contribution(coop.members[1], amount_fen=100, occurred_on=TODAY, actor=actor)
    assert not Member.objects.filter(household__in=["新户家", "改名"]).exists()


def test_the_accountant_registers_members_but_only_the_manager_changes_rules(coop, demo):
    register_member(coop.cooperative, **_member_kwargs(coop, demo, actor=coop.accountant))
    with pytest.raises(PermissionDenied):
        add_rules_version(
            coop.cooperative,
            effective_from=TODAY,
            service_fee_bp=300,
            public_reserve_bp=1000,
            patronage_share_bp=7000,
            grades=[],
            actor=coop.accountant,
        )


# --- updating, leaving, capital ---------------------------------------------------------------


def test_update_member_changes_only_what_is_given(coop):
    member = coop.members[2]
    updated = update_member(
        member, payout_method="bank", payout_bank="工商银行", actor=coop.manager
    )
    assert (updated.payout_method, updated.payout_bank) == ("bank", "工商银行")
    assert updated.household == member.household
    record = AuditRecord.objects.get(action="coops.member.changed")
    assert set(record.changes) == {"payout_method", "payout_bank"}


def test_update_member_refuses_a_bank_without_its_name(coop):
    member = coop.members[0]
    with pytest.raises(ValidationFailed) as refused:
        update_member(
            member, payout_method="bank", payout_account="6228480000001", actor=coop.manager
        )
    assert "payout_bank" in refused.value.errors
    member.refresh_from_db()
    assert member.payout_method == "cash"


def test_a_member_leaves_once_and_not_before_joining(coop):
    member = coop.members[1]
    with pytest.raises(ValidationFailed) as refused:
        record_member_leaving(member, left_on=dt.date(2025, 1, 1), actor=coop.manager)
    assert "left_on" in refused.value.errors

    left = record_member_leaving(member, left_on=TODAY, actor=coop.manager)
    assert left.left_on == TODAY and not left.is_active
    with pytest.raises(ValidationFailed):
        record_member_leaving(member, left_on=TODAY, actor=coop.manager)
    assert not Membership.objects.filter(
        user=member.head, organisation=coop.cooperative, role=Role.MEMBER, active=True
    ).exists()


def test_capital_is_the_sum_of_contributions_and_never_negative(coop):
    member = coop.members[0]
    record_capital_contribution(member, amount_fen=50_000, occurred_on=TODAY, actor=coop.manager)
    record_capital_contribution(
        member, amount_fen=-20_000, occurred_on=TODAY, actor=coop.accountant
    )
    assert member_capital(member) == 30_000

    with pytest.raises(ValidationFailed) as refused:
        record_capital_contribution(
            member, amount_fen=-30_001, occurred_on=TODAY, actor=coop.manager
        )
    assert refused.value.field == "amount_fen"
    assert member_capital(member) == 30_000


@pytest.mark.parametrize(
    ("amount", "occurred_on", "field"),
    [
        (0, TODAY, "amount_fen"),
        (100, TODAY + dt.timedelta(days=1), "occurred_on"),
        (100, dt.date(2025, 12, 31), "occurred_on"),
    ],
)
def test_bad_contributions_are_refused(coop, amount, occurred_on, field):
    with pytest.raises(ValidationFailed) as refused:
        record_capital_contribution(
            coop.members[0], amount_fen=amount, occurred_on=occurred_on, actor=coop.manager
        )
    assert field in refused.value.errors
    assert not CapitalContribution.objects.exists()


def test_a_member_who_left_pays_in_nothing_more(coop):
    member = coop.members[1]
    record_capital_contribution(member, amount_fen=1000, occurred_on=TODAY, actor=coop.manager)
    record_member_leaving(member, left_on=TODAY, actor=coop.manager)
    with pytest.raises(ValidationFailed):
        record_capital_contribution(member, amount_fen=1000, occurred_on=TODAY, actor=coop.manager)
    record_capital_contribution(member, amount_fen=-1000, occurred_on=TODAY, actor=coop.manager)
    assert member_capital(member) == 0


def test_search_finds_by_number_name_and_pinyin_initials(coop):
    register = Member.objects.filter(cooperative=coop.cooperative)
    assert [
        m.number
        for m in member_services.search_members(
            Member.objects.filter(cooperative=coop.cooperative), "0002"
        )
    ] == ["0002"]
    assert [
        m.number
        for m in member_services.search_members(
            Member.objects.filter(cooperative=coop.cooperative), "卓玛"
        )
    ] == ["0003"]
    assert [
        m.number
        for m in member_services.search_members(
            Member.objects.filter(cooperative=coop.cooperative), "gsj"
        )
    ] == ["0001"]
    assert member_services.search_members(register, "外社") == []


# --- rules -------------------------------------------------------------------------------------


def _version(coop: Any, effective_from: dt.date, **overrides: Any) -> CooperativeRules:
    kwargs: dict[str, Any] = {
        "effective_from": effective_from,
        "service_fee_bp": 500,
        "public_reserve_bp": 1500,
        "patronage_share_bp": 7000,
        "grades": [
            GradeSpec(coop.yak, "a", "特级", "", "Prime", 13000),
            (coop.yak, "B", "一级", "", "First", 10000),
        ],
        "actor": coop.manager,
    }
    kwargs.update(overrides)
    return add_rules_version(coop.cooperative, **kwargs)


def test_rules_in_force_are_chosen_by_date(coop):
    later = TODAY + dt.timedelta(days=10)
    new = _version(coop, later)

    assert rules_in_force(coop.cooperative, TODAY) == coop.rules
    assert rules_in_force(coop.cooperative, later) == new
    assert grade_for(coop.cooperative, coop.yak, "A", TODAY).factor_bp == 12000
    assert grade_for(coop.cooperative, coop.yak, "a", later).factor_bp == 13000
    with pytest.raises(ValidationFailed, match="no rules in force"):
        rules_in_force(coop.cooperative, dt.date(2025, 12, 31))


def test_a_grade_outside_the_scheme_is_refused(coop):
    later = TODAY + dt.timedelta(days=1)
    _version(coop, later)
    with pytest.raises(
        ValidationFailed, match="Grade C is not in the scheme for Yak meat"
    ) as refused:
        grade_for(coop.cooperative, coop.yak, "C", later)
    assert refused.value.field == "grade"
    with pytest.raises(ValidationFailed, match="not in the scheme"):
        grade_for(coop.cooperative, coop.matsutake, "A", later)


def test_a_future_version_may_be_replaced_but_one_in_force_not(coop):
    later = TODAY + dt.timedelta(days=5)
    _version(coop, later)
    replacement = _version(coop, later, service_fee_bp=400)
    assert CooperativeRules.objects.filter(cooperative=coop.cooperative).count() == 2
    assert rules_in_force(coop.cooperative, later) == replacement
    assert Grade.objects.filter(rules__effective_from=later).count() == 2

    with pytest.raises(ValidationFailed) as refused:
        _version(coop, coop.rules.effective_from)
    assert "effective_from" in refused.value.errors


def test_a_new_version_cannot_reach_into_the_past(coop):
    with pytest.raises(ValidationFailed) as refused:
        _version(coop, TODAY - dt.timedelta(days=1))
    assert "effective_from" in refused.value.errors


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        (
            {"patronage_share_bp": 5999},
            "patronage_share_bp",
            "Farmers' Professional Cooperatives Law",
        ),
        ({"service_fee_bp": 10001}, "service_fee_bp", "between 0 % and 100 %"),
        ({"service_fee_bp": -1}, "service_fee_bp", "between"),
        ({"public_reserve_bp": 20000}, "public_reserve_bp", "between"),
        ({"grades": [(None, "A", "甲", "", "", 10000)]}, "grades", "not this cooperative"),
        ({"grades": [("yak", "A", "甲", "", "", 0)]}, "grades", "above 0"),
        ({"grades": [("yak", "A", "甲", "", "", -5)]}, "grades", "above 0"),
        (
            {"grades": [("yak", "A", "甲", "", "", 100), ("yak", "a", "乙", "", "", 200)]},
            "grades",
            "listed twice",
        ),
        ({"grades": [("yak", "", "甲", "", "", 100)]}, "grades", "code"),
        ({"grades": [("yak", "A", "", "", "", 100)]}, "grades", "label in Chinese"),
    ],
)
def test_bad_rules_name_the_field_and_save_nothing(coop, overrides, field, words):
    if "grades" in overrides:
        overrides["grades"] = [
            (coop.yak if spec[0] == "yak" else spec[0], *spec[1:]) for spec in overrides["grades"]
        ]
    versions = CooperativeRules.objects.count()

    with pytest.raises(ValidationFailed) as refused:
        _version(coop, TODAY + dt.timedelta(days=3), **overrides)

    assert field in refused.value.errors
    assert words in " ".join(refused.value.errors[field])
    assert CooperativeRules.objects.count() == versions


def test_grades_of_another_cooperatives_produce_are_refused(coop):
    theirs = Produce.objects.create(
        county=coop.county,
        cooperative=coop.other_cooperative,
        code="X",
        name_zh="外",
        name_bo="",
        name_en="",
    )
    with pytest.raises(ValidationFailed) as refused:
        _version(coop, TODAY + dt.timedelta(days=3), grades=[(theirs, "A", "甲", "", "", 100)])
    assert "not this cooperative" in refused.value.errors["grades"][0]


def test_another_cooperatives_manager_cannot_add_rules(coop):
    with pytest.raises(PermissionDenied):
        _version(coop, TODAY + dt.timedelta(days=3), actor=coop.other_manager)


# --- produce -----------------------------------------------------------------------------------

CAP = {
    "key": "cap_mm",
    "label_zh": "菌盖",
    "label_bo": "",
    "label_en": "Cap",
    "unit": "mm",
    "min": 0,
    "max": 300,
    "required": True,
}


def test_add_and_update_produce(coop):
    produce = add_produce(
        coop.cooperative,
        code="mt-dry",
        names={"zh": "干松茸", "en": "Dried"},
        attributes=[CAP],
        actor=coop.manager,
    )
    assert produce.code == "MT-DRY" and produce.attributes[0]["key"] == "cap_mm"
    updated = update_produce(produce, attributes=[], active=False, actor=coop.manager)
    assert updated.attributes == [] and not updated.active


@pytest.mark.parametrize(
    ("attributes", "words"),
    [
        ([{**CAP, "key": "Cap Size"}], "key"),
        ([CAP, CAP], "used twice"),
        ([{**CAP, "label_zh": ""}], "label in Chinese"),
        ([{**CAP, "min": 10, "max": 5}], "min is above max"),
        ([{**CAP, "min": "ten"}], "numbers"),
        ([{**CAP, "required": "yes"}], "true or false"),
        ([{**CAP, "colour": "red"}], "unknown fields colour"),
        (["cap"], "not an attribute"),
    ],
)
def test_bad_attributes_are_refused_by_position(coop, attributes, words):
    with pytest.raises(ValidationFailed) as refused:
        add_produce(
            coop.cooperative,
            code="NEW",
            names={"zh": "新"},
            attributes=attributes,
            actor=coop.manager,
        )
    assert words in " ".join(refused.value.errors["attributes"])
    assert "Attribute" in refused.value.errors["attributes"][0]
    assert not Produce.objects.filter(code="NEW").exists()


def test_produce_codes_are_unique_and_names_required(coop):
    with pytest.raises(ValidationFailed) as refused:
        add_produce(coop.cooperative, code="YAK", names={"zh": ""}, actor=coop.manager)
    assert set(refused.value.errors) == {"code", "names"}


def test_member_accounts_are_named_by_household_in_the_ledger(coop):
    from highland.ledger.accounts import describe_all, member_advance, member_payable

    member = coop.members[1]
    names = describe_all(
        coop.county, [member_payable(member.pk), member_advance(member.pk), member_payable(999999)]
    )
    assert names[member_payable(member.pk)] == "Owed to member 0002 次仁家"
    assert "0002 次仁家" in names[member_advance(member.pk)]
    assert names[member_payable(999999)] == "Owed to member #999999"
