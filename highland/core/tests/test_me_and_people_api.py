"""`GET /api/v1/me` (who am I, and for whom) and the county's people for operators."""

from __future__ import annotations

import pytest

from highland.catalog.models import Seller
from highland.core.models import Membership, Organisation, Role, User


def test_me_names_the_agents_points_and_organisation(demo, client_as):
    agent = demo.user("village_agent")

    body = client_as(agent).get("/api/v1/me").json()

    assert body["username"] == "village_agent"
    assert body["language"] == "en"
    assert body["county"] == {"id": demo.county.pk, "code": "513334", "name": "Litang County"}
    assert body["county_code"] == "513334"
    assert body["roles"] == ["station_agent"]
    assert body["role_labels"] == [{"code": "station_agent", "label": "Station agent"}]
    assert [(row["code"], row["name"]) for row in body["service_points"]] == [
        (point.code, point.name_en)
        for point in (demo.point("LT-S01-V01"), demo.point("LT-S01-V02"))
    ]
    assert [(row["type"], row["roles"]) for row in body["organisations"]] == [
        ("service_station", [{"code": "station_agent", "label": "Station agent"}])
    ]
    assert body["sellers"] == [
        {"id": seller.pk, "name": seller.name_en or seller.name_zh}
        for seller in Seller.objects.filter(represented_by=agent).order_by("name_zh", "pk")
    ]


def test_me_names_the_sellers_of_seller_staff_and_accountants(demo, client_as):
    enterprise = Seller.objects.get(organisation__name_en="Litang Plateau Specialities Co., Ltd.")
    coop = Seller.objects.get(organisation__name_en="Benge Township Yak Herders' Cooperative")

    seller = client_as(demo.user("seller")).get("/api/v1/me").json()
    accountant = client_as(demo.user("coop_accountant")).get("/api/v1/me").json()
    operator = client_as(demo.user("operator")).get("/api/v1/me").json()

    assert seller["sellers"] == [{"id": enterprise.pk, "name": enterprise.name_en}]
    assert seller["service_points"] == []
    assert accountant["sellers"] == [{"id": coop.pk, "name": coop.name_en}]
    assert [row["name"] for row in accountant["organisations"]] == [
        "Benge Township Yak Herders' Cooperative"
    ]
    assert accountant["organisations"][0]["type_label"] == "Cooperative"
    # Operators manage every seller but work for none of them.
    assert operator["sellers"] == []
    assert operator["role_labels"] == [{"code": "centre_operator", "label": "Centre operator"}]


def test_me_speaks_the_readers_language(demo, client_as):
    client = client_as(demo.user("coop_manager"))

    chinese = client.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    tibetan = client.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="bo").json()

    assert chinese["language"] == "zh-hans"
    assert chinese["county"]["name"] == "理塘县"
    assert chinese["organisations"][0]["name"] == "理塘县奔戈乡牦牛养殖专业合作社"
    assert tibetan["language"] == "bo"
    assert tibetan["organisations"][0]["name"] == "ལི་ཐང་རྫོང་དཔོན་སྒར་ཤང་གཡག་གསོ་སྐྱོང་མཉམ་ལས་ཁང་།"


def test_me_leaves_out_ended_memberships_and_inactive_organisations(demo, client_as):
    manager = demo.user("coop_manager")
    Membership.objects.filter(user=manager).update(active=False)

    body = client_as(manager).get("/api/v1/me").json()

    assert (body["roles"], body["organisations"], body["sellers"]) == ([], [], [])


def test_me_of_a_person_without_a_county(db, client_as):
    person = User.objects.create_user("drifter", password=None)

    body = client_as(person).get("/api/v1/me").json()

    assert (body["county"], body["roles"], body["organisations"]) == (None, [], [])


def test_me_needs_a_login(db, client_as):
    response = client_as(None).get("/api/v1/me")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_me_has_a_query_budget(demo, client_as, django_assert_max_num_queries):
    client = client_as(demo.user("village_agent"))

    with django_assert_max_num_queries(9):
        assert client.get("/api/v1/me").status_code == 200


# --- people of the county ----------------------------------------------------------------------


def test_an_operator_lists_and_finds_people_with_whole_numbers(demo, client_as):
    operator = client_as(demo.user("operator"))

    everyone = operator.get("/api/v1/people/?limit=200").json()
    found = operator.get("/api/v1/people/?q=0003").json()
    agents = operator.get("/api/v1/people/?role=station_agent").json()

    assert {row["username"] for row in everyone} >= {"official", "operator", "agent", "buyer"}
    assert [row["username"] for row in found] == ["agent"]
    assert found[0]["phone"] == "13800000003"
    assert found[0]["phone_masked"] is False
    assert found[0]["memberships"] == [
        {
            "role": "station_agent",
            "role_label": "Station agent",
            "organisation": found[0]["memberships"][0]["organisation"],
        }
    ]
    assert sorted(row["username"] for row in agents) == ["agent", "village_agent"]
    assert not any("password" in key for row in everyone for key in row)


def test_an_official_sees_numbers_masked(demo, client_as):
    official = client_as(demo.user("official"))
    agent = demo.user("agent")

    listed = official.get("/api/v1/people/?q=agent").json()
    one = official.get(f"/api/v1/people/{agent.pk}").json()

    assert [(row["username"], row["phone"]) for row in listed] == [
        ("village_agent", "*******0004"),
        ("agent", "*******0003"),
    ]
    assert one["phone"] == "*******0003"
    assert one["phone_masked"] is True


@pytest.mark.parametrize("username", ["agent", "seller", "buyer", "coop_manager"])
def test_other_roles_may_not_list_people(demo, client_as, username):
    client = client_as(demo.user(username))
    operator = demo.user("operator")

    listed = client.get("/api/v1/people/")
    one = client.get(f"/api/v1/people/{operator.pk}")

    assert listed.status_code == one.status_code == 403
    assert listed.json()["code"] == "permission_denied"


def test_strangers_get_401_and_404(demo, client_as, other_county):
    operator = demo.user("operator")

    assert client_as(None).get("/api/v1/people/").status_code == 401
    assert client_as(None).get(f"/api/v1/people/{operator.pk}").status_code == 401
    outsider = client_as(other_county.operator)
    assert outsider.get(f"/api/v1/people/{operator.pk}").json() == {
        "code": "not_found",
        "detail": "No such person.",
    }
    assert [row["username"] for row in outsider.get("/api/v1/people/").json()] == [
        "hongyuan_operator"
    ]
    assert client_as(operator).get("/api/v1/people/999999999").status_code == 404


@pytest.mark.parametrize(
    "query", ["role=king", "limit=0", "limit=201", "offset=-1", "q=" + "x" * 51]
)
def test_bad_people_queries_are_refused(demo, client_as, query):
    response = client_as(demo.user("operator")).get(f"/api/v1/people/?{query}")

    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"


def test_the_people_list_has_a_query_budget(demo, client_as, django_assert_num_queries):
    client = client_as(demo.user("operator"))
    organisation = Organisation.objects.filter(county=demo.county).first()
    for number in range(5):
        person = User.objects.create_user(f"extra{number}", county=demo.county, password=None)
        Membership.objects.create(
            county=demo.county, user=person, organisation=organisation, role=Role.BUYER
        )

    with django_assert_num_queries(6):
        response = client.get("/api/v1/people/?limit=200")

    assert len(response.json()) >= 18
