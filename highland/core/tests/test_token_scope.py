"""Device tokens act only as someone the issuer manages, and only within one county.

Every path that issues a token (service, API, page, admin) refuses holders the
issuer may not manage, and every use of a token stays inside the token's county.
"""

from __future__ import annotations

import json

import pytest

from highland.core import services
from highland.core.errors import ValidationFailed
from highland.core.models import ApiToken, AuditRecord, Membership, Organisation, Role
from highland.network.models import ServicePoint

HOLDER_REFUSED = (
    "A device token can act only as an active person of the county whose roles you "
    "manage, never as staff or a platform administrator."
)


def bearer(client, method, url, key, payload=None):
    kwargs = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    if payload is not None:
        kwargs.update(data=json.dumps(payload), content_type="application/json")
    return getattr(client, method)(url, **kwargs)


def _issued_token_count() -> tuple[int, int]:
    return (
        ApiToken.objects.count(),
        AuditRecord.objects.filter(action="core.api_token.issued").count(),
    )


@pytest.mark.parametrize("holder_name", ["admin", "official"])
def test_service_refuses_a_holder_the_operator_does_not_manage(demo, holder_name):
    # given the platform administrator (a superuser of this county) and the bureau
    holder = demo.user(holder_name)
    assert holder.county_id == demo.county.pk

    with pytest.raises(ValidationFailed) as refusal:
        services.issue_api_token(holder, actor=demo.user("operator"), name="tablet")

    assert refusal.value.errors == {"holder": [HOLDER_REFUSED]}
    assert _issued_token_count() == (0, 0)


@pytest.mark.parametrize("flag", ["is_staff", "is_superuser"])
def test_service_refuses_a_station_agent_who_is_staff_or_superuser(demo, flag):
    agent = demo.user("agent")
    setattr(agent, flag, True)
    agent.save(update_fields=[flag])

    with pytest.raises(ValidationFailed) as refusal:
        services.issue_api_token(agent, actor=demo.user("operator"), name="tablet")

    assert refusal.value.errors == {"holder": [HOLDER_REFUSED]}
    assert _issued_token_count() == (0, 0)


def test_service_refuses_a_deactivated_agent(demo):
    agent = demo.user("agent")
    agent.is_active = False
    agent.save(update_fields=["is_active"])

    with pytest.raises(ValidationFailed):
        services.issue_api_token(agent, actor=demo.user("operator"), name="tablet")

    assert _issued_token_count() == (0, 0)


def test_service_refuses_an_agent_who_is_also_a_county_official(demo):
    # The official's role would come with the device, and the operator does not manage it.
    agent = demo.user("agent")
    bureau = Organisation.objects.get(county=demo.county, type="commerce_bureau")
    Membership.objects.create(
        county=demo.county, user=agent, organisation=bureau, role=Role.COUNTY_OFFICIAL
    )

    with pytest.raises(ValidationFailed):
        services.issue_api_token(agent, actor=demo.user("operator"), name="tablet")

    assert _issued_token_count() == (0, 0)


def test_platform_admin_issues_for_an_agent_in_the_agents_county(demo):
    issued = services.issue_api_token(demo.user("agent"), actor=demo.user("admin"), name="tablet")

    assert issued.token.county_id == demo.county.pk
    assert issued.token.user == demo.user("agent")


def test_api_refuses_a_token_for_the_platform_admin(demo, client_as):
    response = client_as(demo.user("operator")).post(
        "/api/v1/tokens",
        data=json.dumps({"holder_id": demo.user("admin").pk, "name": "tablet"}),
        content_type="application/json",
    )

    assert response.status_code == 422
    assert response.json() == {
        "code": "holder_not_allowed",
        "detail": HOLDER_REFUSED,
        "errors": {"holder": [HOLDER_REFUSED]},
    }
    assert _issued_token_count() == (0, 0)


def test_page_refuses_a_token_for_the_platform_admin(demo, client_as):
    response = client_as(demo.user("operator")).post(
        "/tokens/", {"holder": demo.user("admin").pk, "name": "tablet"}
    )

    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert _issued_token_count() == (0, 0)


def test_service_refuses_a_person_without_a_role(demo):
    # given someone registered in the county who holds no role at all
    person = services.register_person(
        demo.county, actor=demo.user("operator"), username="nobody", display_name="Nobody"
    )

    with pytest.raises(ValidationFailed):
        services.issue_api_token(person, actor=demo.user("operator"), name="tablet")

    assert _issued_token_count() == (0, 0)


@pytest.mark.parametrize("holder_name", ["operator", "agent", "seller", "buyer"])
def test_operator_issues_for_people_whose_roles_they_manage(demo, holder_name):
    issued = services.issue_api_token(
        demo.user(holder_name), actor=demo.user("operator"), name="tablet"
    )

    assert (issued.token.county_id, issued.token.user) == (demo.county.pk, demo.user(holder_name))


