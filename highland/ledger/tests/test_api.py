"""Ledger API: 401 for strangers, 403 for other roles, the county's own books for the rest."""

from __future__ import annotations

import pytest

from highland.core import services as core_services
from highland.ledger import accounts, invariants
from highland.ledger.tests.helpers import (
    SALE_DAY_BALANCES,
    ledger_invariants_only,
    ledger_state,
    post_sale_day,
)
from highland.ledger.tests.test_invariants import corrupt_entry
from highland.ledger.tests.test_pages import many_entries

ENDPOINTS = ["/api/v1/ledger/balances", "/api/v1/ledger/entries", "/api/v1/ledger/verify"]


@pytest.mark.parametrize("url", ENDPOINTS)
def test_anonymous_callers_get_401(demo, client_as, url):
    response = client_as(None).get(url)

    assert response.status_code == 401
    assert response.json() == {
        "code": "not_authenticated",
        "detail": "Log in or send a device token.",
    }


@pytest.mark.parametrize("url", ENDPOINTS)
@pytest.mark.parametrize("username", ["agent", "seller", "buyer"])
def test_other_roles_get_403_and_nothing_changes(demo, client_as, url, username):
    post_sale_day(demo.county, None)
    before = ledger_state()

    response = client_as(demo.user(username)).get(url)

    assert response.status_code == 403
    assert response.json() == {
        "code": "permission_denied",
        "detail": "You are not allowed to do this.",
    }
    assert ledger_state() == before


@pytest.mark.parametrize("username", ["operator", "official"])
def test_balances_are_the_countys(demo, client_as, username):
    post_sale_day(demo.county, None)

    response = client_as(demo.user(username)).get("/api/v1/ledger/balances")
    names = {"Assets:Cash:Point:LT-S01": "Cash held at point Benge E-commerce Service Station"}

    assert response.status_code == 200
    assert response.json() == [
        {"code": code, "name": names.get(code, accounts.describe(code)), "balance_fen": amount}
        for code, amount in SALE_DAY_BALANCES.items()
    ]


def test_balances_by_prefix(demo, client_as):
    post_sale_day(demo.county, None)

    response = client_as(demo.user("official")).get("/api/v1/ledger/balances", {"prefix": "Income"})

    assert response.json() == [
        {"code": "Income:Commission", "name": "Commission income", "balance_fen": -2_200},
        {"code": "Income:Shipping", "name": "Shipping income", "balance_fen": -1_655},
    ]


def test_a_prefix_that_is_no_account_path_is_422(demo, client_as):
    response = client_as(demo.user("official")).get(
        "/api/v1/ledger/balances", {"prefix": "Assets' OR 1=1"}
    )

    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"
    assert list(response.json()["errors"]) == ["prefix"]


def test_entries_come_newest_first_with_their_postings(demo, client_as):
    entries = post_sale_day(demo.county, demo.user("operator"))

    response = client_as(demo.user("operator")).get(
        "/api/v1/ledger/entries", {"limit": 2, "offset": 1}
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["limit"], body["offset"]) == (6, 2, 1)
    assert body["items"] == [
        {
            "id": entries[4].pk,
            "occurred_at": "2025-05-03T16:01:00Z",
            "kind": "payments.payout.sent",
            "memo": "Payout to seller S12",
            "memo_code": "legacy",
            "memo_params": {"text": "Payout to seller S12"},
            "description": "Payout to seller S12",
            "reference_type": "",
            "reference_id": "",
            "created_by_id": demo.user("operator").pk,
            "postings": [
                {
                    "account": "Liabilities:SellerPayable:S12",
                    "account_name": "Owed to seller #12",
                    "amount_fen": 22_000,
                },
                {
                    "account": "Assets:Bank",
                    "account_name": "Service centre bank account",
                    "amount_fen": -22_000,
                },
            ],
        },
        {
            "id": entries[3].pk,
            "occurred_at": "2025-05-03T06:00:00Z",
            "kind": "orders.order.completed",
            "memo": "Order LT-0001 completed",
            "memo_code": "legacy",
            "memo_params": {"text": "Order LT-0001 completed"},
            "description": "Order LT-0001 completed",
            "reference_type": "",
            "reference_id": "",
            "created_by_id": demo.user("operator").pk,
            "postings": [
                {
                    "account": "Liabilities:BuyerClearing",
                    "account_name": "Buyers' money received, not yet allocated",
                    "amount_fen": 25_850,
                },
                {
                    "account": "Liabilities:SellerPayable:S12",
                    "account_name": "Owed to seller #12",
                    "amount_fen": -22_000,
                },
                {
                    "account": "Income:Commission",
                    "account_name": "Commission income",
                    "amount_fen": -2_200,
                },
                {
                    "account": "Income:Shipping",
                    "account_name": "Shipping income",
                    "amount_fen": -1_650,
                },
            ],
        },
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": 1_000_001}, "offset"),
        ({"limit": "all"}, "limit"),
    ],
)
def test_entry_paging_is_bounded(demo, client_as, query, field):
    response = client_as(demo.user("operator")).get("/api/v1/ledger/entries", query)

    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]


def test_entries_query_budget(demo, client_as, django_assert_num_queries):
    many_entries(demo.county, 60)
    client = client_as(demo.user("operator"))

    # Session, person, county, roles; then the count, the entries and their postings, and
    # the sellers the accounts name (no point cash among them).
    with django_assert_num_queries(8):
        response = client.get("/api/v1/ledger/entries", {"limit": 50})

    assert len(response.json()["items"]) == 50


def test_another_county_sees_only_its_own_books(demo, other_county, client_as):
    post_sale_day(demo.county, None)
    client = client_as(other_county.operator)

    assert client.get("/api/v1/ledger/balances").json() == []
    assert client.get("/api/v1/ledger/entries").json() == {
        "count": 0,
        "limit": 50,
        "offset": 0,
        "items": [],
    }
    assert client.get("/api/v1/ledger/verify").json() == {"ok": True, "problems": []}


def test_verify_reports_the_problems(demo, client_as, monkeypatch):
    monkeypatch.setattr(invariants.ledger_invariants, "_items", ledger_invariants_only())
    post_sale_day(demo.county, None)
    entry = corrupt_entry(
        demo.county, [(demo.county, "Assets:Bank", 2), (demo.county, "Income:Shipping", -1)]
    )

    response = client_as(demo.user("official")).get("/api/v1/ledger/verify")

    assert response.status_code == 200
    assert response.json() == {
        "ok": False,
        "problems": [
            f"ledger.entries_balance: Entry #{entry.pk} does not balance: "
            "its postings sum to ¥0.01."
        ],
    }


def test_a_device_token_reads_the_ledger(demo, client_as, monkeypatch):
    monkeypatch.setattr(invariants.ledger_invariants, "_items", ledger_invariants_only())
    operator = demo.user("operator")
    post_sale_day(demo.county, None)
    issued = core_services.issue_api_token(operator, actor=operator, name="centre laptop")

    response = client_as(None).get(
        "/api/v1/ledger/verify", HTTP_AUTHORIZATION=f"Bearer {issued.raw_key}"
    )

    assert response.status_code == 200
    assert response.json() == {"ok": True, "problems": []}
