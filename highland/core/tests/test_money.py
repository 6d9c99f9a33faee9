"""Money helpers: exact formatting, parsing, and splits that always sum to the whole."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from highland.core.money import YuanField, allocate, format_fen, parse_yuan


@pytest.mark.parametrize(
    ("fen", "text"),
    [(12345, "¥123.45"), (5, "¥0.05"), (-5, "-¥0.05"), (123456789, "¥1,234,567.89")],
)
def test_format_fen(fen, text):
    assert format_fen(fen) == text


@pytest.mark.parametrize(
    ("text", "fen"), [("123.45", 12345), ("0.1", 10), ("¥1,000", 100000), ("7", 700)]
)
def test_parse_yuan(text, fen):
    assert parse_yuan(text) == fen


@pytest.mark.parametrize("text", ["1.234", "abc", "", "NaN", "Infinity"])
def test_parse_yuan_refuses(text):
    with pytest.raises(ValueError):
        parse_yuan(text)


def test_allocate_example():
    # 100 fen over three equal shares: the first gets the odd fen.
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]
    assert allocate(-100, [1, 1, 1]) == [-34, -33, -33]
    assert allocate(1000, [500, 250, 0]) == [667, 333, 0]


@given(
    total=st.integers(min_value=-(10**12), max_value=10**12),
    weights=st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=40).filter(
        any
    ),
)
def test_allocate_always_sums_to_the_whole(total, weights):
    parts = allocate(total, weights)
    assert sum(parts) == total
    weight_sum = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        exact = total * weight / weight_sum
        assert abs(part - exact) < 1  # no part is off by a whole fen or more


def test_yuan_field_cleans_to_fen():
    field = YuanField()
    assert field.clean("12.50") == 1250
    with pytest.raises(Exception, match="two decimals"):
        field.clean("1.005")
    with pytest.raises(Exception, match="at least"):
        field.clean("0")
