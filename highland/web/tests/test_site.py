"""Site-wide: home, login, language switch, catalogues, production profile, demo loader."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.core.management import call_command

from highland.core.models import AuditRecord, County, Membership, Organisation, Role, User
from highland.demo import DEMO_PEOPLE, load_demo_county
from highland.network.models import ServicePoint, Tier

ROOT = Path(__file__).resolve().parents[3]
TIBETAN = range(0x0F00, 0x1000)


def has_tibetan(text: str) -> bool:
    return any(ord(char) in TIBETAN for char in text)


def test_anonymous_home_lists_the_counties(demo, client_as):
    response = client_as(None).get("/")

    assert response.status_code == 200
    assert "Litang County" in response.content.decode()


def test_login_page_logs_in_and_out(demo, client_as):
    client = client_as(None)

    response = client.post("/accounts/login/", {"username": "agent", "password": "highland-demo"})
    assert response.status_code == 302
    assert client.get("/api/v1/me").json()["username"] == "agent"

    client.post("/accounts/logout/")
    assert client.get("/api/v1/me").status_code == 401


def test_wrong_password_is_refused_with_a_message(demo, client_as):
    response = client_as(None).post("/accounts/login/", {"username": "agent", "password": "nope"})

    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()


def test_password_change_page(demo, client_as):
    client = client_as(demo.user("agent"))

    response = client.post(
        "/accounts/password/",
        {
            "old_password": "highland-demo",
            "new_password1": "yak-butter-tea-2026",
            "new_password2": "yak-butter-tea-2026",
        },
    )

    assert response.status_code == 302
    assert User.objects.get(username="agent").check_password("yak-butter-tea-2026")


def test_language_switch_changes_the_interface_to_tibetan(demo, client_as):
    client = client_as(demo.user("agent"))
    english = client.get("/network/map/").content.decode()
    assert "Service network" in english

    response = client.post("/i18n/setlang/", {"language": "bo", "next": "/network/map/"})
    assert response.status_code == 302
    tibetan = client.get("/network/map/").content.decode()

    assert '<html lang="bo">' in tibetan
    assert "Service network" not in tibetan
    nav = tibetan.split('<nav class="menu"')[1].split("</nav>")[0]
    assert has_tibetan(nav)


def test_chinese_is_the_default_language(demo):
    from django.test import Client

    client = Client()
    client.force_login(demo.user("agent"))

    html = client.get("/network/points/").content.decode()

    assert '<html lang="zh-hans">' in html
    assert "服务网络" in html


@pytest.mark.parametrize("language", ["zh_Hans", "bo"])
def test_every_interface_string_is_translated(language):
    with (ROOT / "locale" / language / "LC_MESSAGES" / "django.po").open("rb") as po_file:
        catalog = read_po(po_file)
    untranslated = [
        message.id
        for message in catalog
        if message.id
        and not (all(message.string) if isinstance(message.string, tuple) else message.string)
    ]
    fuzzy = [message.id for message in catalog if message.id and message.fuzzy]
    assert untranslated == []
    assert fuzzy == []
    assert len(catalog) > 200


def test_demo_county_is_real_and_complete(demo):
    county = demo.county
    assert (county.code, county.name_zh) == ("513334", "理塘县")
    points = ServicePoint.objects.filter(county=county)
    assert points.filter(tier=Tier.COUNTY_CENTRE).count() == 1
    assert points.filter(tier=Tier.TOWNSHIP_STATION).count() >= 4
    assert points.filter(tier=Tier.VILLAGE_POINT).count() >= 12
    for point in points:
        assert 3.5 <= float(point.latitude) <= 53.6
        assert 2000 <= point.altitude_m <= 5000
    held_roles = set(Membership.objects.filter(county=county).values_list("role", flat=True))
    assert held_roles == set(Role.values)
    assert {person.username for person in DEMO_PEOPLE} <= set(
        User.objects.values_list("username", flat=True)
    )


def test_loading_the_demo_twice_changes_nothing(demo):
    def snapshot():
        return (
            County.objects.count(),
            Organisation.objects.count(),
            User.objects.count(),
            ServicePoint.objects.count(),
            Membership.objects.count(),
            AuditRecord.objects.count(),
            sorted(ServicePoint.agents.through.objects.values_list("servicepoint_id", "user_id")),
        )

    before = snapshot()
    created = load_demo_county(with_cooperatives=False)
    # Every part of the demo reports what it created: nothing, the second time.
    assert {"counties", "people", "points", "products", "hub_zones", "road_nodes"} <= set(created)
    assert {key: count for key, count in created.items() if count} == {}
    call_command("load_demo_county", "--quiet-logins", "--without-cooperatives")
    assert snapshot() == before


# The production profile's start-up refusals and `check --deploy` are tested in
# highland/core/tests/test_production_secrets.py.


def test_openapi_docs_are_served_without_internet(demo, client_as):
    client = client_as(demo.user("agent"))
    docs = client.get("/api/v1/docs").content.decode()
    assert "cdn" not in docs.lower()
    assert "/static/ninja/swagger-ui-bundle.js" in docs
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/network/points" in schema["paths"]


def test_chosen_language_is_remembered_and_restored_at_login(demo, client_as):
    from django.test import Client

    client_as(demo.user("agent")).post("/i18n/setlang/", {"language": "bo", "next": "/"})
    assert User.objects.get(username="agent").preferred_language == "bo"
    assert AuditRecord.objects.filter(action="core.person.language_set").count() == 1

    fresh = Client()
    fresh.post("/accounts/login/", {"username": "agent", "password": "highland-demo"})
    assert '<html lang="bo">' in fresh.get("/network/map/").content.decode()


def test_unknown_language_changes_nothing(demo, client_as):
    client_as(demo.user("agent")).post("/i18n/setlang/", {"language": "xx", "next": "/"})

    assert User.objects.get(username="agent").preferred_language == ""
    assert not AuditRecord.objects.filter(action="core.person.language_set").exists()


@pytest.mark.parametrize("url", ["/network/points/", "/network/map/", "/audit/", "/tokens/"])
def test_account_without_a_county_gets_a_clear_refusal_not_an_error(demo, client_as, url):
    root = User.objects.create_superuser("root_without_county", password="x")

    response = client_as(root).get(url)

    assert response.status_code == 403
    assert "Your account belongs to no county." in response.content.decode()


def test_api_for_an_account_without_a_county_is_403(demo, client_as):
    root = User.objects.create_superuser("root_without_county", password="x")

    response = client_as(root).get("/api/v1/network/points")

    assert response.status_code == 403
    assert response.json()["code"] == "no_county"


@pytest.mark.parametrize("url", ["/", "/network/points/", "/network/map/", "/audit/", "/admin/"])
def test_demo_platform_admin_opens_every_page(demo, client_as, url):
    assert client_as(demo.user("admin")).get(url).status_code == 200


def test_benchmark_baseline_page_is_off_by_default(demo, client_as):
    # /_bench/bare/ exists only with HIGHLAND_BENCH_ENDPOINTS=true (make bench).
    assert client_as(None).get("/_bench/bare/").status_code == 404


def test_the_demo_logins_name_each_role_as_the_pages_do(demo):
    from io import StringIO

    output = StringIO()
    call_command("load_demo_county", stdout=output)

    lines = output.getvalue().splitlines()
    assert any(line.split() == ["buyer", "Buyer"] for line in lines)
    assert not any("bank_officer" in line for line in lines)
