"""Parcel labels: the SSCC as a GS1-128 barcode and in human-readable form, a QR code to
the public tracking page, the destination in Chinese and Tibetan, the temperature class.

Both codes are drawn as inline SVG with presentation attributes only (the site's
Content-Security-Policy allows no inline style): a label prints without JavaScript or
images to fetch.

GS1-128: python-barcode's `gs1_128` puts FNC1 after the start character and encodes the
digits it is given; the application identifier goes in as its digits ("00" + the 18-digit
SSCC, 20 digits, all in code set C), never with the parentheses, which are only for the
human-readable line.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import barcode
import segno
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from highland.core.gs1 import validate_sscc
from highland.logistics.models import Parcel
from highland.logistics.temperature import TemperatureClass

SSCC_AI = "00"
# Quiet zone each side of the bars, in modules (GS1 asks for at least 10).
QUIET_MODULES = 10
BAR_HEIGHT_MODULES = 60
# QR quiet zone, in modules (the QR standard's four).
QR_BORDER = 4
# Used when the tracking page's URL name is not registered (it belongs to the tracking part).
TRACKING_PATH = "/logistics/track/"


@dataclass(frozen=True)
class ClassMark:
    """How a temperature class is marked on a label: fixed Chinese and Tibetan words (a
    label is read by hub staff, drivers and village agents whatever the printer's
    language), the range, and a CSS class for the pictogram's frame."""

    zh: str
    bo: str
    range: str
    css: str
    label: str | Promise


CLASS_MARKS = {
    TemperatureClass.FROZEN: ClassMark(
        "冷冻", "འཁྱགས་ཉར།", "≤ −18 °C", "frozen", _("Frozen: keep at −18 °C or colder")
    ),
    TemperatureClass.CHILLED: ClassMark(
        "冷藏", "གྲང་ཉར།", "0–4 °C", "chilled", _("Chilled: keep between 0 and 4 °C")
    ),
    TemperatureClass.AMBIENT: ClassMark("常温", "རང་བཞིན་དྲོད་ཚད།", "", "ambient", _("Ambient")),
}


def sscc_human(sscc: str, company_prefix: str = "") -> str:
    """The SSCC as printed under its barcode: "(00) 0 6999513 000000001 8" (extension
    digit, company prefix, serial reference, check digit). Without a prefix that the code
    carries, the prefix is taken as seven digits (the shortest GS1 allocates)."""
    digits = validate_sscc(sscc)
    length = len(company_prefix) if company_prefix and digits[1:].startswith(company_prefix) else 7
    return (
        f"({SSCC_AI}) {digits[0]} {digits[1 : 1 + length]} {digits[1 + length : 17]} {digits[17]}"
    )


def gs1_128_modules(sscc: str) -> str:
    """The barcode's modules ("1" bar, "0" space), quiet zones excluded: start C, FNC1,
    AI 00 and the SSCC in code set C, the symbol check character, stop."""
    digits = validate_sscc(sscc)
    symbol = barcode.get_barcode_class("gs1_128")(SSCC_AI + digits)
    return str(symbol.build()[0])


def gs1_128_svg(sscc: str) -> SafeString:
    """The GS1-128 barcode of an SSCC as inline SVG (one path, scaled by CSS)."""
    modules = gs1_128_modules(sscc)
    width = len(modules) + 2 * QUIET_MODULES
    bars: list[str] = []
    start = None
    for index, module in enumerate(modules + "0"):
        if module == "1" and start is None:
            start = index
        elif module == "0" and start is not None:
            bars.append(
                f"M{start + QUIET_MODULES} 0h{index - start}v{BAR_HEIGHT_MODULES}h-{index - start}z"
            )
            start = None
    digits = validate_sscc(sscc)
    return mark_safe(
        f'<svg class="barcode" viewBox="0 0 {width} {BAR_HEIGHT_MODULES}" '
        f'preserveAspectRatio="none" role="img" aria-label="SSCC {digits}" '
        f'data-gs1="({SSCC_AI}){digits}"><path fill="#000" d="{"".join(bars)}"/></svg>'
    )


def tracking_path(sscc: str) -> str:
    """The public tracking page for this SSCC (built by the tracking part)."""
    try:
        base = reverse("logistics:track")
    except NoReverseMatch:
        base = TRACKING_PATH
    return f"{base}?{urlencode({'q': sscc})}"


def qr_svg(url: str) -> SafeString:
    """A QR code of `url` as inline SVG (segno; medium error correction, full quiet zone)."""
    code = segno.make(url, error="m")
    return mark_safe(
        code.svg_inline(scale=1, border=QR_BORDER, omitsize=True, svgclass="qr", lineclass=None)
    )


@dataclass(frozen=True)
class Label:
    """Everything a parcel's label shows."""

    parcel: Parcel
    sscc_text: str
    barcode: SafeString
    qr: SafeString
    tracking_url: str
    mark: ClassMark
    weight_kg: str
    destination_zh: str
    destination_bo: str
    origin_zh: str
    contents: list[str]


def label_for(parcel: Parcel, *, site_root: str, contents: list[str] | None = None) -> Label:
    """The label of a parcel; `site_root` is the scheme and host the QR code points to
    ("https://highland.example"); `contents` the SSCCs inside a tote."""
    url = site_root.rstrip("/") + tracking_path(parcel.sscc)
    destination = parcel.destination_point
    origin = parcel.origin_point
    return Label(
        parcel=parcel,
        sscc_text=sscc_human(parcel.sscc, parcel.county.gs1_company_prefix),
        barcode=gs1_128_svg(parcel.sscc),
        qr=qr_svg(url),
        tracking_url=url,
        mark=CLASS_MARKS[TemperatureClass(parcel.temperature_class)],
        weight_kg=f"{parcel.weight_g / 1000:.2f}",
        destination_zh=destination.name_zh if destination else "",
        destination_bo=destination.name_bo if destination else "",
        origin_zh=origin.name_zh if origin else "",
        contents=contents or [],
    )
