"""The back office writes through services: every save is checked and audited."""

from __future__ import annotations

import pytest

from highland.core.models import AuditRecord, County, Membership, Organisation, OrganisationType
from highland.network.models import ServicePoint


def test_admin_opens_a_county_through_the_service(demo, client_as):
    response = client_as(demo.user("admin")).post(
        "/admin/core/county/add/",
        {
            "code": "513233",
            "name_zh": "红原县",
            "name_bo": "རྨ་ཁོག་རྫོང་",
            "name_en": "Hongyuan County",
            "prefecture_zh": "阿坝州",
            "prefecture_bo": "རྔ་བ།",
            "prefecture_en": "Ngawa",
            "transfer_account_name": "红原县电商中心",
            "transfer_bank": "农业银行红原支行",
            "transfer_account_number": "6228 4800 1234 5678",
            "transfer_hold_hours": "72",
            "cash_hold_rule": "hours",
            "cash_hold_hours": "12",
        },
    )

    assert response.status_code == 302
    county = County.objects.get(code="513233")
    assert AuditRecord.objects.get(action="core.county.created").object_id == str(county.pk)
    assert (county.transfer_account_number, county.transfer_hold_hours) == (
        "6228 4800 1234 5678",
        72,
    )
    assert (
        AuditRecord.objects.filter(action="core.county.transfer_account_set", county=county).count()
        == 1
    )
    assert (county.cash_hold_rule, county.cash_hold_hours) == ("hours", 12)
    assert AuditRecord.objects.get(action="core.county.cash_hold_set", county=county).changes == {
        "cash_hold_rule": {"from": "point_closing", "to": "hours"},
        "cash_hold_hours": {"from": 24, "to": 12},
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"account_number": "12ab"}, "account_number"),
        ({"account_name": ""}, "account_number"),
        ({"hold_hours": 0}, "hold_hours"),
        ({"hold_hours": 241}, "hold_hours"),
    ],
)
def test_a_bad_transfer_account_is_refused_and_changes_nothing(demo, changes, field):
    from highland.core.errors import ValidationFailed
    from highland.core.services import set_transfer_account

    before = County.objects.values().get(pk=demo.county.pk)
    terms = {
        "account_name": "理塘县电商中心",
        "bank": "农业银行理塘支行",
        "account_number": "6228 4800 1234 5678",
        "hold_hours": 48,
        **changes,
    }

    with pytest.raises(ValidationFailed) as refusal:
        set_transfer_account(demo.county, actor=demo.user("admin"), **terms)

    assert field in refusal.value.errors
    assert County.objects.values().get(pk=demo.county.pk) == before


def test_only_platform_administrators_set_the_transfer_account(demo):
    from highland.core.errors import PermissionDenied
    from highland.core.services import set_transfer_account

    with pytest.raises(PermissionDenied):
        set_transfer_account(
            demo.county,
            account_name="别人",
            bank="某银行",
            account_number="1111 2222 3333",
            hold_hours=48,
            actor=demo.user("operator"),
        )


