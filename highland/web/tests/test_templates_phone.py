"""Every template: forms leave validation to the server, and table cells carry their heading."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from highland.testing_browser import BO, ZH, foreign_words, need_browser

TEMPLATES = sorted(Path(__file__).resolve().parents[2].glob("*/templates/**/*.html"))
# Cells under an empty heading hold the row's buttons: they need no label.
ACTION_CELLS = {
    "catalog/product_manage.html": 1,
    "orders/groupbuys/pickup.html": 1,
    "payments/cash.html": 1,
    "core/token_list.html": 1,
    "core/locked_logins.html": 1,
}


def test_templates_are_found():
    assert len(TEMPLATES) > 50


def test_every_form_leaves_validation_to_the_server():
    # The browser's own messages follow the phone's language, never Tibetan.
    missing = [
        f"{path.name}: {form}"
        for path in TEMPLATES
        for form in re.findall(r"<form\b[^>]*>", path.read_text(encoding="utf-8"))
        if "novalidate" not in form
    ]
    assert missing == []


def test_every_table_cell_carries_its_column_heading():
    unlabelled: dict[str, int] = {}
    for path in TEMPLATES:
        text = path.read_text(encoding="utf-8")
        cells = re.findall(r"<td\b[^>]*>", text)
        bare = [cell for cell in cells if "data-label" not in cell and "colspan" not in cell]
        if bare:
            name = path.as_posix().split("/templates/", 1)[1]
            unlabelled[name] = len(bare)
    assert unlabelled == ACTION_CELLS


def test_no_template_hides_overflow_sideways():
    css = (Path(__file__).resolve().parents[1] / "static/web/site.css").read_text()
    assert "overflow-x" not in css
    assert "@media (max-width:599.98px)" in css


@pytest.mark.parametrize(
    ("language", "texts", "expected"),
    [
        (ZH, ["订单", "¥56.00", "LT-S01-V01", "4G · 不稳定", "名称、拼音或首字母，如 mnrg"], []),
        (ZH, ["订单 Orders", "Zoom in"], ["Zoom in", "订单 Orders"]),
        (BO, ["ཉོ་ཐོ།", "¥56.00", "P2612030050711756", "SKU"], []),
        (BO, ["订单", "ཉོ་ཐོ། Paid"], ["ཉོ་ཐོ། Paid", "订单"]),
    ],
)
def test_foreign_words_finds_words_of_another_language(language, texts, expected):
    assert foreign_words(texts, language) == expected


def test_a_missing_browser_fails_under_ci(monkeypatch):
    import highland.testing_browser as harness

    monkeypatch.setattr(harness, "CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setattr(harness, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        need_browser()
    monkeypatch.setattr(harness, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception, match="not installed"):
        need_browser()


def test_an_empty_login_shows_the_servers_message_on_each_field(db):
    from django.test import Client

    response = Client(HTTP_ACCEPT_LANGUAGE="bo").post("/accounts/login/", {})

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<ul class="errorlist"') == 2
    assert html.count("རེ་ཁག་འདི་ངེས་པར་དུ་འབྲི་དགོས།") == 2
