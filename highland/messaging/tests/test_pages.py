"""Who sees which text messages: the page, the API, the menu and the admin."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from highland.messaging.models import TextMessage
from highland.messaging.services import queue_text_message


def _queue(county: Any, key: str, *, actor: Any = None) -> TextMessage:
    with transaction.atomic():
        return queue_text_message(
            county,
            phone="13912345678",
            kind="messaging.test_notice",
            params={"number": 1, "count": 2},
            dedupe_key=key,
            actor=actor,
            language="en",
        )


@pytest.fixture
def messages(demo: Any, other_county: Any) -> dict[str, TextMessage]:
    return {
        "system": _queue(demo.county, "p:1"),
        "by_agent": _queue(demo.county, "p:2", actor=demo.user("agent")),
        "elsewhere": _queue(other_county.county, "p:3"),
    }


def test_anonymous_is_sent_to_log_in(client_as: Any, messages: Any) -> None:
    assert client_as(None).get("/messaging/")["Location"].startswith("/accounts/login/")
    assert client_as(None).get("/api/v1/messages/").status_code == 401


def test_operator_sees_the_countys_messages_masked(
    client_as: Any, demo: Any, messages: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_as(demo.user("operator"))
    with django_assert_max_num_queries(12):
        page = client.get("/messaging/")
    listed = client.get("/api/v1/messages/").json()

    assert page.status_code == 200
    assert page.content.count(b'class="card"') == 2
    assert "•••••••5678".encode() in page.content
    assert b"13912345678" not in page.content
    assert [m["id"] for m in listed] == [messages["by_agent"].pk, messages["system"].pk]
    assert listed[0]["phone"] == "•••••••5678"
    assert listed[0]["status"] == "queued"
    assert listed[0]["segments"] == 1


def test_others_see_only_what_they_sent(client_as: Any, demo: Any, messages: Any) -> None:
    agent = client_as(demo.user("agent"))
    buyer = client_as(demo.user("buyer"))

    assert [m["id"] for m in agent.get("/api/v1/messages/").json()] == [messages["by_agent"].pk]
    assert agent.get("/messaging/").content.count(b'class="card"') == 1
    assert buyer.get("/api/v1/messages/").json() == []


def test_an_outsider_sees_only_their_own_county(
    client_as: Any, other_county: Any, messages: Any
) -> None:
    listed = client_as(other_county.operator).get("/api/v1/messages/").json()

    assert [m["id"] for m in listed] == [messages["elsewhere"].pk]


def test_menu_entry_for_county_people(client_as: Any, demo: Any) -> None:
    assert b'href="/messaging/"' in client_as(demo.user("operator")).get("/").content
    assert b'href="/messaging/"' not in client_as(None).get("/").content


def test_admin_is_read_only(client_as: Any, demo: Any, messages: Any) -> None:
    from highland.core.models import User

    admin = User.objects.filter(is_superuser=True).first()
    assert admin is not None
    client = client_as(admin)

    listed = client.get("/admin/messaging/textmessage/")
    opened = client.get(f"/admin/messaging/textmessage/{messages['system'].pk}/change/")

    assert listed.status_code == 200
    assert opened.status_code == 200
    assert b'name="_save"' not in opened.content
    assert client.get("/admin/messaging/textmessage/add/").status_code == 403


def test_codes_waiting_to_be_sent_are_hidden_from_operators(client_as: Any, demo: Any) -> None:
    with transaction.atomic():
        queue_text_message(
            demo.county,
            phone="13912345678",
            kind="messaging.register_code",
            params={"code": "654321", "minutes": 10},
            dedupe_key="p:code",
            actor=None,
            language="en",
        )
    client = client_as(demo.user("operator"))

    page = client.get("/messaging/")
    listed = client.get("/api/v1/messages/").json()

    assert b"654321" not in page.content
    assert "••••••" in page.content.decode()
    assert listed[0]["body"].startswith("Your Highland registration code is ••••••.")
