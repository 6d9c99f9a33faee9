"""Device tokens: issued by centre operators, used as bearer tokens, revoked."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import AnonymousUser

from highland.core import services
from highland.core.errors import PermissionDenied, ValidationFailed
from highland.core.models import ApiToken, AuditRecord


def bearer(client, method, url, key, payload=None):
    kwargs = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    if payload is not None:
        kwargs.update(data=json.dumps(payload), content_type="application/json")
    return getattr(client, method)(url, **kwargs)


def test_token_lifecycle_issue_use_revoke(demo, client_as):
    operator, agent = demo.user("operator"), demo.user("agent")
    device = client_as(None)

    # given an operator issues a token for the station agent's tablet
    issued = services.issue_api_token(agent, actor=operator, name="奔戈乡站平板")
    assert issued.raw_key.startswith("hl_")
    assert issued.token.key_hash != issued.raw_key  # only the hash is stored
    assert not ApiToken.objects.filter(key_hash__contains=issued.raw_key[3:]).exists()

    # when the device calls the API with it, it acts as the agent
    response = bearer(device, "get", "/api/v1/me", issued.raw_key)
    assert response.status_code == 200
    assert response.json()["username"] == "agent"
    assert response.json()["roles"] == ["station_agent"]
    issued.token.refresh_from_db()
    assert issued.token.last_used_at is not None

    # and a write through the token is audited as the agent
    station = demo.point("LT-S01")
    response = bearer(
        device,
        "patch",
        f"/api/v1/network/points/{station.pk}",
        issued.raw_key,
        {"connectivity": "2g"},
    )
    assert response.status_code == 200
    assert AuditRecord.objects.filter(action="network.point.updated").latest("id").actor == agent

    # then once revoked the same key is refused
    services.revoke_api_token(issued.token, actor=operator)
    assert bearer(device, "get", "/api/v1/me", issued.raw_key).status_code == 401
    assert list(
        AuditRecord.objects.filter(object_type="core.apitoken")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["core.api_token.issued", "core.api_token.revoked"]


def test_a_made_up_token_is_401(demo, client_as):
    assert bearer(client_as(None), "get", "/api/v1/me", "hl_not-a-real-token").status_code == 401


def test_revoking_twice_is_refused(demo):
    operator = demo.user("operator")
    issued = services.issue_api_token(demo.user("agent"), actor=operator, name="tablet")
    services.revoke_api_token(issued.token, actor=operator)

    with pytest.raises(ValidationFailed):
        services.revoke_api_token(issued.token, actor=operator)


def test_token_needs_a_device_name(demo):
    with pytest.raises(ValidationFailed) as refusal:
        services.issue_api_token(demo.user("agent"), actor=demo.user("operator"), name="  ")
    assert refusal.value.errors == {"name": ["Give the device a name."]}
    assert ApiToken.objects.count() == 0


@pytest.mark.parametrize("who", ["anonymous", "other_county", "wrong_role"])
def test_only_the_county_operator_issues_tokens(demo, other_county, who):
    actor = {
        "anonymous": AnonymousUser(),
        "other_county": other_county.operator,
        "wrong_role": demo.user("agent"),
    }[who]

    with pytest.raises(PermissionDenied):
        services.issue_api_token(demo.user("agent"), actor=actor, name="tablet")

    assert ApiToken.objects.count() == 0
    assert not AuditRecord.objects.filter(object_type="core.apitoken").exists()


@pytest.mark.parametrize("who", ["anonymous", "other_county", "wrong_role"])
def test_only_the_county_operator_revokes_tokens(demo, other_county, who):
    issued = services.issue_api_token(
        demo.user("agent"), actor=demo.user("operator"), name="tablet"
    )
    actor = {
        "anonymous": AnonymousUser(),
        "other_county": other_county.operator,
        "wrong_role": demo.user("official"),
    }[who]

    with pytest.raises(PermissionDenied):
        services.revoke_api_token(issued.token, actor=actor)

    issued.token.refresh_from_db()
    assert issued.token.revoked_at is None


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("other_county", 404), ("wrong_role", 403), ("allowed", 201)],
)
def test_token_api_permission_matrix(demo, other_county, client_as, who, status):
    user = {
        "anonymous": None,
        "other_county": other_county.operator,
        "wrong_role": demo.user("agent"),
        "allowed": demo.user("operator"),
    }[who]

    response = client_as(user).post(
        "/api/v1/tokens",
        data=json.dumps({"holder_id": demo.user("agent").pk, "name": "tablet"}),
        content_type="application/json",
    )

    assert response.status_code == status
    assert ApiToken.objects.count() == (1 if who == "allowed" else 0)
    if who == "allowed":
        assert response.json()["key"].startswith("hl_")


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("other_county", 404), ("wrong_role", 403), ("allowed", 200)],
)
def test_token_revoke_api_permission_matrix(demo, other_county, client_as, who, status):
    issued = services.issue_api_token(
        demo.user("agent"), actor=demo.user("operator"), name="tablet"
    )
    user = {
        "anonymous": None,
        "other_county": other_county.operator,
        "wrong_role": demo.user("agent"),
        "allowed": demo.user("operator"),
    }[who]

    response = client_as(user).post(f"/api/v1/tokens/{issued.token.pk}/revoke")

    assert response.status_code == status
    issued.token.refresh_from_db()
    assert (issued.token.revoked_at is not None) == (who == "allowed")


def test_token_page_issues_and_revokes(demo, client_as):
    client = client_as(demo.user("operator"))

    response = client.post("/tokens/", {"holder": demo.user("agent").pk, "name": "村站手机"})
    assert response.status_code == 200
    token = ApiToken.objects.get()
    assert token.key_prefix in response.content.decode()

    response = client.post(f"/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_token_page_is_forbidden_to_agents(demo, client_as):
    assert client_as(demo.user("agent")).get("/tokens/").status_code == 403


def test_a_revoked_token_on_a_write_is_401_not_a_csrf_refusal(demo):
    from django.test import Client

    operator = demo.user("operator")
    issued = services.issue_api_token(demo.user("agent"), actor=operator, name="tablet")
    services.revoke_api_token(issued.token, actor=operator)
    device = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")

    response = bearer(
        device,
        "patch",
        f"/api/v1/network/points/{demo.point('LT-S01').pk}",
        issued.raw_key,
        {"connectivity": "2g"},
    )

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_device_token_write_needs_no_csrf_token(demo):
    from django.test import Client

    issued = services.issue_api_token(
        demo.user("agent"), actor=demo.user("operator"), name="tablet"
    )
    device = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")

    response = bearer(
        device,
        "patch",
        f"/api/v1/network/points/{demo.point('LT-S01').pk}",
        issued.raw_key,
        {"connectivity": "2g"},
    )

    assert response.status_code == 200


def test_anonymous_write_without_csrf_is_401(demo):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(
        "/api/v1/network/points", data="{}", content_type="application/json"
    )

    assert response.status_code == 401
