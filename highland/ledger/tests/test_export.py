"""Beancount export: bean-check accepts it, and it carries exactly the ledger's balances."""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from highland.ledger.export import export_beancount, quoted, yuan
from highland.ledger.models import Entry
from highland.ledger.selectors import balances
from highland.ledger.services import post_entry
from highland.ledger.tests.helpers import at, post_sale_day

BEAN_CHECK = Path(sys.executable).parent / "bean-check"


def busy_ledger(demo):
    """The sale day plus awkward text, a digit-led account and a very large amount."""
    entries = post_sale_day(demo.county, demo.user("operator"))
    entries.append(
        post_entry(
            demo.county,
            kind="payments.grant.received",
            description='Back\\slash, "quotes" and\na new line; 藏文 བོད་ཡིག',
            lines=[("Assets:Bank", 987_654_321_012), ("Income:2025-Grant", -987_654_321_012)],
            actor=None,
            reference=demo.point("LT-S01"),
            occurred_at=at("2025-05-05", "00:00"),
        )
    )
    return entries


def test_amounts_are_yuan_with_two_decimals():
    assert [yuan(fen) for fen in (0, 5, -5, 100, 12_345, -987_654_321_012)] == [
        "0.00",
        "0.05",
        "-0.05",
        "1.00",
        "123.45",
        "-9876543210.12",
    ]


def test_strings_are_quoted_on_one_line():
    assert quoted('a "b" \\ c\nd') == '"a \\"b\\" \\\\ c d"'


def test_the_export_of_a_small_ledger(demo):
    opening, paid = post_sale_day(demo.county, None)[:2]
    later = Entry.objects.filter(county=demo.county).exclude(pk__in=[opening.pk, paid.pk])
    assert later.count() == 4  # the rest of the day is exported too; shown below in part

    text = export_beancount(demo.county)

    assert text.startswith(
        "; Highland ledger of Litang County (513334)\n"
        'option "title" "理塘县 (513334)"\n'
        'option "operating_currency" "CNY"\n'
        "\n"
        "2025-04-30 open Assets:Bank CNY\n"
        "2025-04-30 open Equity:Opening CNY\n"
        "2025-05-01 open Liabilities:BuyerClearing CNY\n"
        "2025-05-01 open Assets:Cash:Point:LT-S01 CNY\n"
        "2025-05-03 open Income:Commission CNY\n"
        "2025-05-03 open Income:Shipping CNY\n"
        "2025-05-03 open Liabilities:SellerPayable:S12 CNY\n"
        "2025-05-04 open Expenses:CatchWeight CNY\n"
        "\n"
        '2025-04-30 * "Opening balance"\n'
        f'  entry: "{opening.pk}"\n'
        '  kind: "ledger.opening.balance"\n'
        "  Assets:Bank  10000.00 CNY\n"
        "  Equity:Opening  -10000.00 CNY\n"
        "\n"
        '2025-05-01 * "Order LT-0001 paid by \\"Chen Jing\\" 陈静"\n'
        f'  entry: "{paid.pk}"\n'
        '  kind: "orders.payment.received"\n'
        "  Assets:Bank  258.50 CNY\n"
        "  Liabilities:BuyerClearing  -258.50 CNY\n"
        "\n"
    )
    assert text.endswith(
        "  Liabilities:BuyerClearing  120.05 CNY\n"
        "  Expenses:CatchWeight  0.05 CNY\n"
        "  Assets:Cash:Point:LT-S01  -120.05 CNY\n"
        "  Income:Shipping  -0.05 CNY\n"
    )


def test_entries_are_dated_in_beijing_time(demo):
    post_entry(
        demo.county,
        kind="ledger.test.posted",
        description="Just after midnight in Litang, still the day before in UTC",
        lines=[("Assets:Bank", 1), ("Income:Shipping", -1)],
        actor=None,
        occurred_at=at("2025-06-01", "00:30"),
    )

    text = export_beancount(demo.county)

    assert "2025-06-01 open Assets:Bank CNY\n" in text
    assert '\n2025-06-01 * "Just after midnight' in text


def test_bean_check_accepts_the_export(demo, tmp_path):
    if not BEAN_CHECK.exists():
        pytest.skip(f"bean-check is not installed next to {sys.executable} (pip install beancount)")
    busy_ledger(demo)
    path = tmp_path / "litang.beancount"
    path.write_text(export_beancount(demo.county), encoding="utf-8")

    result = subprocess.run(  # noqa: S603 - a fixed program on a file this test wrote
        [str(BEAN_CHECK), str(path)], capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""


def test_the_export_carries_the_ledgers_balances(demo):
    loader = pytest.importorskip("beancount.loader", reason="the beancount package is missing")
    entries = busy_ledger(demo)

    directives, errors, options = loader.load_string(export_beancount(demo.county))

    assert errors == []
    assert options["operating_currency"] == ["CNY"]
    exported: dict[str, Decimal] = defaultdict(Decimal)
    transactions = [d for d in directives if type(d).__name__ == "Transaction"]
    for transaction in transactions:
        for posting in transaction.postings:
            assert posting.units.currency == "CNY"
            exported[posting.account] += posting.units.number
    assert {code: int(amount * 100) for code, amount in exported.items()} == balances(demo.county)
    assert [t.meta["entry"] for t in transactions] == [str(entry.pk) for entry in entries]
    assert transactions[-1].meta["reference"] == f"network.servicepoint:{demo.point('LT-S01').pk}"
    assert transactions[-1].narration == 'Back\\slash, "quotes" and a new line; 藏文 བོད་ཡིག'


def test_the_command_writes_the_export_to_a_file(demo, other_county, tmp_path):
    busy_ledger(demo)
    path = tmp_path / "out.beancount"

    call_command("export_beancount", "--county", "513334", "-o", str(path))

    assert path.read_text(encoding="utf-8") == export_beancount(demo.county)


def test_the_command_needs_a_county_when_there_are_several(demo, other_county):
    with pytest.raises(Exception, match=r"Name the county to export with --county CODE\."):
        call_command("export_beancount")
