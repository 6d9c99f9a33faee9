"""Agents register villagers (phone optional) and order for them."""

from __future__ import annotations

import pytest

from highland.core.errors import PermissionDenied, ValidationFailed
from highland.core.models import AuditRecord, User
from highland.network import services
from highland.network.models import Resident


def test_village_agent_registers_a_villager_without_a_phone(demo):
    agent, point = demo.user("village_agent"), demo.point("LT-S01-V01")

    resident = services.register_villager(
        point, actor=agent, display_name="央宗", household="扎嘎村 3 组 12 户"
    )

    person = resident.person
    assert person.county == demo.county
    assert person.has_usable_password() is False
    assert person.phone == ""
    record = AuditRecord.objects.get(action="network.villager.registered")
    assert (record.actor, record.on_behalf_of) == (agent, person)


def test_station_agent_registers_at_a_village_under_the_station(demo):
    resident = services.register_villager(
        demo.point("LT-S01-V03"), actor=demo.user("agent"), display_name="多吉"
    )
    assert resident.point.code == "LT-S01-V03"


@pytest.mark.parametrize(("phone", "field"), [("12345", "phone"), ("0836-5321234", "phone")])
def test_bad_phone_is_refused(demo, phone, field):
    users = User.objects.count()

    with pytest.raises(ValidationFailed) as refusal:
        services.register_villager(
            demo.point("LT-S01-V01"),
            actor=demo.user("village_agent"),
            display_name="央宗",
            phone=phone,
        )

    assert field in refusal.value.errors
    assert User.objects.count() == users


@pytest.mark.parametrize("username", ["seller", "driver"])
def test_other_roles_cannot_register(demo, username):
    residents = Resident.objects.count()  # the demo's own villager

    with pytest.raises(PermissionDenied):
        services.register_villager(
            demo.point("LT-S01-V01"), actor=demo.user(username), display_name="x"
        )
    assert Resident.objects.count() == residents


def test_agent_of_another_station_cannot_register(demo):
    with pytest.raises(PermissionDenied):
        services.register_villager(
            demo.point("LT-S02-V01"), actor=demo.user("agent"), display_name="x"
        )


def test_villagers_page_registers_and_lists(demo, client_as):
    client = client_as(demo.user("village_agent"))
    point = demo.point("LT-S01-V01")

    response = client.post(
        f"/network/points/{point.pk}/villagers/", {"display_name": "次仁卓玛", "phone": ""}
    )

    assert response.status_code == 302
    assert "次仁卓玛" in client.get(f"/network/points/{point.pk}/villagers/").content.decode()
    assert "次仁卓玛" in client.get("/orders/assisted/").content.decode()


def test_a_phone_typed_with_spaces_and_a_country_code_is_stored_as_eleven_digits(demo):
    resident = services.register_villager(
        demo.point("LT-S01-V01"),
        actor=demo.user("village_agent"),
        display_name="央宗",
        phone="+86 139 1234 5678",
    )

    assert resident.person.phone == "13912345678"
