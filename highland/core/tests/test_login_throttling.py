"""Logins are throttled by account and by address, on the login page and in the admin,
with a way back: the lockout expires, and the county's operator can lift it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from highland.core import services
from highland.core.errors import PermissionDenied
from highland.core.models import AuditRecord
from highland.demo import DEMO_PASSWORD

LIMIT = 10
LOCKED = (
    "Too many failed logins for this account or from this address. Try again in 15 "
    "minutes, or ask your service centre to unlock the account."
)


def attempt(client: Client, url: str, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize(
    ("url", "username"), [("/accounts/login/", "agent"), ("/admin/login/", "admin")]
)
def test_thirty_wrong_passwords_then_the_right_one_is_refused(demo, url, username):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(30):
        attempt(client, url, username, "wrong-password")

    response = attempt(client, url, username, DEMO_PASSWORD)

    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert LOCKED in response.content.decode()
    assert not logged_in(client)


def test_the_account_is_locked_from_every_address(demo):
    for number in range(LIMIT):
        attempt(Client(), "/accounts/login/", "agent", "wrong", address=f"10.0.1.{number}")

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = attempt(client, "/accounts/login/", "agent", DEMO_PASSWORD, address="10.9.9.9")

    assert response.status_code == 429
    assert not logged_in(client)


def test_an_address_guessing_many_accounts_is_locked(demo):
    # given one address that tried ten different made-up accounts
    for number in range(LIMIT):
        attempt(Client(), "/accounts/login/", f"guess{number}", "wrong", address="10.0.2.1")

    # then a real account from that address is refused, and from another address works
    locked_out = Client(HTTP_ACCEPT_LANGUAGE="en")
    elsewhere = Client(HTTP_ACCEPT_LANGUAGE="en")
    refused = attempt(locked_out, "/accounts/login/", "seller", DEMO_PASSWORD, "10.0.2.1")
    allowed = attempt(elsewhere, "/accounts/login/", "seller", DEMO_PASSWORD, "10.0.2.2")

    assert (refused.status_code, logged_in(locked_out)) == (429, False)
    assert (allowed.status_code, logged_in(elsewhere)) == (302, True)


def test_a_few_typing_mistakes_do_not_lock(demo):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(LIMIT - 1):
        attempt(client, "/accounts/login/", "agent", "typo")

    response = attempt(client, "/accounts/login/", "agent", DEMO_PASSWORD)

    assert (response.status_code, logged_in(client)) == (302, True)


def test_the_lockout_expires(demo):
    from axes.models import AccessAttempt

    for _ in range(LIMIT):
        attempt(Client(), "/accounts/login/", "agent", "wrong")
    # when the cool-off has passed
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=16))

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = attempt(client, "/accounts/login/", "agent", DEMO_PASSWORD)

    assert (response.status_code, logged_in(client)) == (302, True)


def test_the_operator_unlocks_an_account(demo):
    for _ in range(LIMIT):
        attempt(Client(), "/accounts/login/", "agent", "wrong")

    services.unlock_login(demo.user("agent"), actor=demo.user("operator"))

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = attempt(client, "/accounts/login/", "agent", DEMO_PASSWORD, address="10.0.3.1")
    assert (response.status_code, logged_in(client)) == (302, True)
    record = AuditRecord.objects.get(action="core.person.login_unlocked")
    assert (record.actor, record.object_id) == (demo.user("operator"), str(demo.user("agent").pk))


@pytest.mark.parametrize("who", ["other_county", "wrong_role"])
def test_only_the_county_operator_unlocks(demo, other_county, who):
    actor = {"other_county": other_county.operator, "wrong_role": demo.user("agent")}[who]
    for _ in range(LIMIT):
        attempt(Client(), "/accounts/login/", "seller", "wrong")

    with pytest.raises(PermissionDenied):
        services.unlock_login(demo.user("seller"), actor=actor)

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert attempt(client, "/accounts/login/", "seller", DEMO_PASSWORD).status_code == 429
    assert not AuditRecord.objects.filter(action="core.person.login_unlocked").exists()


def test_locked_logins_page_lists_and_unlocks(demo, client_as):
    for _ in range(LIMIT):
        attempt(Client(), "/accounts/login/", "agent", "wrong")
    operator = client_as(demo.user("operator"))

    listed = operator.get("/accounts/locked/")
    unlocked = operator.post("/accounts/locked/", {"person": demo.user("agent").pk})

    assert listed.status_code == 200
    assert [person.username for person in listed.context["people"]] == ["agent"]
    assert unlocked.status_code == 302
    assert list(operator.get("/accounts/locked/").context["people"]) == []
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert attempt(client, "/accounts/login/", "agent", DEMO_PASSWORD).status_code == 302


def test_the_operator_finds_the_page_in_the_menu(demo, client_as):
    response = client_as(demo.user("operator")).get("/")

    assert ("/accounts/locked/", "Locked logins") in response.context["menu"]


def test_locked_logins_page_is_forbidden_to_agents(demo, client_as):
    assert client_as(demo.user("agent")).get("/accounts/locked/").status_code == 403


def test_the_admin_action_unlocks(demo, client_as):
    for _ in range(LIMIT):
        attempt(Client(), "/accounts/login/", "agent", "wrong")

    response = client_as(demo.user("admin")).post(
        "/admin/core/user/",
        {"action": "unlock_logins", "_selected_action": [demo.user("agent").pk]},
    )

    assert response.status_code == 302
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert attempt(client, "/accounts/login/", "agent", DEMO_PASSWORD).status_code == 302


def test_device_tokens_work_from_a_locked_address(demo):
    issued = services.issue_api_token(demo.user("agent"), actor=demo.user("operator"), name="t")
    for number in range(LIMIT):
        attempt(Client(), "/accounts/login/", f"guess{number}", "wrong", address="10.0.4.1")
    for _ in range(LIMIT):
        attempt(Client(), "/accounts/login/", "agent", "wrong", address="10.0.4.1")

    response = Client().get(
        "/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {issued.raw_key}", REMOTE_ADDR="10.0.4.1"
    )

    assert response.status_code == 200
    assert response.json()["username"] == "agent"


def test_behind_the_proxy_the_address_is_the_one_nginx_saw(settings, rf):
    from highland.core.throttling import client_address

    request = rf.get("/", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9", REMOTE_ADDR="127.0.0.1")

    settings.BEHIND_PROXY = True
    assert client_address(request) == "203.0.113.9"
    settings.BEHIND_PROXY = False
    assert client_address(request) == "127.0.0.1"
