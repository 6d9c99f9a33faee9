"""The real-browser harness: Chromium on a 360×740 phone, in one language, against a server
that compresses as production does.

Registered as a pytest plugin by the root `conftest.py`. It gives:

- `phone_site`: the live server (static files collected, compressed and served by
  whitenoise, documents gzipped by `GZipMiddleware`, as in production) with the demo county
  committed; request it with `@pytest.mark.django_db(transaction=True)`.
- `chromium`: one browser per test module. Skips with a reason when Chromium or Playwright is
  absent, and fails under `CI=true`.
- `open_phone(chromium, site, language=..., username=...)`: a page at 360×740 with the
  language cookie set and, for a username, the session of that demo user.
- `visit(page, url)`: a cold first load (the HTTP cache is off), waiting until every request
  the page started has finished; returns the `PageLoad` with the bytes transferred.
- `submit(page, control)`: the same for the page a click on a form's button leads to.
- `assert_fits(page)`, `assert_light(load)`, `assert_in_language(page, language)`.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # The machine has no internet: nothing may phone home.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Scrollbars take no width, as on a phone: overflow is measured, not the scrollbar.
    "--hide-scrollbars",
]
PHONE = {"width": 360, "height": 740}
# Every page, first load, as transferred (compressed bodies and headers).
PAGE_BUDGET = 50_000
# Generous waits: CI machines are slower than a laptop, and nothing here sleeps for luck.
WAIT_MS = 15_000
IN_CI = os.environ.get("CI", "").lower() == "true"

HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
TIBETAN = re.compile("[\u0f00-\u0fff]")
TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_'’.@-]*")
# Latin words a translated page may show: units, codes and names that are not translated.
ALLOWED_LATIN = {
    "api", "csv", "pdf", "sms", "qr", "id", "sku", "epcis", "gps", "url", "http", "https",
    "kg", "g", "m", "km", "mm", "cm", "ml", "l", "am", "pm", "utc", "mah", "w", "v",
    "j", "kj", "mol",  # the activation energy's unit, J/mol
    "wechat", "alipay", "unionpay", "beancount", "htmx", "json", "openapi", "webp",
    "highland", "wifi", "yyyy-mm-dd", "hh:mm",
    # The search box's example of pinyin initials (牦牛肉干).
    "mnrg", "wi-fi", "4g", "3g", "2g", "5g", "lte", "x", "n", "r", "p",
}  # fmt: skip

# Language cookie values the site understands (settings.LANGUAGES).
ZH = "zh-hans"
BO = "bo"


def need_browser() -> None:
    """Skip without Chromium or Playwright, except under CI, where their absence is a failure."""
    reason = ""
    if not os.path.exists(CHROMIUM):
        reason = f"Chromium is not installed at {CHROMIUM}"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "Playwright is not installed"
    if not reason:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing browser is a failure, not a skip)")
    pytest.skip(reason)


# --- the server -------------------------------------------------------------------------------


def _collect_compressed_static(static_root: Path) -> None:
    """Collect the static files and write their .gz (and .br) twins, as production does."""
    from django.core.management import call_command
    from whitenoise.compress import Compressor

    call_command("collectstatic", interactive=False, verbosity=0)
    compressor = Compressor(quiet=True)
    for path in static_root.rglob("*"):
        if path.is_file() and compressor.should_compress(path.name):
            # compress() is a generator that writes each twin as it is consumed.
            list(compressor.compress(str(path)))


@pytest.fixture(scope="session")
def _production_like_server(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """A live server whose /static/ is whitenoise's, compressed: what a phone downloads."""
    from django.test import override_settings
    from pytest_django.live_server_helper import LiveServer

    static_root = tmp_path_factory.mktemp("static")
    with (
        django_db_blocker.unblock(),
        override_settings(
            STATIC_ROOT=static_root, WHITENOISE_USE_FINDERS=False, WHITENOISE_AUTOREFRESH=False
        ),
    ):
        _collect_compressed_static(static_root)
        server = LiveServer("localhost", start=False)
        # No test static handler in front: the request reaches whitenoise and the middleware.
        server.thread.static_handler = lambda application: application  # type: ignore[assignment]
        server.start()
    yield server
    server.stop()


@pytest.fixture
def phone_site(transactional_db: None, demo: Any, _production_like_server: Any) -> Any:
    """The production-like live server, with the demo county committed for its thread."""
    return _production_like_server


# --- the browser ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One headless Chromium for the whole test module."""
    need_browser()
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=WAIT_MS)
    # Playwright's sync API runs an asyncio loop in this thread; Django would then refuse
    # the ORM calls the tests make here while it runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield browser
            finally:
                browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def session_cookie_for(username: str) -> dict[str, str]:
    """Log the demo user in on the server side and return the session cookie (committed)."""
    from django.conf import settings
    from django.test import Client

    from highland.core.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
    }


