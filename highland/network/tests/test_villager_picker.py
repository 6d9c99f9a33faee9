"""Finding the villagers an agent serves, and registering without making duplicates."""

from __future__ import annotations

import json

import pytest

from highland.core.models import AuditRecord, User
from highland.network import services
from highland.network.models import Resident
from highland.network.selectors import likely_duplicate_villagers, search_villagers

AGENT = "village_agent"


@pytest.fixture
def yangzom(demo):
    """央宗 of household 扎嘎村 3 组 12 户, phone 139 1234 5678, at LT-S01-V01."""
    return services.register_villager(
        demo.point("LT-S01-V01"),
        actor=demo.user(AGENT),
        display_name="央宗",
        phone="13912345678",
        household="扎嘎村 3 组 12 户",
    )


def people() -> tuple[int, int]:
    return User.objects.count(), Resident.objects.count()


# --- the selectors ------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["央宗", "3 组 12", "5678", "", "扎嘎"])
def test_the_agent_finds_a_villager_by_name_household_village_or_phone_digits(demo, yangzom, query):
    found = search_villagers(demo.user(AGENT), demo.county, query)

    assert yangzom.person in found


def test_the_search_is_limited_to_the_villagers_the_agent_serves(demo, yangzom):
    assert list(search_villagers(demo.user("operator"), demo.county, "央宗")) == []
    assert list(search_villagers(demo.user(AGENT), demo.county, "9999")) == []


@pytest.mark.parametrize(
    ("name", "phone", "household", "duplicate"),
    [
        ("央宗", "139 1234 5678", "", True),  # same name and phone, however typed
        ("央宗", "", "", False),  # the same name alone is common
        ("卓玛", "13912345678", "", False),  # a family shares a phone
        ("卓玛", "", "扎嘎村 3 组 12 户", True),  # same household
        ("卓玛", "", "扎嘎村 3 组 13 户", False),
    ],
)
def test_likely_duplicates(demo, yangzom, name, phone, household, duplicate):
    found = list(
        likely_duplicate_villagers(demo.county, display_name=name, phone=phone, household=household)
    )

    assert found == ([yangzom] if duplicate else [])


# --- the service --------------------------------------------------------------------------------


def test_registering_a_likely_duplicate_is_refused_with_the_existing_person(demo, yangzom):
    before = people()

    with pytest.raises(services.DuplicateVillagers) as refusal:
        services.register_villager(
            demo.point("LT-S01-V01"),
            actor=demo.user(AGENT),
            display_name="央宗",
            phone="139-1234-5678",
        )

    assert refusal.value.status_code == 409
    assert refusal.value.code == "likely_duplicate"
    assert refusal.value.duplicates == [yangzom]
    assert people() == before


def test_confirming_registers_a_second_person_and_the_trail_says_so(demo, yangzom):
    resident = services.register_villager(
        demo.point("LT-S01-V01"),
        actor=demo.user(AGENT),
        display_name="央宗",
        phone="13912345678",
        confirm_duplicate=True,
    )

    assert resident.person != yangzom.person
    record = AuditRecord.objects.filter(action="network.villager.registered").latest("pk")
    assert record.changes["confirmed_duplicate_of"] == [yangzom.person_id]


# --- the page -----------------------------------------------------------------------------------


def test_the_page_offers_the_existing_person_and_a_register_anyway_box(demo, client_as, yangzom):
    client = client_as(demo.user(AGENT))
    point = demo.point("LT-S01-V01")
    before = people()

    response = client.post(
        f"/network/points/{point.pk}/villagers/",
        {"display_name": "卓玛", "household": "扎嘎村 3 组 12 户"},
    )

    assert response.status_code == 200
    assert people() == before
    html = response.content.decode()
    assert response.context["duplicates"] == [yangzom]
    assert f"/orders/assisted/?villager={yangzom.person_id}" in html
    assert "phone …5678" in html
    assert 'name="confirm_duplicate"' in html

    confirmed = client.post(
        f"/network/points/{point.pk}/villagers/",
        {"display_name": "卓玛", "household": "扎嘎村 3 组 12 户", "confirm_duplicate": "on"},
    )

    assert confirmed.status_code == 302
    assert people() == (before[0] + 1, before[1] + 1)


# --- the API ------------------------------------------------------------------------------------


def post_villager(client, payload):
    return client.post(
        "/api/v1/villagers/", data=json.dumps(payload), content_type="application/json"
    )


def test_the_api_lists_the_agents_villagers_with_the_last_digits_only(demo, client_as, yangzom):
    response = client_as(demo.user(AGENT)).get("/api/v1/villagers/", {"q": "5678"})

    assert response.status_code == 200
    assert response.json() == [
        {
            "id": yangzom.person_id,
            "name": "央宗",
            "household": "扎嘎村 3 组 12 户",
            "point_id": demo.point("LT-S01-V01").pk,
            "village": demo.point("LT-S01-V01").village,
            "phone_last_digits": "5678",
        }
    ]


def test_the_api_lists_nobody_for_someone_who_serves_no_villagers(demo, client_as, yangzom):
    assert client_as(demo.user("operator")).get("/api/v1/villagers/").json() == []
    assert client_as(demo.user("buyer")).get("/api/v1/villagers/").json() == []


def test_the_api_needs_a_login(demo, client_as):
    assert client_as(None).get("/api/v1/villagers/").status_code == 401
    assert post_villager(client_as(None), {"point_id": 1, "display_name": "x"}).status_code == 401


def test_the_api_answers_409_with_the_duplicates_then_registers_when_confirmed(
    demo, client_as, yangzom
):
    client = client_as(demo.user(AGENT))
    payload = {
        "point_id": demo.point("LT-S01-V01").pk,
        "display_name": "央宗",
        "phone": "13912345678",
    }
    before = people()

    refused = post_villager(client, payload)

    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "likely_duplicate"
    assert [duplicate["id"] for duplicate in body["duplicates"]] == [yangzom.person_id]
    assert people() == before

    registered = post_villager(client, {**payload, "confirm_duplicate": True})

    assert registered.status_code == 201
    assert registered.json()["phone_last_digits"] == "5678"
    assert people() == (before[0] + 1, before[1] + 1)


def test_the_api_refuses_a_wrong_role_and_another_countys_point(demo, client_as, other_county):
    before = people()

    buyer = post_villager(
        client_as(demo.user("buyer")),
        {"point_id": demo.point("LT-S01-V01").pk, "display_name": "多吉"},
    )
    outsider = post_villager(
        client_as(other_county.operator),
        {"point_id": demo.point("LT-S01-V01").pk, "display_name": "多吉"},
    )

    assert buyer.status_code == 403
    assert outsider.status_code == 404
    assert people() == before
