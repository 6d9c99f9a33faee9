"""Mobile numbers as people type them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from highland.core.phones import normalise_mobile


@pytest.mark.parametrize(
    "typed",
    [
        "13912345678",
        "139 1234 5678",
        "139-1234-5678",
        "+86 139 1234 5678",
        "+8613912345678",
        "0086 139 1234 5678",
        "86 13912345678",
        "(139) 1234 5678",
        "１３９１２３４５６７８",
        "139\u30001234\u30005678",
    ],
)
def test_numbers_as_people_type_them_are_accepted(typed):
    assert normalise_mobile(typed) == "13912345678"


@pytest.mark.parametrize(
    "typed",
    ["", "1391234567", "139123456789", "12912345678", "028 8765 4321", "+1 139 1234 5678", "abc"],
)
def test_what_is_not_a_mainland_mobile_is_refused(typed):
    assert normalise_mobile(typed) is None


@given(st.text(max_size=40))
def test_the_answer_is_eleven_digits_or_nothing(text):
    answer = normalise_mobile(text)
    assert answer is None or (len(answer) == 11 and answer.isascii() and answer.isdigit())
