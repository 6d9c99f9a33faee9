"""Real races on PostgreSQL: cancel, expiry and payment of the same order at once.

Every money path locks the payment row first, then its orders in primary-key order, then
stock; with one order everywhere the three cannot deadlock, and whichever wins, the ledger
balances and the stock matches the orders that stayed alive.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test import override_settings

from highland.catalog.tests.test_stock import run_concurrently
from highland.core.errors import DomainError
from highland.ledger.invariants import verify_ledger
from highland.ledger.selectors import balances
from highland.orders import services
from highland.orders.models import Order, OrderStatus
from highland.orders.services import CheckoutLine
from highland.payments.models import Payment, PaymentStatus, Refund

ROUNDS = 6
QUANTITY = 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@override_settings(PAYMENT_GATEWAY_URL="http://127.0.0.1:9")  # after-commit calls fail fast
def test_cancel_expiry_and_payment_racing_on_one_order(shop, chengdu_address):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): SQLite serialises writers")
    buyer = shop.buyer()
    stock_before = shop.sku("LT-ZC-500").stock
    outcomes = []
    for _round in range(ROUNDS):
        result = services.place_order(
            shop.demo.county,
            [CheckoutLine(shop.sku("LT-ZC-500").pk, QUANTITY)],
            buyer=buyer,
            actor=buyer,
            delivery=chengdu_address,
            payment_method="gateway",
        )
        order, payment = result.orders[0], result.payment
        after_the_hold = order.reserved_until + dt.timedelta(minutes=1)
        counter = itertools.count()

        def race(order=order, payment=payment, after_the_hold=after_the_hold, counter=counter):
            action = next(counter) % 3
            try:
                if action == 0:
                    services.cancel_order(
                        Order.objects.get(pk=order.pk), actor=buyer, reason="changed my mind"
                    )
                elif action == 1:
                    services.expire_reservations(now=after_the_hold)
                else:
                    services.settle_gateway_payment(
                        Payment.objects.get(pk=payment.pk),
                        gateway_trade_no=f"GT{payment.pk}",
                        amount_fen=payment.amount_fen,
                    )
                return action, "done"
            except DomainError as refusal:
                return action, refusal.code

        results = run_concurrently(race, 3)

        # No deadlock and no error but a refused move; the payment always gets in.
        assert not [r for r in results if isinstance(r, BaseException)], results
        assert (2, "done") in results
        payment.refresh_from_db()
        order.refresh_from_db()
        outcomes.append((order.status, payment.status))
        assert payment.status in (PaymentStatus.PAID, PaymentStatus.REFUNDED)
        if order.status == OrderStatus.CANCELLED:
            # Whatever was received for a cancelled order is owed back, in full.
            assert payment.status == PaymentStatus.REFUNDED
            assert Refund.objects.get(payment=payment).amount_fen == payment.amount_fen
        else:
            assert order.status == OrderStatus.PAID
            assert not Refund.objects.filter(payment=payment).exists()

    county = shop.demo.county
    assert verify_ledger(county) == []
    totals = balances(county)
    assert sum(totals.values()) == 0
    received = sum(p.amount_fen for p in Payment.objects.filter(county=county))
    assert totals["Assets:Gateway"] == received
    live = Order.objects.filter(county=county).exclude(status=OrderStatus.CANCELLED).count()
    assert shop.sku("LT-ZC-500").stock == stock_before - QUANTITY * live
    assert len(outcomes) == ROUNDS
