"""The members and rules API: happy paths, refusals with field messages, 404 for another
cooperative's manager, idempotent contributions, Excel in and out."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from highland.coops.models import CapitalContribution, CooperativeRules, Member
from highland.coops.services.excel import XLSX_CONTENT_TYPE
from highland.coops.tests.memberdata import member_row, register_workbook, resident_id

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def post_json(client, url, payload, **headers):
    return client.post(
        url, data=json.dumps(payload), content_type="application/json", headers=headers
    )


def patch_json(client, url, payload):
    return client.patch(url, data=json.dumps(payload), content_type="application/json")


def base(coop):
    return f"/api/v1/coops/{coop.cooperative.pk}"


def new_member(demo, **overrides):
    payload = {
        "household": "接口家",
        "head_name": "多吉",
        "national_id": resident_id(11),
        "point_id": demo.point("LT-S01-V02").pk,
        "payout_method": "bank",
        "payout_bank": "农村信用社",
        "payout_account": "6228480000000011",
        "language": "bo",
        "joined_on": "2026-05-01",
    }
    payload.update(overrides)
    return payload


def test_list_cooperatives_for_staff_and_the_centre(coop, demo, client_as):
    ours = client_as(coop.manager).get("/api/v1/coops/").json()
    assert [c["id"] for c in ours] == [coop.cooperative.pk]
    assert ours[0]["members"] == 3
    theirs = client_as(coop.other_manager).get("/api/v1/coops/").json()
    assert [c["id"] for c in theirs] == [coop.other_cooperative.pk]
    everyone = client_as(demo.user("operator")).get("/api/v1/coops/").json()
    assert {c["id"] for c in everyone} == {coop.cooperative.pk, coop.other_cooperative.pk}
    assert client_as(demo.user("buyer")).get("/api/v1/coops/").json() == []
    assert client_as(None).get("/api/v1/coops/").status_code == 401


def test_register_read_update_and_list_members(coop, demo, client_as):
    client = client_as(coop.manager)
    created = post_json(client, f"{base(coop)}/members", new_member(demo))
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["number"] == "0004"
    assert body["national_id_masked"] == "*" * 14 + resident_id(11)[-4:]
    assert body["capital_fen"] == 0

    url = f"{base(coop)}/members/{body['id']}"
    assert client.get(url).json()["household"] == "接口家"
    changed = patch_json(client, url, {"payout_method": "cash", "phone": "13900000111"})
    assert changed.status_code == 200
    assert (changed.json()["payout_method"], changed.json()["payout_account"]) == ("cash", "")
    assert changed.json()["phone"] == "13900000111"

    by_initials = client.get(f"{base(coop)}/members", {"q": "jkj"}).json()
    assert [m["number"] for m in by_initials] == ["0004"]
    assert [m["number"] for m in client.get(f"{base(coop)}/members").json()] == [
        "0001",
        "0002",
        "0003",
        "0004",
    ]


def test_register_refusals_name_the_field(coop, demo, client_as):
    client = client_as(coop.manager)
    response = post_json(
        client,
        f"{base(coop)}/members",
        new_member(demo, national_id="513334198001010000", payout_bank="", language="fr"),
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) >= {"national_id", "payout_bank", "language"}
    assert not Member.objects.filter(household="接口家").exists()


def test_update_refusals_keep_the_member(coop, client_as):
    member = coop.members[1]
    response = patch_json(
        client_as(coop.manager), f"{base(coop)}/members/{member.pk}", {"phone": "123"}
    )
    assert response.status_code == 422 and "phone" in response.json()["errors"]
    member.refresh_from_db()
    assert member.phone == "13900000002"


def test_another_cooperatives_manager_gets_404_everywhere(coop, demo, client_as):
    client = client_as(coop.other_manager)
    member = coop.members[1].pk
    for method, url, payload in [
        ("get", f"{base(coop)}/members", None),
        ("get", f"{base(coop)}/members/{member}", None),
        ("get", f"{base(coop)}/rules", None),
        ("get", f"{base(coop)}/produce", None),
        ("get", f"{base(coop)}/members/export", None),
        ("post", f"{base(coop)}/members", new_member(demo)),
        ("post", f"{base(coop)}/members/{member}/leave", {"left_on": TODAY.isoformat()}),
        ("patch", f"{base(coop)}/members/{member}", {"household": "x"}),
    ]:
        if method == "get":
            response = client.get(url)
        elif method == "patch":
            response = patch_json(client, url, payload)
        else:
            response = post_json(client, url, payload)
        assert response.status_code == 404, url
    own = client.get(f"/api/v1/coops/{coop.other_cooperative.pk}/members/{member}")
    assert own.status_code == 404


def test_the_centre_operator_reads_but_gets_403_on_changes(coop, demo, client_as):
    client = client_as(demo.user("operator"))
    assert client.get(f"{base(coop)}/members").status_code == 200
    response = post_json(client, f"{base(coop)}/members", new_member(demo))
    assert response.status_code == 403


def test_leave(coop, client_as):
    member = coop.members[2]
    url = f"{base(coop)}/members/{member.pk}/leave"
    client = client_as(coop.accountant)
    assert post_json(client, url, {"left_on": "2025-01-01"}).status_code == 422
    left = post_json(client, url, {"left_on": TODAY.isoformat()})
    assert left.status_code == 200 and left.json()["left_on"] == TODAY.isoformat()


def test_contributions_are_idempotent(coop, client_as):
    member = coop.members[0]
    url = f"{base(coop)}/members/{member.pk}/contributions"
    client = client_as(coop.accountant)
    payload = {"amount_fen": 20000, "occurred_on": TODAY.isoformat(), "memo": "入股"}

    first = post_json(client, url, payload, **{"Idempotency-Key": "capital-0001"})
    again = post_json(client, url, payload, **{"Idempotency-Key": "capital-0001"})
    other = post_json(
        client, url, {**payload, "amount_fen": 1}, **{"Idempotency-Key": "capital-0001"}
    )

    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 409)
    assert first.json()["id"] == again.json()["id"]
    assert CapitalContribution.objects.filter(member=member).count() == 1
    assert first.json()["capital_fen"] == 20000

    withdrawn = post_json(
        client, url, {**payload, "amount_fen": -20001}, **{"Idempotency-Key": "capital-0002"}
    )
    assert withdrawn.status_code == 422
    assert withdrawn.json()["errors"]["amount_fen"]
    assert post_json(client, url, payload).status_code == 422  # no key


def test_rules_api(coop, client_as):
    client = client_as(coop.manager)
    listed = client.get(f"{base(coop)}/rules").json()
    assert [(r["status"], len(r["grades"])) for r in listed] == [("in_force", 6)]

    later = (TODAY + dt.timedelta(days=7)).isoformat()
    payload = {
        "effective_from": later,
        "service_fee_bp": 400,
        "public_reserve_bp": 1000,
        "patronage_share_bp": 5000,
        "grades": [{"produce_id": coop.yak.pk, "code": "A", "label_zh": "特级", "factor_bp": 0}],
    }
    refused = post_json(client, f"{base(coop)}/rules", payload)
    assert refused.status_code == 422
    assert set(refused.json()["errors"]) == {"patronage_share_bp", "grades"}
    assert (
        "Farmers' Professional Cooperatives Law"
        in refused.json()["errors"]["patronage_share_bp"][0]
    )

    payload.update(patronage_share_bp=6000, grades=[{**payload["grades"][0], "factor_bp": 11000}])
    created = post_json(client, f"{base(coop)}/rules", payload)
    assert created.status_code == 201 and created.json()["status"] == "upcoming"
    assert CooperativeRules.objects.filter(cooperative=coop.cooperative).count() == 2
    assert post_json(client_as(coop.accountant), f"{base(coop)}/rules", payload).status_code == 403


def test_produce_lists_attributes(coop, client_as):
    produce = client_as(coop.accountant).get(f"{base(coop)}/produce").json()
    assert [p["code"] for p in produce] == ["MT", "YAK"]
    assert produce[0]["attributes"][0]["key"] == "cap_mm"


def test_import_and_export(coop, client_as):
    client = client_as(coop.manager)
    good = register_workbook([member_row(1, capital="100")])
    response = client.post(
        f"{base(coop)}/members/import", {"file": SimpleUploadedFile("m.xlsx", good)}
    )
    assert response.status_code == 201, response.json()
    assert response.json() == {"imported": 1, "numbers": ["0004"]}

    bad = register_workbook([member_row(2), member_row(3, national_id="123")])
    refused = client.post(
        f"{base(coop)}/members/import", {"file": SimpleUploadedFile("m.xlsx", bad)}
    )
    assert refused.status_code == 400
    assert refused.json()["errors"]["rows"][0].startswith("Row 3, 身份证号: ")
    assert not Member.objects.filter(household="测试2家").exists()

    wrong = client.post(
        f"{base(coop)}/members/import", {"file": SimpleUploadedFile("m.txt", b"hello")}
    )
    assert wrong.status_code == 400 and wrong.json()["errors"]["file"]

    export = client.get(f"{base(coop)}/members/export")
    assert export.status_code == 200 and export["Content-Type"] == XLSX_CONTENT_TYPE


def test_the_openapi_document_describes_the_operations(client_as, coop):
    schema = client_as(coop.manager).get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert "/api/v1/coops/{cooperative_id}/members" in paths
    operation = paths["/api/v1/coops/{cooperative_id}/members/{member_id}/contributions"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in operation["parameters"])
    assert operation["description"]