def open_phone(
    browser: Any,
    site: Any,
    *,
    language: str,
    username: str | None = None,
    javascript: bool = True,
) -> Any:
    """A new 360×740 page with the language chosen and, for a username, logged in as them."""
    from django.conf import settings

    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        java_script_enabled=javascript,
        locale="zh-CN",
    )
    context.set_default_timeout(WAIT_MS)
    cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language}]
    if username is not None:
        cookies.append(session_cookie_for(username))
    context.add_cookies([{**cookie, "url": site.url} for cookie in cookies])
    page = context.new_page()
    _Network.attach(page)
    return page


# --- first-load weight ------------------------------------------------------------------------


@dataclass
class PageLoad:
    """What one cold load of a page transferred, by URL (bytes on the wire, headers included)."""

    url: str
    status: int
    transfers: dict[str, int] = field(default_factory=dict)

    @property
    def transferred(self) -> int:
        return sum(self.transfers.values())

    def describe(self, base: str = "") -> str:
        parts = ", ".join(
            f"{url.removeprefix(base)}={size}" for url, size in self.transfers.items()
        )
        return f"{self.url.removeprefix(base)}: {self.transferred} bytes ({parts})"


class _Network:
    """Chrome DevTools' account of every request the page made, for transferred bytes."""

    def __init__(self, page: Any) -> None:
        self.session = page.context.new_cdp_session(page)
        self.session.send("Network.enable")
        # A cold load every time: nothing comes from the HTTP cache.
        self.session.send("Network.setCacheDisabled", {"cacheDisabled": True})
        self.started: dict[str, str] = {}
        self.finished: dict[str, int] = {}
        self.session.on("Network.requestWillBeSent", self._started)
        self.session.on("Network.loadingFinished", self._finished)
        self.session.on("Network.loadingFailed", self._failed)

    @classmethod
    def attach(cls, page: Any) -> None:
        page._highland_network = cls(page)

    @classmethod
    def of(cls, page: Any) -> _Network:
        network: _Network = page._highland_network
        return network

    def _started(self, event: dict[str, Any]) -> None:
        # A redirect reuses the request id: the last URL names it.
        self.started[event["requestId"]] = event["request"]["url"]

    def _finished(self, event: dict[str, Any]) -> None:
        self.finished[event["requestId"]] = int(event["encodedDataLength"])

    def _failed(self, event: dict[str, Any]) -> None:
        self.finished[event["requestId"]] = 0

    def reset(self) -> None:
        self.started.clear()
        self.finished.clear()

    def settled(self) -> bool:
        # The tab's icon is the browser's own request, made on its own schedule; Chromium
        # sometimes leaves it open when it reuses the icon of the page before. It is not
        # part of the page, so it does not hold the load (what it did transfer still counts).
        return all(key in self.finished or _is_tab_icon(url) for key, url in self.started.items())


def _is_tab_icon(url: str) -> bool:
    return url.split("?", 1)[0].endswith(("/favicon.svg", "/favicon.ico"))


def visit(page: Any, url: str) -> PageLoad:
    """Load `url` cold and wait until every request it started has finished."""
    network = _Network.of(page)
    network.reset()
    response = page.goto(url, wait_until="load")
    return _settled_load(page, network, response, url)


def submit(page: Any, control: Any) -> PageLoad:
    """Click `control` (a locator of a form's button or a link) and load what it leads to
    cold, as `visit` does: the posted form's answer, after any redirects."""
    network = _Network.of(page)
    network.reset()
    with page.expect_navigation(wait_until="load") as navigation:
        control.click()
    return _settled_load(page, network, navigation.value, page.url)


def _settled_load(page: Any, network: _Network, response: Any, url: str) -> PageLoad:
    deadline = time.monotonic() + WAIT_MS / 1000
    while not network.settled():
        if time.monotonic() > deadline:
            pending = [network.started[key] for key in set(network.started) - set(network.finished)]
            raise AssertionError(f"{url}: requests still open after {WAIT_MS} ms: {pending}")
        page.wait_for_timeout(50)
    transfers: dict[str, int] = {}
    for request_id, request_url in network.started.items():
        transfers[request_url] = transfers.get(request_url, 0) + network.finished.get(request_id, 0)
    return PageLoad(url=page.url, status=response.status if response else 0, transfers=transfers)


def assert_light(load: PageLoad, budget: int = PAGE_BUDGET) -> None:
    """The first load transferred no more than the budget."""
    assert load.transferred <= budget, f"over {budget} bytes: {load.describe()}"


