"""Pricing arithmetic: exact, and property-tested where money is split."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from highland.orders import pricing


def test_weight_lines_are_priced_per_500_g_rounded_half_up():
    # 333 g at ¥120.00 per 500 g = ¥79.92
    assert pricing.line_amount_fen(unit_price_fen=12000, quantity=333, by_weight=True) == 7992
    # 1 g at ¥0.05 per 500 g is 0.0001 fen: rounds to nothing
    assert pricing.line_amount_fen(unit_price_fen=5, quantity=1, by_weight=True) == 0
    assert pricing.line_amount_fen(unit_price_fen=2580, quantity=3, by_weight=False) == 7740


@pytest.mark.parametrize(
    ("weight", "fee"), [(0, 800), (1000, 800), (1001, 1100), (2000, 1100), (2500, 1400)]
)
def test_shipping_steps(weight, fee):
    assert (
        pricing.shipping_fee_fen(
            weight, first_weight_g=1000, first_fee_fen=800, step_weight_g=1000, step_fee_fen=300
        )
        == fee
    )


@pytest.mark.parametrize(
    ("pickup", "province", "district", "zone"),
    [
        (True, "", "", "local"),
        (False, "四川省", "理塘县", "local"),
        (False, "四川省", "武侯区", "province"),
        (False, "云南省", "香格里拉市", "near"),
        (False, "广东省", "天河区", "far"),
    ],
)
def test_shipping_zone(pickup, province, district, zone):
    assert (
        pricing.shipping_zone(
            pickup_in_county=pickup, province=province, district=district, county_names={"理塘县"}
        )
        == zone
    )


def test_heaviest_storage_need_wins():
    assert pricing.parcel_storage_class(["ambient", "frozen", "chilled"]) == "frozen"
    assert pricing.parcel_storage_class([]) == "ambient"


@given(
    amount=st.integers(min_value=1, max_value=10**10), rate=st.integers(min_value=0, max_value=3000)
)
def test_commission_and_payable_always_sum_to_the_goods(amount, rate):
    commission = pricing.commission_fen(amount, rate)
    payable = amount - commission
    assert commission + payable == amount
    assert 0 <= commission <= amount
    assert abs(commission - amount * rate / 10_000) <= 0.5


@given(
    price=st.integers(min_value=1, max_value=10**6),
    ordered=st.integers(min_value=50, max_value=10**6),
    delta_permille=st.integers(min_value=-50, max_value=50),
)
def test_catch_weight_adjustment_plus_ordered_is_the_packed_price(price, ordered, delta_permille):
    packed = ordered + ordered * delta_permille // 1000
    adjustment = pricing.catch_weight_adjustment_fen(
        unit_price_fen=price, ordered_g=ordered, packed_g=packed
    )
    ordered_amount = pricing.line_amount_fen(unit_price_fen=price, quantity=ordered, by_weight=True)
    packed_amount = pricing.line_amount_fen(unit_price_fen=price, quantity=packed, by_weight=True)
    assert ordered_amount + adjustment == packed_amount
