"""A cooperative member's journey on a 360×740 phone, in Tibetan and in Chinese: the herder
logs in with the form and reads their household's account from the menu; a visitor
without JavaScript looks an intake up by the check code on its receipt.

Each step fits the screen, loads cold in at most 50 KB and shows no UI string in another
language, like the journeys of test_browser_journeys.py. Until the cooperative strings
are in the catalogues (they are merged from the helpers' translation files), a language
miss is a warning, not a failure; it becomes a failure by itself once they are there.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from django.utils import translation

from conftest import Demo
from highland.coops.models import LotStatus
from highland.coops.testing import make_coop_setup
from highland.coops.tests.test_selfservice import make_intake, make_lot, settle
from highland.demo import DEMO_PASSWORD
from highland.testing_browser import (
    BO,
    ZH,
    assert_fits,
    assert_in_language,
    assert_light,
    open_phone,
    submit,
    visit,
)

pytestmark = pytest.mark.browser

# Strings of the cooperative pages: while the catalogue lacks them, the language is pending.
_COOPERATIVE_STRINGS = ("My cooperative", "Received into stock", "Cash at the village point")


def _translations_pending(language: str) -> bool:
    with translation.override(language):
        return any(translation.gettext(text) == text for text in _COOPERATIVE_STRINGS)


def _check_step(page: Any, load: Any, language: str, step: str) -> None:
    assert load.status == 200, f"{step}: status {load.status} at {page.url}"
    assert_fits(page)
    assert_light(load)
    try:
        assert_in_language(page, language, allowed=lambda text: "斤" in text)
    except AssertionError as failure:
        if not _translations_pending(language):
            raise
        warnings.warn(f"pending (cooperative strings): {failure}", stacklevel=2)


def _herders_season(demo: Demo) -> None:
    """The herder's household (0001) brought yak meat in twice; the first lot is settled
    and ¥456.00 waits at their village point."""
    coop = make_coop_setup(demo.county)
    gesang = coop.members[0]
    lot = make_lot(coop, "YAK-0710-A", status=LotStatus.STOCKED)
    make_intake(coop, gesang, "K7Q2M9XP", lot=lot, advance_fen=2_000)
    make_intake(coop, gesang, "R4T8W2ZD", minutes=60)
    settle(coop, lot, gesang)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", [BO, ZH])
def test_a_member_reads_their_account_on_a_phone(
    language: str, phone_site: Any, chromium: Any, demo: Demo
) -> None:
    from playwright.sync_api import expect

    _herders_season(demo)
    page = open_phone(chromium, phone_site, language=language)
    try:
        # The herder logs in with the login form.
        _check_step(page, visit(page, f"{phone_site.url}/accounts/login/"), language, "login")
        page.fill("#id_username", "member")
        page.fill("#id_password", DEMO_PASSWORD)
        page.locator("main form [type=submit]").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)

        # "My cooperative" is in the menu; the account shows both intakes and the payout.
        expect(page.locator("nav.menu a[href='/coops/me/']")).to_be_visible()
        load = submit(page, page.locator("nav.menu a[href='/coops/me/']"))
        _check_step(page, load, language, "my cooperative")
        main = page.locator("main")
        expect(main).to_contain_text("K7Q2M9XP")
        expect(main).to_contain_text("R4T8W2ZD")
        expect(main).to_contain_text("¥456.00")
        expect(main.locator(".pickup-code")).to_have_text("PK8812")
    finally:
        page.context.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", [BO, ZH])
def test_a_visitor_checks_an_intake_without_javascript(
    language: str, phone_site: Any, chromium: Any, demo: Demo
) -> None:
    from playwright.sync_api import expect

    _herders_season(demo)
    page = open_phone(chromium, phone_site, language=language, javascript=False)
    try:
        _check_step(page, visit(page, f"{phone_site.url}/coops/check/"), language, "check")
        page.fill("#id_code", "k7q2 m9xp")
        load = submit(page, page.locator("main form [type=submit]"))
        _check_step(page, load, language, "intake found")
        main = page.locator("main")
        expect(main).to_contain_text("K7Q2M9XP")
        expect(main).to_contain_text("YAK-0710-A")
        expect(main).not_to_contain_text("R4T8W2ZD")
        expect(main).not_to_contain_text("PK8812")
    finally:
        page.context.close()