# --- fitting on the screen --------------------------------------------------------------------

_OVERFLOWS = """() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
      + (el.classList.length ? '.' + [...el.classList].join('.') : '');
  if (document.documentElement.scrollWidth > width) {
    found.push(`page: ${document.documentElement.scrollWidth} > ${width}`);
    // Name the innermost elements that reach past the right edge.
    const wide = [...document.body.querySelectorAll('*')].filter((el) =>
        el.checkVisibility() && el.getBoundingClientRect().right > width + 1
        && ![...el.children].some((child) => child.getBoundingClientRect().right > width + 1));
    for (const el of wide.slice(0, 3)) {
      found.push(`${name(el)} "${(el.innerText || '').slice(0, 30)}" ends at `
          + `${Math.round(el.getBoundingClientRect().right)}`);
    }
  }
  for (const el of document.querySelectorAll(
      'body, main, table, pre, img, svg, .table-wrap, form, dl, .card')) {
    if (!el.checkVisibility()) continue;
    if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible') {
      found.push(`${name(el)} scrolls: ${el.scrollWidth} > ${el.clientWidth}`);
    }
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 || box.left < -1) {
      found.push(`${name(el)} sticks out: ${Math.round(box.left)}..${Math.round(box.right)}`
          + ` of ${width}`);
    }
  }
  for (const cell of document.querySelectorAll('td, th')) {
    if (!cell.checkVisibility()) continue;
    const box = cell.getBoundingClientRect();
    if (box.right > width + 1) {
      found.push(`${name(cell)} "${cell.innerText.slice(0, 30)}" ends at ${Math.round(box.right)}`);
    }
  }
  return found;
}"""


def assert_fits(page: Any) -> None:
    """No horizontal overflow: not of the page, nor of any table, pre, image or card in it."""
    overflows = page.evaluate(_OVERFLOWS)[:8]
    assert overflows == [], f"{page.url} does not fit {PHONE['width']} px: {overflows}"


# --- one language -----------------------------------------------------------------------------

_VISIBLE_TEXT = """() => {
  const pageLanguage = document.documentElement.lang;
  // Another language on purpose: the language menu, or data marked translate="no".
  const foreign = (el) => {
    const marked = el.closest('[lang], [translate="no"]');
    return marked && (marked.getAttribute('translate') === 'no'
        || marked.getAttribute('lang') !== pageLanguage);
  };
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const parent = node.parentElement;
    const text = node.textContent.trim();
    if (!text || !parent || ['SCRIPT', 'STYLE', 'TEMPLATE'].includes(parent.tagName)) continue;
    if (foreign(parent)) continue;
    const shown = parent.tagName === 'OPTION'
        ? parent.closest('select').checkVisibility() : parent.checkVisibility();
    if (shown) texts.push(text);
  }
  for (const el of document.querySelectorAll(
      '[placeholder], [aria-label], [title], img[alt], input[type=submit][value]')) {
    if (foreign(el) || !el.checkVisibility()) continue;
    for (const attribute of ['placeholder', 'aria-label', 'title', 'alt', 'value']) {
      if (attribute === 'value' && el.tagName !== 'INPUT') continue;
      const value = (el.getAttribute(attribute) || '').trim();
      if (value) texts.push(value);
    }
  }
  const title = document.title.trim();
  if (title) texts.push(title);
  return texts;
}"""


def foreign_words(texts: list[str], language: str) -> list[str]:
    """The pieces of `texts` that are not in `language` (zh-hans or bo): Latin words, and Han
    characters on a Tibetan page. Codes, numbers, units and names in ALLOWED_LATIN pass."""
    found: list[str] = []
    for text in texts:
        if language == BO and HAN.search(text):
            found.append(text)
            continue
        for token in TOKEN.findall(text):
            word = token.strip(".-_'’").lower()
            # Codes such as LT-S01 or R2024N1, and numbers, are data, not words.
            if not word or any(character.isdigit() for character in word):
                continue
            if word in ALLOWED_LATIN or (token.isupper() and len(token) <= 4):
                continue
            found.append(text)
            break
    return sorted(set(found))


def assert_in_language(
    page: Any, language: str, *, allowed: Callable[[str], bool] | None = None
) -> None:
    """Every visible UI string (text, labels, placeholders, titles) is in `language`."""
    assert page.evaluate("() => document.documentElement.lang") == language, page.url
    texts = page.evaluate(_VISIBLE_TEXT)
    wrong = [text for text in foreign_words(texts, language) if not (allowed and allowed(text))]
    assert wrong == [], f"{page.url} shows text not in {language}: {wrong}"
