"""Whatever happens to orders, the ledger balances and money adds up."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from highland.core.errors import DomainError
from highland.ledger.invariants import verify_ledger
from highland.ledger.selectors import balances
from highland.orders import services
from highland.orders.models import Order, OrderStatus
from highland.orders.services import CheckoutLine
from highland.payments.models import Payment, Refund, RefundStatus

SKUS = ["LT-YJ-100", "LT-ZC-500", "LT-SR-W", "LT-QK-2500", "LT-CD-20K"]

step = st.one_of(
    st.tuples(
        st.just("place"),
        st.lists(st.sampled_from(SKUS), min_size=1, max_size=3, unique=True),
        st.integers(min_value=1, max_value=3),
    ),
    st.tuples(st.just("pay"), st.integers(min_value=0, max_value=20)),
    st.tuples(st.just("cancel"), st.integers(min_value=0, max_value=20)),
    st.tuples(
        st.just("pack"),
        st.integers(min_value=0, max_value=20),
        st.integers(min_value=-50, max_value=50),
    ),
    st.tuples(st.just("ship"), st.integers(min_value=0, max_value=20)),
)


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(step, min_size=1, max_size=12))
def test_ledger_balances_after_any_sequence(shop, chengdu_address, steps):
    county = shop.demo.county
    buyer, operator, seller = shop.buyer(), shop.demo.user("operator"), shop.demo.user("admin")
    for action, *args in steps:
        orders = list(Order.objects.filter(county=county).order_by("pk"))
        try:
            if action == "place":
                codes, quantity = args
                lines = [
                    CheckoutLine(shop.sku(code).pk, quantity * (400 if code == "LT-SR-W" else 1))
                    for code in codes
                ]
                services.place_order(
                    county,
                    lines,
                    buyer=buyer,
                    actor=buyer,
                    delivery=chengdu_address,
                    payment_method="bank_transfer",
                )
            elif not orders:
                continue
            elif action == "pay":
                order = orders[args[0] % len(orders)]
                services.confirm_bank_transfer(order.payment, actor=operator, bank_reference="B")
            elif action == "cancel":
                services.cancel_order(
                    orders[args[0] % len(orders)], actor=buyer, reason="changed my mind"
                )
            elif action == "pack":
                order = orders[args[0] % len(orders)]
                grams = {
                    line.pk: line.quantity + line.quantity * args[1] // 1000
                    for line in order.lines.all()
                    if line.selling_unit == "weight"
                }
                services.pack_order(order, grams, actor=seller)
            elif action == "ship":
                services.advance_order(
                    orders[args[0] % len(orders)], OrderStatus.SHIPPED, actor=seller
                )
        except DomainError:
            pass  # refused moves change nothing; the invariants below must still hold
        assert verify_ledger(county) == []
        totals = balances(county)
        assert sum(totals.values()) == 0
        # Money held equals money received minus refunds paid back; refunds requested and
        # not yet paid back are owed.
        held = sum(amount for code, amount in totals.items() if code.startswith("Assets:"))
        received = sum(
            p.amount_fen for p in Payment.objects.filter(county=county) if p.paid_at is not None
        )
        refunds = Refund.objects.filter(county=county)
        paid_back = sum(r.amount_fen for r in refunds if r.status == RefundStatus.PAID)
        owed = sum(r.amount_fen for r in refunds if r.status != RefundStatus.PAID)
        assert held == received - paid_back
        assert totals.get("Liabilities:RefundsDue", 0) == -owed
