"""Real races on PostgreSQL: replays of one idempotency key arriving together post once."""

from __future__ import annotations

import time

import pytest
from django.db import connection, transaction

from highland.core.models import County
from highland.ledger.models import Account, Entry, Posting
from highland.ledger.selectors import balance
from highland.ledger.services import post_entry
from highland.testing import run_concurrently

RACERS = 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_replays_of_one_key_post_one_entry(demo):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): SQLite serialises writers")
    county_id = demo.county.pk

    def pay() -> int:
        county = County.objects.get(pk=county_id)
        with transaction.atomic():
            entry = post_entry(
                county,
                kind="orders.payment.received",
                description="Gateway callback for order LT-0077",
                lines=[("Assets:Gateway", 9_900), ("Liabilities:BuyerClearing", -9_900)],
                actor=None,
                idempotency_key="gateway:txn-77",
            )
            # Hold the transaction open so the others insert before it commits.
            time.sleep(0.3)
        return entry.pk

    posted = run_concurrently(pay, RACERS)

    assert all(isinstance(entry_id, int) for entry_id in posted), posted
    assert len(posted) == RACERS
    assert len(set(posted)) == 1
    assert Entry.objects.filter(county=demo.county, idempotency_key="gateway:txn-77").count() == 1
    assert Posting.objects.filter(entry_id=posted[0]).count() == 2
    assert Account.objects.filter(county=demo.county, code="Assets:Gateway").count() == 1
    assert balance(demo.county, "Assets:Gateway") == 9_900