def test_admin_renaming_an_organisation_is_audited(demo, client_as):
    bank = Organisation.objects.get(county=demo.county, type=OrganisationType.BANK)

    response = client_as(demo.user("admin")).post(
        f"/admin/core/organisation/{bank.pk}/change/",
        {
            "name_zh": "理塘县农商银行",
            "name_bo": bank.name_bo,
            "name_en": "Litang Rural Commercial Bank",
            "active": "on",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.content
    record = AuditRecord.objects.get(action="core.organisation.updated")
    assert record.changes == {
        "name_zh": {"from": "理塘县农村信用合作联社", "to": "理塘县农商银行"},
        "name_en": {
            "from": "Litang Rural Credit Cooperative Union",
            "to": "Litang Rural Commercial Bank",
        },
    }


def test_admin_membership_refusal_saves_nothing(demo, client_as):
    coop = Organisation.objects.get(county=demo.county, type=OrganisationType.COOPERATIVE)
    before = Membership.objects.count()

    response = client_as(demo.user("admin")).post(
        "/admin/core/membership/add/",
        {
            "county": demo.county.pk,
            "user": demo.user("buyer").pk,
            "organisation": coop.pk,
            "role": "driver",
            "active": "on",
        },
        follow=True,
    )

    assert "This role cannot be held in this kind of organisation." in response.content.decode()
    assert Membership.objects.count() == before


def test_admin_person_change_is_audited_without_the_password(demo, client_as):
    buyer = demo.user("buyer")
    client = client_as(demo.user("admin"))

    response = client.post(
        f"/admin/core/user/{buyer.pk}/change/",
        {
            "username": "buyer",
            "display_name": "陈静",
            "phone": "13900000000",
            "county": demo.county.pk,
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "preferred_language": "zh-hans",
        },
    )

    assert response.status_code == 302, response.content
    record = AuditRecord.objects.get(action="core.person.updated")
    assert {"display_name", "phone", "preferred_language"} <= set(record.changes)
    assert set(record.changes.values()) == {"changed"}
    assert "password" not in record.changes


def test_admin_service_point_refusal_is_a_form_error(demo, client_as):
    village = demo.point("LT-S01-V01")
    before = ServicePoint.objects.filter(pk=village.pk).values().get()

    response = client_as(demo.user("admin")).post(
        f"/admin/network/servicepoint/{village.pk}/change/",
        {
            "parent": demo.point("LT-S02-V01").pk,
            "name_zh": village.name_zh,
            "name_bo": village.name_bo,
            "name_en": village.name_en,
            "township_zh": village.township_zh,
            "latitude": "29.9",
            "longitude": "100.3",
            "altitude_m": "4100",
            "connectivity": "3g",
            "services": ["agency_sale"],
        },
    )

    assert response.status_code == 200
    assert "A village point belongs to a township station." in response.content.decode()
    assert ServicePoint.objects.filter(pk=village.pk).values().get() == before


def test_admin_service_point_change_goes_through_the_service(demo, client_as):
    village = demo.point("LT-S01-V01")

    response = client_as(demo.user("admin")).post(
        f"/admin/network/servicepoint/{village.pk}/change/",
        {
            "parent": demo.point("LT-S02").pk,
            "organisation": "",
            "name_zh": village.name_zh,
            "name_bo": village.name_bo,
            "name_en": village.name_en,
            "township_zh": village.township_zh,
            "township_bo": village.township_bo,
            "township_en": village.township_en,
            "village_zh": village.village_zh,
            "village_bo": village.village_bo,
            "village_en": village.village_en,
            "latitude": str(village.latitude),
            "longitude": str(village.longitude),
            "altitude_m": "4111",
            "connectivity": village.connectivity,
            "services": village.services,
            **({"connectivity_stable": "on"} if village.connectivity_stable else {}),
        },
    )

    assert response.status_code == 302, response.content
    village.refresh_from_db()
    assert village.altitude_m == 4111
    assert village.parent == demo.point("LT-S02")
    assert set(
        AuditRecord.objects.filter(object_id=str(village.pk), actor=demo.user("admin")).values_list(
            "action", flat=True
        )
    ) >= {"network.point.updated", "network.point.moved"}


def test_admin_password_reset_is_audited(demo, client_as):
    buyer = demo.user("buyer")

    response = client_as(demo.user("admin")).post(
        f"/admin/core/user/{buyer.pk}/password/",
        {
            "password1": "a-new-yak-password-2026",
            "password2": "a-new-yak-password-2026",
            "usable_password": "true",
        },
    )

    assert response.status_code == 302
    assert (
        AuditRecord.objects.filter(
            action="core.person.password_reset", object_id=str(buyer.pk)
        ).count()
        == 1
    )


def test_admin_cannot_delete_what_the_audit_trail_points_at(demo, client_as):
    client = client_as(demo.user("admin"))
    village = demo.point("LT-S01-V01")

    response = client.post(f"/admin/network/servicepoint/{village.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert ServicePoint.objects.filter(pk=village.pk).exists()
    for url in [
        "/admin/core/county/",
        "/admin/core/organisation/",
        "/admin/core/membership/",
        "/admin/core/user/",
    ]:
        assert "delete_selected" not in client.get(url).content.decode()
