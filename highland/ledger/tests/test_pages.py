"""Ledger pages: who may read them, what they show, and their query budgets."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from highland.ledger.services import post_entry
from highland.ledger.tests.helpers import at, ledger_state, post_sale_day

OVERVIEW = "/ledger/"
BANK_STATEMENT = "/ledger/accounts/Assets:Bank/"


def many_entries(county, count):
    for number in range(count):
        post_entry(
            county,
            kind="orders.payment.received",
            description=f"Order LT-{number:04d} paid",
            lines=[
                ("Assets:Bank", 1_000 + number),
                (f"Liabilities:SellerPayable:S{number % 7}", -(1_000 + number)),
            ],
            actor=None,
            occurred_at=at("2025-05-01", f"{number // 60:02d}:{number % 60:02d}"),
        )


@pytest.mark.parametrize("url", [OVERVIEW, BANK_STATEMENT])
def test_anonymous_people_are_sent_to_log_in(demo, client_as, url):
    post_sale_day(demo.county, None)

    response = client_as(None).get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={quote(url, safe='/')}"


@pytest.mark.parametrize("username", ["agent", "seller", "coop_accountant", "buyer"])
@pytest.mark.parametrize("url", [OVERVIEW, BANK_STATEMENT])
def test_other_roles_of_the_county_are_refused(demo, client_as, username, url):
    post_sale_day(demo.county, None)
    before = ledger_state()

    response = client_as(demo.user(username)).get(url)

    assert response.status_code == 403
    assert "You are not allowed to do this." in response.content.decode()
    assert ledger_state() == before


@pytest.mark.parametrize("username", ["operator", "official", "admin"])
def test_operators_and_officials_see_the_trial_balance_and_entries(demo, client_as, username):
    entries = post_sale_day(demo.county, demo.user("operator"))

    response = client_as(demo.user(username)).get(OVERVIEW)

    assert response.status_code == 200
    html = response.content.decode()
    rows = [
        (row.code, kind, row.debit_fen, row.credit_fen) for row, kind in response.context["rows"]
    ]
    assert rows == [
        ("Assets:Bank", "Assets", 1_003_850, 0),
        ("Assets:Cash:Point:LT-S01", "Assets", 0, 0),
        ("Equity:Opening", "Equity", 0, 1_000_000),
        ("Expenses:CatchWeight", "Expenses", 5, 0),
        ("Income:Commission", "Income", 0, 2_200),
        ("Income:Shipping", "Income", 0, 1_655),
        ("Liabilities:BuyerClearing", "Liabilities", 0, 0),
        ("Liabilities:SellerPayable:S12", "Liabilities", 0, 0),
    ]
    assert (response.context["debit_total"], response.context["credit_total"]) == (
        1_003_855,
        1_003_855,
    )
    assert [entry.pk for entry in response.context["page"]] == [e.pk for e in reversed(entries)]
    assert "¥10,038.50" in html
    assert "Order LT-0002 refunded, 0.05 kept for catch weight" in html
    assert 'href="/ledger/accounts/Liabilities:SellerPayable:S12/"' in html


def test_an_operator_of_another_county_sees_only_their_own_ledger(demo, other_county, client_as):
    post_sale_day(demo.county, None)
    client = client_as(other_county.operator)

    overview = client.get(OVERVIEW)
    statement = client.get(BANK_STATEMENT)

    assert overview.status_code == 200
    assert overview.context["rows"] == []
    assert list(overview.context["page"]) == []
    assert "Nothing has been posted yet." in overview.content.decode()
    assert statement.status_code == 404
    assert "No such account." in statement.content.decode()


def test_the_statement_shows_the_running_balance(demo, client_as):
    entries = post_sale_day(demo.county, None)

    response = client_as(demo.user("official")).get(BANK_STATEMENT)

    assert response.status_code == 200
    assert response.context["balance"] == 1_003_850
    assert [(p.entry_id, p.amount_fen, p.balance_fen) for p in response.context["page"]] == [
        (entries[4].pk, -22_000, 1_003_850),
        (entries[1].pk, 25_850, 1_025_850),
        (entries[0].pk, 1_000_000, 1_000_000),
    ]
    assert "Balance: ¥10,038.50 (debits positive, credits negative)." in response.content.decode()


def test_an_unknown_account_is_404(demo, client_as):
    response = client_as(demo.user("operator")).get("/ledger/accounts/Assets:Nowhere/")

    assert response.status_code == 404


def test_the_overview_pages_through_entries(demo, client_as):
    many_entries(demo.county, 30)

    response = client_as(demo.user("operator")).get(OVERVIEW, {"page": 2})

    page = response.context["page"]
    assert (page.number, page.paginator.num_pages, len(page.object_list)) == (2, 2, 5)
    assert [entry.memo for entry in page][-1] == "Order LT-0000 paid"


@pytest.mark.parametrize(("url", "budget"), [(OVERVIEW, 11), (BANK_STATEMENT, 10)])
@pytest.mark.parametrize("count", [3, 60])
def test_page_query_budgets(demo, client_as, django_assert_num_queries, url, budget, count):
    many_entries(demo.county, count)
    client = client_as(demo.user("operator"))

    # As many queries for 3 entries as for 60: session, person, county, roles, the header's
    # cart count and cold-chain alert badge, then the page's (on the overview also one for
    # the sellers the accounts name; these have no point cash).
    with django_assert_num_queries(budget):
        assert client.get(url).status_code == 200
