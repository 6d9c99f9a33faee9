"""The one SSCC generator: check digits by GS1's rule, distinct codes under concurrency."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from highland.core.errors import ValidationFailed
from highland.core.gs1 import (
    compose_sscc,
    is_valid_sscc,
    next_sscc,
    normalise_sscc,
    sscc_check_digit,
    validate_sscc,
)


def test_check_digit_of_gs1s_own_example() -> None:
    # GS1's example SSCC (00) 0 0614141 123456789 0; GS1's rule by hand: weights 3, 1, 3, …
    # from the left over the 17 digits, then the step up to the next multiple of ten.
    body = "00614141123456789"
    digits = [int(d) for d in body]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(digits))
    assert sscc_check_digit(body) == str((10 - total % 10) % 10)
    assert sscc_check_digit(body) == "0"


def test_validate_accepts_spaces_and_application_identifier() -> None:
    assert validate_sscc("(00) 0 0614141 123456789 0") == "006141411234567890"
    assert normalise_sscc("00006141411234567890") == "006141411234567890"


def test_bad_check_digit_is_refused_with_the_right_digit_named() -> None:
    with pytest.raises(ValidationFailed) as refused:
        validate_sscc("006141411234567891")
    assert refused.value.code == "bad_sscc"
    assert "should end in 0" in str(refused.value.message)


def test_wrong_length_is_refused() -> None:
    with pytest.raises(ValidationFailed) as refused:
        validate_sscc("12345")
    assert refused.value.code == "bad_sscc"


@given(st.integers(min_value=0, max_value=10**10 - 1), st.sampled_from(["6999513", "699951300"]))
def test_every_composed_code_is_valid_and_carries_the_prefix(serial: int, prefix: str) -> None:
    capacity = 10 ** (17 - len(prefix))
    serial %= capacity
    code = compose_sscc(prefix, serial)
    assert len(code) == 18
    assert code[1 : 1 + len(prefix)] == prefix
    assert is_valid_sscc(code)


def test_the_last_code_is_the_last() -> None:
    prefix = "6999513"
    compose_sscc(prefix, 10**10 - 1)
    with pytest.raises(ValidationFailed):
        compose_sscc(prefix, 10**10)


def test_next_codes_are_distinct_and_in_order(demo) -> None:
    first = next_sscc(demo.county)
    second = next_sscc(demo.county)
    assert first != second
    assert int(second[1:17]) == int(first[1:17]) + 1


def test_county_without_prefix_gets_a_clear_refusal(other_county) -> None:
    with pytest.raises(ValidationFailed) as refused:
        next_sscc(other_county.county)
    assert refused.value.code == "no_gs1_prefix"
