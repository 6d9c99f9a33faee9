"""The audit trail: written in the action, read by officials, filtered, read-only in admin."""

from __future__ import annotations

import pytest
from django.db import transaction

from highland.core import audit
from highland.core.models import AuditRecord
from highland.network import services as network_services


@pytest.mark.django_db(transaction=True)
def test_audit_refuses_to_write_outside_a_transaction(demo):
    with pytest.raises(RuntimeError):
        audit.record(demo.user("operator"), "network.point.poked", demo.point("LT-C"))


def test_audit_records_the_agent_acting_for_a_villager(demo):
    with transaction.atomic():
        entry = audit.record(
            demo.user("agent"),
            "network.point.visited",
            demo.point("LT-S01"),
            {"purpose": "assisted order"},
            on_behalf_of=demo.user("member"),
        )

    assert entry.on_behalf_of == demo.user("member")
    assert entry.county == demo.county
    assert entry.object_type == "network.servicepoint"


def test_official_browses_and_filters_the_audit_page(demo, client_as):
    network_services.update_service_point(
        demo.point("LT-S02"), {"altitude_m": 3888}, actor=demo.user("operator")
    )

    response = client_as(demo.user("official")).get(
        "/audit/", {"action": "network.point.updated", "actor": "operator"}
    )

    assert response.status_code == 200
    page = response.context["page"]
    assert [record.action for record in page] == ["network.point.updated"]


def test_audit_page_shows_only_the_own_county(demo, other_county, client_as):
    with transaction.atomic():
        audit.record(other_county.operator, "network.point.secret", other_county.centre)

    response = client_as(demo.user("official")).get("/audit/")

    assert "network.point.secret" not in response.content.decode()


def test_audit_page_rejects_an_inverted_date_range(demo, client_as):
    response = client_as(demo.user("official")).get(
        "/audit/", {"since": "2026-02-01", "until": "2026-01-01"}
    )

    assert response.status_code == 200
    assert "The start date is after the end date." in response.content.decode()


@pytest.mark.parametrize(
    ("username", "status"), [("agent", 403), ("seller", 403), ("official", 200), ("operator", 200)]
)
def test_audit_page_is_for_officials_and_operators(demo, client_as, username, status):
    assert client_as(demo.user(username)).get("/audit/").status_code == status


def test_audit_page_query_count_is_bounded(demo, client_as, django_assert_max_num_queries):
    client = client_as(demo.user("official"))
    # Session, person, county, roles, the header's cart count and cold-chain alert badge,
    # then the page's.
    with django_assert_max_num_queries(11):
        assert client.get("/audit/").status_code == 200


def test_audit_admin_is_read_only(demo, client_as):
    client = client_as(demo.user("admin"))
    record = AuditRecord.objects.first()

    assert client.get("/admin/core/auditrecord/").status_code == 200
    assert client.get("/admin/core/auditrecord/add/").status_code == 403
    response = client.post(f"/admin/core/auditrecord/{record.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert AuditRecord.objects.filter(pk=record.pk).exists()
