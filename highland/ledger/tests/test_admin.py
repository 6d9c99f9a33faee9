"""The ledger admin is read-only: no adding, changing or deleting accounts or entries."""

from __future__ import annotations

import pytest

from highland.ledger.models import Account
from highland.ledger.services import post_entry
from highland.ledger.tests.helpers import ledger_state, post_sale_day


def test_admin_lists_and_shows_entries_with_their_postings(demo, client_as):
    entry = post_sale_day(demo.county, None)[3]
    client = client_as(demo.user("admin"))

    listing = client.get("/admin/ledger/entry/")
    detail = client.get(f"/admin/ledger/entry/{entry.pk}/change/")

    assert listing.status_code == 200
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "Liabilities:SellerPayable:S12" in html
    assert "-22000" in html
    assert 'name="_save"' not in html


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/admin/ledger/entry/add/"),
        ("get", "/admin/ledger/account/add/"),
        ("post", "/admin/ledger/entry/{entry}/delete/"),
        ("post", "/admin/ledger/account/{account}/delete/"),
    ],
)
def test_admin_cannot_add_or_delete(demo, client_as, method, url):
    entry = post_sale_day(demo.county, None)[0]
    account = Account.objects.get(county=demo.county, code="Assets:Bank")
    before = ledger_state()

    response = getattr(client_as(demo.user("admin")), method)(
        url.format(entry=entry.pk, account=account.pk), {"post": "yes"}
    )

    assert response.status_code == 403
    assert ledger_state() == before


def test_admin_cannot_change_an_entry(demo, client_as):
    entry = post_sale_day(demo.county, None)[0]
    before = ledger_state()

    response = client_as(demo.user("admin")).post(
        f"/admin/ledger/entry/{entry.pk}/change/",
        {"kind": "ledger.test.forged", "description": "Forged"},
    )

    assert response.status_code == 403
    assert ledger_state() == before


def test_admin_shows_memos_and_account_names_in_the_readers_language(demo, client_as):
    post_entry(
        demo.county,
        kind="payments.cash.shortage",
        memo_code="payments.cash.shortage",
        memo_params={"point": {"zh": "奔戈乡站", "bo": "དཔོན་སྒར་ཤང་།", "en": "Benge"}},
        lines=[("Expenses:CashShortage", 500), ("Assets:Cash:Point:LT-S01", -500)],
        actor=None,
    )
    client = client_as(demo.user("admin"))

    entries = client.get("/admin/ledger/entry/", HTTP_ACCEPT_LANGUAGE="bo").content.decode()
    listing = client.get("/admin/ledger/account/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "དཔོན་སྒར་ཤང་།" in entries
    assert "Cash short at points" in listing
