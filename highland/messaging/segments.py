"""How many SMS a text costs, counted as the networks count it.

Text made only of the GSM 03.38 alphabet (GSM-7) fits 160 characters in one message, 153
per part once split (the rest carries the joining header); characters of the extension
table (`^{}\\[~]|€` and form feed) take two places. Anything else (Chinese, Tibetan) goes as
UCS-2: 70 characters in one message, 67 per part; a character outside the Basic
Multilingual Plane takes two UTF-16 units.
"""

from __future__ import annotations

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


def is_gsm7(text: str) -> bool:
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def sms_length(text: str) -> tuple[str, int]:
    """The encoding (`gsm7` or `ucs2`) and the length in its units."""
    if is_gsm7(text):
        return "gsm7", sum(2 if char in GSM7_EXTENSION else 1 for char in text)
    return "ucs2", len(text.encode("utf-16-le")) // 2


def count_sms_segments(text: str) -> int:
    """How many messages `text` is sent as (an empty text is still one message)."""
    encoding, units = sms_length(text)
    single, part = (GSM7_SINGLE, GSM7_PART) if encoding == "gsm7" else (UCS2_SINGLE, UCS2_PART)
    if units <= single:
        return 1
    return -(-units // part)
