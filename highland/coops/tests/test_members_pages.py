"""Member register and rules pages: who sees what, forms, Excel, phone layout."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from highland.coops.models import CapitalContribution, CooperativeRules, Member
from highland.coops.services.excel import XLSX_CONTENT_TYPE
from highland.coops.tests.memberdata import member_row, register_workbook, resident_id
from highland.core.menu import menu_for
from highland.core.permissions import roles_of

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def pages(coop):
    base = f"/coops/{coop.cooperative.pk}"
    member = coop.members[1].pk
    return [
        f"{base}/",
        f"{base}/members/",
        f"{base}/members/{member}/",
        f"{base}/rules/",
        f"{base}/members/template.xlsx",
        f"{base}/members/export.xlsx",
    ]


def manage_pages(coop):
    base = f"/coops/{coop.cooperative.pk}"
    member = coop.members[1].pk
    return [
        f"{base}/members/new/",
        f"{base}/members/{member}/edit/",
        f"{base}/members/{member}/leave/",
        f"{base}/members/{member}/capital/",
        f"{base}/members/import/",
    ]


@pytest.mark.parametrize("who", ["manager", "accountant"])
def test_the_cooperatives_staff_see_and_manage(coop, client_as, who):
    client = client_as(getattr(coop, who))
    for url in pages(coop) + manage_pages(coop):
        assert client.get(url).status_code == 200, url


def test_only_the_manager_opens_the_new_rules_form(coop, client_as):
    url = f"/coops/{coop.cooperative.pk}/rules/new/"
    assert client_as(coop.manager).get(url).status_code == 200
    assert client_as(coop.accountant).get(url).status_code == 403


def test_another_cooperatives_manager_sees_nothing(coop, client_as):
    client = client_as(coop.other_manager)
    for url in pages(coop) + manage_pages(coop) + [f"/coops/{coop.cooperative.pk}/rules/new/"]:
        assert client.get(url).status_code == 404, url
    listing = unescape(client.get("/coops/").content.decode())
    assert coop.other_cooperative.name_en in listing
    assert coop.cooperative.name_en not in listing
    # Their own cooperative's pages do not show our members either.
    own = client.get(f"/coops/{coop.other_cooperative.pk}/members/{coop.members[0].pk}/")
    assert own.status_code == 404


@pytest.mark.parametrize("who", ["agent", "member", "buyer", "seller"])
def test_agents_members_buyers_and_sellers_do_not_see_the_register(coop, demo, client_as, who):
    client = client_as(demo.user(who))
    for url in pages(coop) + manage_pages(coop):
        assert client.get(url).status_code == 404, url


def test_the_centre_operator_looks_but_does_not_change(coop, demo, client_as):
    client = client_as(demo.user("operator"))
    assert coop.cooperative.name_en in unescape(client.get("/coops/").content.decode())
    for url in pages(coop):
        assert client.get(url).status_code == 200, url
    for url in manage_pages(coop):
        assert client.get(url).status_code == 403, url


def test_the_menu_shows_cooperatives_to_staff_and_the_centre_only(coop, demo):
    def sees(user):
        links = menu_for(user, demo.county, roles_of(user, demo.county))
        return "/coops/" in [url for url, _label in links]

    assert sees(coop.manager) and sees(coop.accountant) and sees(demo.user("operator"))
    assert not sees(demo.user("buyer")) and not sees(demo.user("agent"))


def test_home_counts_and_links(coop, client_as):
    html = client_as(coop.manager).get(f"/coops/{coop.cooperative.pk}/").content.decode()
    assert "Member households: 3" in html
    assert f'href="/coops/{coop.cooperative.pk}/intake/"' in html
    assert f'href="/coops/{coop.cooperative.pk}/members/"' in html


def test_member_search_by_pinyin_initials(coop, client_as):
    html = (
        client_as(coop.manager)
        .get(f"/coops/{coop.cooperative.pk}/members/", {"q": "zm"})
        .content.decode()
    )
    assert "卓玛家" in html and "格桑家" not in html


def test_adding_a_member_through_the_form(coop, demo, client_as):
    response = client_as(coop.accountant).post(
        f"/coops/{coop.cooperative.pk}/members/new/",
        {
            "household": "新户家",
            "head_name": "扎西",
            "national_id": resident_id(9),
            "phone": "",
            "point": demo.point("LT-S01-V01").pk,
            "payout_method": "mobile",
            "payout_account": "13900000009",
            "language": "bo",
            "joined_on": "2026-06-01",
            "number": "",
        },
    )
    member = Member.objects.get(household="新户家")
    assert response.status_code == 302
    assert response["Location"] == f"/coops/{coop.cooperative.pk}/members/{member.pk}/"
    detail = client_as(coop.accountant).get(response["Location"]).content.decode()
    assert "*" * 14 + resident_id(9)[-4:] in detail
    assert resident_id(9)[:14] not in detail


def test_a_bad_member_form_shows_the_field_and_saves_nothing(coop, demo, client_as):
    response = client_as(coop.manager).post(
        f"/coops/{coop.cooperative.pk}/members/new/",
        {
            "household": "新户家",
            "head_name": "扎西",
            "national_id": resident_id(9)[:17] + "0" if resident_id(9)[17] != "0" else "1",
            "point": demo.point("LT-S01-V01").pk,
            "payout_method": "bank",
            "payout_account": "",
            "language": "zh-hans",
            "joined_on": "2026-06-01",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter the bank of the account." in html
    assert not Member.objects.filter(household="新户家").exists()


def test_capital_and_leaving_forms(coop, client_as):
    member = coop.members[1]
    base = f"/coops/{coop.cooperative.pk}/members/{member.pk}"
    client = client_as(coop.manager)
    client.post(
        f"{base}/capital/",
        {"direction": "in", "amount": "300.00", "occurred_on": TODAY.isoformat(), "memo": "入股"},
    )
    refused = client.post(
        f"{base}/capital/", {"direction": "out", "amount": "500", "occurred_on": TODAY.isoformat()}
    )
    assert "more than the member&#x27;s capital" in refused.content.decode()
    assert [c.amount_fen for c in CapitalContribution.objects.filter(member=member)] == [30000]
    assert "¥300.00" in client.get(f"{base}/").content.decode()

    assert client.post(f"{base}/leave/", {"left_on": TODAY.isoformat()}).status_code == 302
    member.refresh_from_db()
    assert member.left_on == TODAY


def test_template_download_and_import_and_export(coop, client_as):
    client = client_as(coop.manager)
    base = f"/coops/{coop.cooperative.pk}/members"
    template = client.get(f"{base}/template.xlsx")
    assert template["Content-Type"] == XLSX_CONTENT_TYPE

    content = register_workbook([member_row(1), member_row(2)])
    response = client.post(f"{base}/import/", {"file": SimpleUploadedFile("m.xlsx", content)})
    assert response.status_code == 302
    assert "Members imported: 2." in client.get(response["Location"]).content.decode()

    export = client.get(f"{base}/export.xlsx")
    assert export["Content-Type"] == XLSX_CONTENT_TYPE
    assert export.content.startswith(b"PK")


def test_a_rejected_import_lists_each_row(coop, client_as):
    content = register_workbook([member_row(1), member_row(2, point="XX-1")])
    response = client_as(coop.manager).post(
        f"/coops/{coop.cooperative.pk}/members/import/",
        {"file": SimpleUploadedFile("m.xlsx", content)},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Row 3, 村服务点编码: No village point has code XX-1." in html
    assert "Nothing was saved" in html
    wrong = client_as(coop.manager).post(
        f"/coops/{coop.cooperative.pk}/members/import/",
        {"file": SimpleUploadedFile("m.csv", b"a,b")},
    )
    assert "Only Excel .xlsx files can be imported." in wrong.content.decode()


def test_rules_page_and_new_version_form(coop, client_as):
    client = client_as(coop.manager)
    html = client.get(f"/coops/{coop.cooperative.pk}/rules/").content.decode()
    assert "In force since 2026-01-01" in html and "×1.2" in html
    form = client.get(f"/coops/{coop.cooperative.pk}/rules/new/").content.decode()
    assert 'name="grades-TOTAL_FORMS" value="9"' in form  # six grades and three blank rows

    later = TODAY + dt.timedelta(days=30)
    data = {
        "effective_from": later.isoformat(),
        "service_fee": "2.5",
        "public_reserve": "10",
        "patronage_share": "59",
        "grades-TOTAL_FORMS": "1",
        "grades-INITIAL_FORMS": "0",
        "grades-0-produce": coop.yak.pk,
        "grades-0-code": "A",
        "grades-0-label_zh": "特级",
        "grades-0-factor": "1.25",
    }
    refused = client.post(f"/coops/{coop.cooperative.pk}/rules/new/", data)
    assert "Farmers&#x27; Professional Cooperatives Law" in refused.content.decode()
    assert CooperativeRules.objects.filter(cooperative=coop.cooperative).count() == 1

    data["patronage_share"] = "65"
    assert client.post(f"/coops/{coop.cooperative.pk}/rules/new/", data).status_code == 302
    added = CooperativeRules.objects.get(cooperative=coop.cooperative, effective_from=later)
    assert (added.service_fee_bp, added.patronage_share_bp) == (250, 6500)
    assert added.grades.get().factor_bp == 12500
    assert "upcoming" in client.get(f"/coops/{coop.cooperative.pk}/rules/").content.decode()


def test_pages_are_made_for_phones(coop, client_as):
    client = client_as(coop.manager)
    for url in pages(coop)[:4] + manage_pages(coop):
        html = client.get(url).content.decode()
        for cell in re.findall(r"<td\b[^>]*>", html):
            assert "data-label" in cell or "colspan" in cell, url
        for form in re.findall(r"<form\b[^>]*>", html):
            assert "novalidate" in form, url
        assert "<script" not in html.split("</main>")[0].split("<main")[-1], url
        assert len(html.encode()) < 50_000, url


def test_a_long_register_is_shown_a_page_at_a_time(coop, demo, client_as):
    from highland.coops.testing import make_member

    point = demo.point("LT-S01-V02")
    for serial in range(4, 60):
        make_member(coop.cooperative, f"{serial:04d}", f"户{serial}", point)
    client = client_as(coop.manager)
    first = client.get(f"/coops/{coop.cooperative.pk}/members/").content.decode()
    second = client.get(f"/coops/{coop.cooperative.pk}/members/", {"page": 2}).content.decode()
    assert "0050" in first and "0051" not in first
    assert "0051" in second and "Page 2 of 2" in second
    assert len(first.encode()) < 50_000
