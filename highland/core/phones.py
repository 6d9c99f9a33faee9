"""Mainland mobile numbers as people type them: "139 1234 5678", "+86 139-1234-5678".

One place decides what a mobile number is (the rule on `User.phone` says the same), so
checkout, villager registration and the API accept the same numbers.
"""

from __future__ import annotations

import re

MAINLAND_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
# What people put between digits: spaces (also full-width), hyphens, dots, brackets.
_SEPARATORS = re.compile(r"[\s\u3000\-\.\(\)（）]")


def normalise_mobile(text: str) -> str | None:
    """The 11 digits of a mainland mobile number, or None if `text` is not one.

    A country code (+86, 0086, 86) before the 11 digits is dropped; full-width digits
    typed on a Chinese keyboard count as digits.
    """
    compact = _SEPARATORS.sub("", text.translate(_FULL_WIDTH_DIGITS))
    for prefix in ("+86", "0086", "86"):
        if compact.startswith(prefix) and len(compact) == len(prefix) + 11:
            compact = compact[len(prefix) :]
            break
    return compact if MAINLAND_MOBILE.match(compact) else None


_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９＋", "0123456789+")


def masked_mobile(phone: str) -> str:
    """A number with all but its last four digits hidden: "*******5678" ("" stays "")."""
    if len(phone) <= 4:
        return phone
    return "*" * (len(phone) - 4) + phone[-4:]
