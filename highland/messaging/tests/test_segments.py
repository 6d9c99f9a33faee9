"""SMS length as networks count it: GSM-7 160/153, UCS-2 70/67."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from highland.messaging.segments import count_sms_segments, sms_length


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("", 1),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # extension characters take two places
        ("€" * 81, 2),
        ("中" * 70, 1),
        ("中" * 71, 2),
        ("中" * 134, 2),
        ("中" * 135, 3),
        ("a" * 159 + "中", 3),  # one non-GSM character makes the whole text UCS-2
        ("བོད" * 23 + "a", 1),  # Tibetan is UCS-2: 70 units
        ("བོད" * 23 + "ab", 2),
        ("😀" * 35, 1),  # outside the BMP: two UTF-16 units each
        ("😀" * 36, 2),
    ],
)
def test_segments_exact(text: str, segments: int) -> None:
    assert count_sms_segments(text) == segments


def test_encoding_chosen() -> None:
    assert sms_length("Hello [x]") == ("gsm7", 11)
    assert sms_length("你好") == ("ucs2", 2)


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789 .,", max_size=2000))
def test_gsm7_segments_follow_the_rule(text: str) -> None:
    expected = 1 if len(text) <= 160 else -(-len(text) // 153)
    assert count_sms_segments(text) == expected


@given(st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=800))
def test_ucs2_segments_follow_the_rule(text: str) -> None:
    expected = 1 if len(text) <= 70 else -(-len(text) // 67)
    assert count_sms_segments(text) == expected
