"""Parcel labels: the SSCC's GS1-128 barcode read back bar by bar, the QR code read back
module by module, the human-readable SSCC, the destination in Chinese and Tibetan, the
temperature mark, 100×150 mm and A4 sheets, no script."""

from __future__ import annotations

import re

import pytest
import segno
from barcode.charsets.code128 import CODES, STOP

from highland.core.gs1 import compose_sscc, is_valid_sscc
from highland.logistics.labels import QUIET_MODULES, gs1_128_svg, qr_svg, sscc_human
from highland.logistics.models import Parcel, ParcelKind
from highland.logistics.services.hub import make_totes

START_C, FNC1 = 105, 102


def read_gs1_128(svg: str) -> str:
    """The data of a GS1-128 barcode drawn as one SVG path of bars: "(00)" + 18 digits.

    Reads the bars back into modules, checks the quiet zones, start C, FNC1, the symbol
    check character (computed here: start + Σ position × value, mod 103) and the stop.
    """
    width = int(re.search(r'viewBox="0 0 (\d+) ', svg).group(1))
    modules = ["0"] * width
    for start, length in re.findall(r"M(\d+) 0h(\d+)v", svg):
        for index in range(int(start), int(start) + int(length)):
            modules[index] = "1"
    bars = "".join(modules)
    assert bars[:QUIET_MODULES] == "0" * QUIET_MODULES
    assert bars[-QUIET_MODULES:] == "0" * QUIET_MODULES
    symbol = bars[QUIET_MODULES:-QUIET_MODULES]
    # The stop character and the two-module termination bar.
    assert symbol.endswith(STOP + "11")
    body = symbol[: -len(STOP) - 2]
    assert len(body) % 11 == 0
    values = [CODES.index(body[at : at + 11]) for at in range(0, len(body), 11)]
    *data, check = values
    assert data[:2] == [START_C, FNC1]
    assert (
        check
        == (data[0] + sum(position * value for position, value in enumerate(data[1:], 1))) % 103
    )
    digits = "".join(f"{value:02d}" for value in data[2:])
    return f"({digits[:2]}){digits[2:]}"


def read_qr(svg: str) -> list[list[int]]:
    """The dark modules of a segno QR path (rows of 0/1, quiet zone included)."""
    size = int(re.search(r'viewBox="0 0 (\d+) ', svg).group(1))
    matrix = [[0] * size for _ in range(size)]
    x = y = 0.0
    path = re.search(r' d="([^"]+)"', svg).group(1)
    for command, first, second in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path):
        if command == "M":
            x, y = float(first), float(second)
        elif command == "m":
            x, y = x + float(first), y + float(second)
        else:
            for column in range(int(x), int(x + float(first))):
                matrix[int(y)][column] = 1
            x += float(first)
    return matrix


def qr_matrix(url: str) -> list[list[int]]:
    code = segno.make(url, error="m")
    return [[int(bool(module)) for module in row] for row in code.matrix_iter(border=4)]


def test_the_human_readable_sscc_is_grouped_by_its_parts():
    sscc = compose_sscc("6999513", 1)

    assert sscc_human(sscc, "6999513") == "(00) 0 6999513 000000001 7"
    assert sscc_human(compose_sscc("699951301", 12345), "699951301") == (
        "(00) 0 699951301 0012345 " + compose_sscc("699951301", 12345)[-1]
    )


def test_the_barcode_reads_back_as_ai_00_and_the_sscc():
    sscc = compose_sscc("6999513", 42)

    assert read_gs1_128(gs1_128_svg(sscc)) == f"(00){sscc}"


def test_the_qr_code_reads_back_as_the_tracking_address():
    url = "http://testserver/logistics/track/?q=069995130000000017"

    assert read_qr(qr_svg(url)) == qr_matrix(url)


def test_a_chilled_parcel_label_has_everything(parcel_factory, client_as, demo):
    # Given a chilled order parcel for 扎嘎村 (LT-S01-V01)
    order = parcel_factory.packed_order("LT-S01-V01", lines=(("LT-SR-W", 500),))
    from highland.logistics.services.hub import create_order_parcel

    parcel = create_order_parcel(order, actor=demo.user("operator"))
    point = demo.point("LT-S01-V01")

    # When the operator opens its label
    response = client_as(demo.user("operator")).get(f"/logistics/hub/parcels/{parcel.pk}/label/")

    # Then it carries a valid SSCC barcode, the QR to the tracking page, the SSCC in
    # words, the destination in Chinese and Tibetan, the class mark and the weight
    page = response.content.decode()
    assert response.status_code == 200
    barcode = re.search(r'<svg class="barcode".*?</svg>', page).group(0)
    assert read_gs1_128(barcode) == f"(00){parcel.sscc}"
    assert is_valid_sscc(parcel.sscc)
    qr = re.search(r'<svg viewBox="[^"]+" class="qr">.*?</svg>', page).group(0)
    assert read_qr(qr) == qr_matrix(f"http://testserver/logistics/track/?q={parcel.sscc}")
    assert sscc_human(parcel.sscc, "6999513") in page
    assert point.name_zh in page and point.name_bo in page
    assert '<span class="class-zh" lang="zh-Hans">冷藏</span>' in page
    assert "0–4 °C" in page
    assert "Weight 0.50 kg" in page
    assert "<script" not in page
    assert "label-100x150.css" in page


def test_a4_sheets_hold_four_labels_each(parcel_factory, client_as, demo):
    parcels = [parcel_factory.collection(weight_g=1000 + n) for n in range(5)]
    query = "&".join(f"parcel={parcel.pk}" for parcel in parcels)

    page = client_as(demo.user("operator")).get(f"/logistics/hub/labels/?{query}&format=a4")

    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('<div class="sheet">') == 2
    assert html.count('<article class="label"') == 5
    assert "label-a4.css" in html
    assert [read_gs1_128(svg) for svg in re.findall(r'<svg class="barcode".*?</svg>', html)] == [
        f"(00){parcel.sscc}" for parcel in parcels
    ]


def test_a_tote_label_lists_what_it_carries(parcel_factory, client_as, demo):
    orders = [parcel_factory.packed_order("LT-S01-V02") for _ in range(2)]
    make_totes(demo.county, actor=demo.user("operator"))
    tote = Parcel.objects.get(kind=ParcelKind.TOTE)

    page = client_as(demo.user("operator")).get(f"/logistics/hub/parcels/{tote.pk}/label/")

    html = page.content.decode()
    assert "2 parcels inside" in html
    for order in orders:
        inside = Parcel.objects.get(order=order)
        assert f"{inside.sscc} · {order.number}" in html


@pytest.mark.parametrize("who", ["buyer", "seller"])
def test_a_person_who_does_not_handle_parcels_gets_no_label(parcel_factory, client_as, demo, who):
    parcel = parcel_factory.collection()

    single = client_as(demo.user(who)).get(f"/logistics/hub/parcels/{parcel.pk}/label/")
    batch = client_as(demo.user(who)).get(f"/logistics/hub/labels/?parcel={parcel.pk}")

    assert (single.status_code, batch.status_code) == (404, 404)


def test_a_label_of_another_county_is_not_found(parcel_factory, client_as, other_county):
    parcel = parcel_factory.collection()

    response = client_as(other_county.operator).get(f"/logistics/hub/parcels/{parcel.pk}/label/")

    assert response.status_code == 404