def test_page_offers_exactly_the_people_the_service_accepts(demo, client_as):
    response = client_as(demo.user("operator")).get("/tokens/")

    offered = {person.username for person in response.context["form"].fields["holder"].queryset}
    assert "admin" not in offered
    assert "official" not in offered
    assert {"operator", "agent", "village_agent", "seller", "buyer"} <= offered


def test_admin_cannot_add_or_change_tokens(demo, client_as):
    issued = services.issue_api_token(demo.user("agent"), actor=demo.user("operator"), name="t")
    admin = client_as(demo.user("admin"))

    add = admin.post("/admin/core/apitoken/add/", {"name": "x", "user": demo.user("admin").pk})
    change = admin.post(
        f"/admin/core/apitoken/{issued.token.pk}/change/",
        {"name": "x", "user": demo.user("admin").pk},
    )

    assert add.status_code == 403
    assert change.status_code == 403
    issued.token.refresh_from_db()
    assert (issued.token.name, issued.token.user) == ("t", demo.user("agent"))
    assert ApiToken.objects.count() == 1


def test_admin_revokes_through_the_service(demo, client_as):
    issued = services.issue_api_token(demo.user("agent"), actor=demo.user("operator"), name="t")

    response = client_as(demo.user("admin")).post(
        "/admin/core/apitoken/",
        {"action": "revoke_selected", "_selected_action": [issued.token.pk]},
    )

    assert response.status_code == 302
    issued.token.refresh_from_db()
    assert issued.token.revoked_by == demo.user("admin")
    assert bearer(client_as(None), "get", "/api/v1/me", issued.raw_key).status_code == 401


def _patch_point(client, point: ServicePoint, key: str):
    return bearer(
        client, "patch", f"/api/v1/network/points/{point.pk}", key, {"connectivity": "2g"}
    )


def test_a_token_cannot_reach_another_county(demo, other_county, client_as):
    issued = services.issue_api_token(demo.user("agent"), actor=demo.user("operator"), name="t")
    device = client_as(None)

    read = bearer(device, "get", f"/api/v1/network/points/{other_county.centre.pk}", issued.raw_key)
    write = _patch_point(device, other_county.centre, issued.raw_key)

    assert (read.status_code, write.status_code) == (404, 404)
    other_county.centre.refresh_from_db()
    assert other_county.centre.connectivity != "2g"


@pytest.mark.parametrize("flag", ["is_superuser", "is_staff"])
def test_a_holder_promoted_after_issue_loses_the_token(demo, other_county, client_as, flag):
    # given a token issued to the agent, who is then made a platform administrator
    issued = services.issue_api_token(demo.user("agent"), actor=demo.user("operator"), name="t")
    agent = demo.user("agent")
    setattr(agent, flag, True)
    agent.save(update_fields=[flag])
    device = client_as(None)
    before = other_county.centre.connectivity

    # then the token no longer opens anything, in its county or another
    assert bearer(device, "get", "/api/v1/me", issued.raw_key).status_code == 401
    assert _patch_point(device, other_county.centre, issued.raw_key).status_code == 401
    other_county.centre.refresh_from_db()
    assert other_county.centre.connectivity == before


def test_a_holder_moved_to_another_county_loses_the_token(demo, other_county, client_as):
    issued = services.issue_api_token(demo.user("agent"), actor=demo.user("operator"), name="t")
    agent = demo.user("agent")
    agent.county = other_county.county
    agent.save(update_fields=["county"])

    assert bearer(client_as(None), "get", "/api/v1/me", issued.raw_key).status_code == 401


def test_a_token_uses_only_the_roles_held_in_its_county(demo, other_county, client_as):
    # given the agent also (wrongly) holds a centre-operator role in another county
    issued = services.issue_api_token(demo.user("agent"), actor=demo.user("operator"), name="t")
    hongyuan_centre = Organisation.objects.get(county=other_county.county)
    Membership.objects.create(
        county=other_county.county,
        user=demo.user("agent"),
        organisation=hongyuan_centre,
        role=Role.CENTRE_OPERATOR,
    )
    before = other_county.centre.connectivity

    # when the token reaches for that county's point, it is not there for it
    response = _patch_point(client_as(None), other_county.centre, issued.raw_key)

    assert response.status_code == 404
    other_county.centre.refresh_from_db()
    assert other_county.centre.connectivity == before


def test_a_deactivated_holder_loses_the_token(demo, client_as):
    issued = services.issue_api_token(demo.user("agent"), actor=demo.user("operator"), name="t")
    agent = demo.user("agent")
    agent.is_active = False
    agent.save(update_fields=["is_active"])

    assert bearer(client_as(None), "get", "/api/v1/me", issued.raw_key).status_code == 401


def test_a_revoked_token_is_refused_in_every_county(demo, other_county, client_as):
    issued = services.issue_api_token(demo.user("agent"), actor=demo.user("operator"), name="t")
    services.revoke_api_token(issued.token, actor=demo.user("operator"))
    device = client_as(None)

    assert _patch_point(device, demo.point("LT-S01"), issued.raw_key).status_code == 401
    assert _patch_point(device, other_county.centre, issued.raw_key).status_code == 401
