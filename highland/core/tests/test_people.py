"""Organisations, people and memberships: rules of roles, permissions, audit."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from highland.core import services
from highland.core.errors import PermissionDenied, ValidationFailed
from highland.core.models import AuditRecord, Membership, Organisation, OrganisationType, Role, User
from highland.core.permissions import roles_of


def people_state():
    return (
        list(Organisation.objects.order_by("pk").values()),
        list(Membership.objects.order_by("pk").values()),
        list(User.objects.order_by("pk").values("pk", "username", "county_id")),
        AuditRecord.objects.count(),
    )


def test_operator_registers_a_herder_who_cannot_log_in(demo):
    herder = services.register_person(
        demo.county,
        actor=demo.user("operator"),
        username="herder_gesang",
        display_name="格桑 牧户",
    )

    assert herder.county == demo.county
    assert herder.has_usable_password() is False
    assert (
        AuditRecord.objects.filter(
            action="core.person.registered", object_id=str(herder.pk)
        ).count()
        == 1
    )


def test_phone_must_be_a_mainland_mobile(demo):
    before = people_state()

    with pytest.raises(ValidationFailed) as refusal:
        services.register_person(
            demo.county,
            actor=demo.user("operator"),
            username="x1",
            display_name="X",
            phone="0836-1234567",
        )

    assert list(refusal.value.errors) == ["phone"]
    assert people_state() == before


def test_membership_role_must_fit_the_organisation(demo):
    coop = Organisation.objects.get(county=demo.county, type=OrganisationType.COOPERATIVE)
    before = people_state()

    with pytest.raises(ValidationFailed) as refusal:
        services.add_membership(
            demo.user("buyer"),
            actor=demo.user("operator"),
            role=Role.DRIVER,
            county=demo.county,
            organisation=coop,
        )

    assert refusal.value.errors == {
        "role": ["This role cannot be held in this kind of organisation."]
    }
    assert people_state() == before


def test_membership_gives_and_ending_takes_the_role(demo):
    carrier = Organisation.objects.get(county=demo.county, type=OrganisationType.CARRIER)
    buyer = demo.user("buyer")

    membership = services.add_membership(
        buyer,
        actor=demo.user("operator"),
        role=Role.DRIVER,
        county=demo.county,
        organisation=carrier,
    )
    assert roles_of(buyer, demo.county) == {Role.BUYER, Role.DRIVER}

    services.end_membership(membership, actor=demo.user("operator"))
    assert roles_of(buyer, demo.county) == {Role.BUYER}
    assert list(
        AuditRecord.objects.filter(object_type="core.membership", object_id=str(membership.pk))
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["core.membership.added", "core.membership.ended"]


def test_person_of_another_county_cannot_join(demo, other_county):
    coop = Organisation.objects.get(county=demo.county, type=OrganisationType.COOPERATIVE)
    before = people_state()

    with pytest.raises(ValidationFailed):
        services.add_membership(
            other_county.operator,
            actor=demo.user("operator"),
            role=Role.MEMBER,
            county=demo.county,
            organisation=coop,
        )

    assert people_state() == before


CORE_ACTIONS = {
    "create_organisation": lambda d, a: services.create_organisation(
        d.county,
        actor=a,
        type=OrganisationType.ENTERPRISE,
        name_zh="新企业",
        name_bo="ཀུང་སི།",
        name_en="New Co",
    ),
    "register_person": lambda d, a: services.register_person(
        d.county, actor=a, username="new_person", display_name="New"
    ),
    "add_membership": lambda d, a: services.add_membership(
        d.user("buyer"),
        actor=a,
        role=Role.TRAINER,
        county=d.county,
        organisation=Organisation.objects.get(
            county=d.county, type=OrganisationType.TRAINING_PROVIDER
        ),
    ),
    "end_membership": lambda d, a: services.end_membership(
        Membership.objects.get(user=d.user("driver")), actor=a
    ),
}


@pytest.mark.parametrize("action", sorted(CORE_ACTIONS))
@pytest.mark.parametrize("who", ["anonymous", "other_county", "wrong_role", "allowed"])
def test_core_permission_matrix(demo, other_county, action, who):
    actor = {
        "anonymous": AnonymousUser(),
        "other_county": other_county.operator,
        "wrong_role": demo.user("official"),
        "allowed": demo.user("operator"),
    }[who]
    before = people_state()

    if who == "allowed":
        CORE_ACTIONS[action](demo, actor)
        assert AuditRecord.objects.count() == before[-1] + 1
    else:
        with pytest.raises(PermissionDenied):
            CORE_ACTIONS[action](demo, actor)
        assert people_state() == before


def test_organisation_needs_all_three_names(demo):
    before = people_state()

    with pytest.raises(ValidationFailed) as refusal:
        services.create_organisation(
            demo.county,
            actor=demo.user("operator"),
            type=OrganisationType.BANK,
            name_zh="银行",
            name_bo="",
            name_en="Bank",
        )

    assert list(refusal.value.errors) == ["name_bo"]
    assert people_state() == before
