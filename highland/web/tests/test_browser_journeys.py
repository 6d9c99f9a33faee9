"""Journeys in a real browser on a 360×740 phone, in Chinese and in Tibetan.

Each step asserts that the page fits the screen (no horizontal overflow of the page or
of any table), that its cold first load transferred at most 50 KB, and that it shows no
UI string in another language (pages still waiting for translations warn instead: see
LANGUAGE_PENDING in test_browser_phone_sweep.py). The other journeys of the issue
(visitor, agent, seller) join this module as their features land.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from conftest import Demo
from highland.testing import OrderFactory
from highland.testing_browser import (
    BO,
    ZH,
    assert_fits,
    assert_in_language,
    assert_light,
    open_phone,
    visit,
)
from highland.web.tests.test_browser_phone_sweep import LANGUAGE_PENDING

pytestmark = pytest.mark.browser


def _check_step(page: Any, load: Any, language: str, step: str) -> None:
    assert load.status == 200, f"{step}: status {load.status}"
    assert_fits(page)
    assert_light(load)
    try:
        assert_in_language(page, language)
    except AssertionError as failure:
        if step not in LANGUAGE_PENDING[language]:
            raise
        warnings.warn(f"pending ({LANGUAGE_PENDING[language][step]}): {failure}", stacklevel=2)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", [ZH, BO])
def test_an_official_reads_the_ledger_and_the_audit(
    language: str, phone_site: Any, chromium: Any, demo: Demo
) -> None:
    from playwright.sync_api import expect

    # Given: money has moved (a paid order), so the ledger and the audit have something to say.
    OrderFactory(demo).paid()
    page = open_phone(chromium, phone_site, language=language)
    try:
        # The official logs in with the login form, on the phone.
        _check_step(page, visit(page, f"{phone_site.url}/accounts/login/"), language, "login")
        page.fill("#id_username", "official")
        page.fill("#id_password", "highland-demo")
        page.locator("main form [type=submit]").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        expect(page.locator("header.top form[action$='/logout/'] button")).to_be_visible()

        # The ledger, from the menu.
        ledger_link = page.locator("nav.menu a[href='/ledger/']")
        expect(ledger_link).to_be_visible()
        load = visit(page, f"{phone_site.url}/ledger/")
        _check_step(page, load, language, "ledger")
        expect(page.locator("main table").first).to_be_visible()

        # One account: the bank, reached by its link in the trial balance.
        account_link = page.locator("main a[href='/ledger/accounts/Assets:Bank/']").first
        expect(account_link).to_be_visible()
        load = visit(page, f"{phone_site.url}/ledger/accounts/Assets:Bank/")
        _check_step(page, load, language, "account")
        expect(page.locator("main td[data-label]").first).to_be_visible()

        # The audit trail, from the menu.
        expect(page.locator("nav.menu a[href='/audit/']")).to_be_visible()
        load = visit(page, f"{phone_site.url}/audit/")
        _check_step(page, load, language, "audit")
        expect(page.locator("main tbody tr").first).to_be_visible()
    finally:
        page.context.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("language", "required"), [(ZH, "此项为必填项。"), (BO, "རེ་ཁག་འདི་ངེས་པར་དུ་འབྲི་དགོས།")]
)
def test_an_empty_form_is_refused_by_the_server_in_the_pages_language(
    language: str, required: str, phone_site: Any, chromium: Any, demo: Demo
) -> None:
    from playwright.sync_api import expect

    page = open_phone(chromium, phone_site, language=language)
    try:
        visit(page, f"{phone_site.url}/accounts/login/")
        # The browser does not stop the post with its own bubble: the server answers.
        with page.expect_response(
            lambda response: (
                response.request.method == "POST" and "/accounts/login/" in response.url
            )
        ):
            page.locator("main form [type=submit]").click()
        expect(page.locator("main .errorlist").first).to_have_text(required)
        assert_fits(page)
        assert_in_language(page, language)
    finally:
        page.context.close()
