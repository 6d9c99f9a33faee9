"""The ledger pages show what each entry is for, and whose account it is, in the reader's
language: memos are stored as codes with parameters, names in the three languages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from highland.ledger.models import Entry
from highland.payments.cash import reconcile_cash


@pytest.fixture
def shortage(demo, cash_sale):
    point = demo.point("LT-S01-V01")
    reconcile_cash(
        point,
        actor=demo.user("village_agent"),
        counted_fen=cash_sale.amount_fen - 500,
        handed_over_fen=0,
        note="Torn note",
    )
    return point


def test_the_entry_keeps_the_code_and_the_points_names(demo, shortage):
    entry = Entry.objects.get(kind="payments.cash.shortage")

    assert entry.memo_code == "payments.cash.shortage"
    assert entry.memo_params == {
        "point": {"zh": shortage.name_zh, "bo": shortage.name_bo, "en": shortage.name_en}
    }


@pytest.mark.parametrize("language", ["zh-hans", "bo", "en"])
def test_the_ledger_page_shows_memo_and_account_in_the_readers_language(
    demo, client_as, shortage, language
):
    client = client_as(demo.user("official"))

    response = client.get(reverse("ledger:overview"), HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 200
    page = response.content.decode()
    expected = {"zh-hans": shortage.name_zh, "bo": shortage.name_bo, "en": shortage.name_en}
    assert page.count(expected[language]) >= 2  # the memo and the point's cash account
    others = [name for code, name in expected.items() if code != language]
    assert all(name not in page for name in others)


def test_the_payment_memo_names_its_method_in_english(demo, client_as, shortage):
    client = client_as(demo.user("official"))

    page = client.get(reverse("ledger:overview"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert f"Cash short at {shortage.name_en}" in page
    assert f"Cash held at point {shortage.name_en}" in page
    assert "received (Cash at a service point)" in page


def test_the_api_gives_the_memo_in_the_readers_language(demo, client_as, shortage):
    client = client_as(demo.user("official"))

    body = client.get("/api/v1/ledger/entries", HTTP_ACCEPT_LANGUAGE="bo").json()

    shortage_entry = next(
        item for item in body["items"] if item["memo_code"] == "payments.cash.shortage"
    )
    assert shortage.name_bo in shortage_entry["memo"]
    assert shortage.name_bo in shortage_entry["postings"][1]["account_name"]


def test_an_entry_names_and_links_what_it_is_about(demo, client_as, cash_sale):
    client = client_as(demo.user("official"))

    page = client.get(reverse("ledger:overview"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert f'<a href="/orders/payments/{cash_sale.pk}/">Payment #{cash_sale.pk}</a>' in page
