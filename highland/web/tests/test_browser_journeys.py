"""Journeys in a real browser on a 360×740 phone, in Chinese and in Tibetan.

Each step asserts that the page fits the screen (no horizontal overflow of the page or
of any table), that its cold first load transferred at most 50 KB, and that it shows no
UI string in another language (pages still waiting for translations warn instead: see
LANGUAGE_PENDING in test_browser_phone_sweep.py). A step is a page opened by its address
(`visit`) or reached by a click on a form's button (`submit`), weighed cold either way.

The journeys: a visitor registers, checks out and pays online through the payment
sandbox; an agent registers a villager, finds a product by its pinyin initials, places a
cash order and prints the receipt; a seller packs by weight and the agent sees the refund
to hand back; an official reads the ledger and the audit.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import override_settings
from django.utils import translation

from conftest import Demo
from highland.testing import OrderFactory
from highland.testing_browser import (
    BO,
    HAN,
    ZH,
    assert_fits,
    assert_in_language,
    assert_light,
    open_phone,
    submit,
    visit,
)
from highland.web.tests.test_browser_phone_sweep import LANGUAGE_PENDING

pytestmark = pytest.mark.browser


def _jin_on_the_scales(text: str) -> bool:
    """The unit jin keeps its character 斤, as the scales show it, on a Tibetan page too."""
    return "斤" in text and not HAN.search(text.replace("斤", ""))


def _check_step(page: Any, load: Any, language: str, step: str) -> None:
    assert load.status == 200, f"{step}: status {load.status} at {page.url}"
    assert_fits(page)
    assert_light(load)
    try:
        assert_in_language(page, language, allowed=_jin_on_the_scales)
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
        expect(page.locator("main .audit-record").first).to_be_visible()
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


# --- a visitor registers, checks out and pays online -----------------------------------------

VISITOR_PHONE = "13912340001"


@pytest.fixture
def payment_sandbox(phone_site: Any) -> Iterator[Any]:
    """The payment gateway's sandbox, and the live server set up to charge through it: its
    notifications come back to the live server, and pages may post on to its cashier."""
    from django.conf import settings

    from conftest import need_server
    from highland.payments.sandbox import SandboxGateway
    from highland.payments.tests.conftest import GATEWAY_MERCHANTS, GATEWAY_TEST_DELAYS

    sandbox = SandboxGateway("127.0.0.1", 0, GATEWAY_MERCHANTS, retry_delays=GATEWAY_TEST_DELAYS)
    try:
        sandbox.start()
    except OSError as error:
        need_server(False, f"cannot listen on 127.0.0.1 for the gateway sandbox: {error}")
    policy = {
        **settings.CONTENT_SECURITY_POLICY,
        "form-action": ["'self'", sandbox.url],
    }
    try:
        with override_settings(
            PAYMENT_GATEWAY_URL=sandbox.url,
            PAYMENT_GATEWAY_MERCHANT="demo",
            PAYMENT_GATEWAY_SECRET=GATEWAY_MERCHANTS["demo"],
            PUBLIC_BASE_URL=phone_site.url,
            CONTENT_SECURITY_POLICY=policy,
        ):
            yield sandbox
    finally:
        sandbox.stop()


def _text_message_code(caplog: pytest.LogCaptureFixture, phone: str) -> str:
    """The six-digit code of the last text message to `phone`, as the log backend sent it."""
    sent = [
        record.getMessage()
        for record in caplog.records
        if record.name == "highland.messaging.backends" and phone in record.getMessage()
    ]
    assert sent, f"no text message to {phone}"
    found = re.search(r"(?<![0-9])[0-9]{6}(?![0-9])", sent[-1].split(":", 1)[1])
    assert found is not None, sent[-1]
    return found[0]


def _wait_until(page: Any, condition: Any, what: str) -> None:
    for _attempt in range(100):
        if condition():
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"timed out waiting until {what}")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", [ZH, BO])
def test_a_visitor_registers_checks_out_and_pays_online(
    language: str,
    phone_site: Any,
    chromium: Any,
    demo: Demo,
    payment_sandbox: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from playwright.sync_api import expect

    from highland.catalog.models import Sku
    from highland.orders.models import Order, OrderStatus
    from highland.payments.models import Payment, PaymentStatus

    caplog.set_level(logging.INFO, logger="highland.messaging.backends")
    sku = Sku.objects.select_related("product").get(code="LT-ZC-500")
    product_path = f"/shop/products/{sku.product_id}/"
    page = open_phone(chromium, phone_site, language=language)
    try:
        # The home page, then the product (a brick of Tibetan tea) from the shop.
        _check_step(page, visit(page, f"{phone_site.url}/"), language, "home")
        _check_step(page, visit(page, f"{phone_site.url}{product_path}"), language, "product")

        # Into the cart; the header's cart link counts it and leads to the cart.
        add = page.locator(f"form:has(input[name=sku_id][value='{sku.pk}']) button[type=submit]")
        _check_step(page, submit(page, add), language, "added to cart")
        cart_link = page.locator("header a.cart-link")
        expect(cart_link).to_contain_text("1")
        _check_step(page, submit(page, cart_link), language, "cart")

        # Checking out asks for an account first, and says why.
        checkout = page.locator("main a[href$='/orders/checkout/']").first
        _check_step(page, submit(page, checkout), language, "checkout asks to log in")
        register = page.locator("main a[href^='/accounts/register/']")
        _check_step(page, submit(page, register), language, "register")

        # A code by text message, then the code, a name and a password.
        code_form = page.locator("main form:has(input[name=step][value=code])")
        code_form.locator("input[name=phone]").fill(VISITOR_PHONE)
        _check_step(page, submit(page, code_form.locator("button")), language, "code sent")
        register_form = page.locator("main form:has(input[name=step][value=register])")
        register_form.locator("input[name=phone]").fill(VISITOR_PHONE)
        register_form.locator("input[name=code]").fill(_text_message_code(caplog, VISITOR_PHONE))
        register_form.locator("input[name=display_name]").fill("卓嘎")
        register_form.locator("input[name=password]").fill("yak-butter-tea-42")
        _check_step(page, submit(page, register_form.locator("button")), language, "checkout")
        assert page.url == f"{phone_site.url}/orders/checkout/"

        # Pickup at the village point, paid online; the summary first, then the order.
        page.locator("input[name=delivery][value=pickup]").check()
        page.fill("#id_recipient_name", "卓嘎")
        page.select_option("#id_pickup_point", str(demo.point("LT-S01-V01").pk))
        page.locator("input[name=payment_method][value=gateway]").check()
        review = page.locator("main button[name=step][value=review]")
        _check_step(page, submit(page, review), language, "review")
        total = page.locator("#checkout-total").inner_text()
        place = page.locator("main button[name=step][value=place]")
        _check_step(page, submit(page, place), language, "payment")
        order = Order.objects.get(buyer__username=VISITOR_PHONE)
        payment = order.payment
        assert total == f"¥{payment.amount_fen // 100}.{payment.amount_fen % 100:02d}"

        # Online through the sandbox's cashier, and back to the order.
        pay_online = page.locator(f"main form[action$='/payments/{payment.pk}/pay-online/'] button")
        submit(page, pay_online)
        assert page.url.startswith(payment_sandbox.url), page.url
        _check_step(page, submit(page, page.locator("button", has_text="Pay")), language, "order")
        assert page.url == f"{phone_site.url}/orders/{order.pk}/"
        expect(page.locator("ul.messages li")).to_have_count(1)

        # Once the gateway's notification is in, the order page says it is paid.
        _wait_until(
            page,
            lambda: Payment.objects.get(pk=payment.pk).status == PaymentStatus.PAID,
            "the payment is confirmed",
        )
        _check_step(page, visit(page, page.url), language, "order")
        with translation.override(language):
            paid = str(OrderStatus.PAID.label)
        expect(page.locator("main h1")).to_contain_text(paid)
    finally:
        page.context.close()


# --- an agent orders for a villager, who pays in cash -----------------------------------------

VILLAGER_NAMES = {ZH: "央宗", BO: "དབྱངས་འཛོམས།"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", [ZH, BO])
def test_an_agent_registers_a_villager_orders_by_pinyin_initials_and_prints_the_receipt(
    language: str, phone_site: Any, chromium: Any, demo: Demo
) -> None:
    from playwright.sync_api import expect

    from highland.catalog.models import Sku
    from highland.core.money import format_fen
    from highland.orders.models import Order

    point = demo.point("LT-S01-V01")
    # The agent writes the villager's name as she spells it, in the page's language.
    name = VILLAGER_NAMES[language]
    # Fresh matsutake (鲜松茸, initials xsr), sold by weight at a price a jin.
    matsutake = Sku.objects.get(code="LT-SR-W")
    page = open_phone(chromium, phone_site, language=language, username="village_agent")
    try:
        # From the desk to the villagers of the agent's point.
        _check_step(page, visit(page, f"{phone_site.url}/network/desk/"), language, "desk")
        villagers = page.locator(f"main a[href='/network/points/{point.pk}/villagers/']")
        _check_step(page, submit(page, villagers), language, "villagers")

        # A villager without a phone of her own, registered by the agent.
        page.fill("#id_display_name", name)
        page.fill("#id_household", "扎嘎村三组")
        register = page.locator("main form button[type=submit]").first
        _check_step(page, submit(page, register), language, "villager registered")
        expect(page.locator("main tbody")).to_contain_text(name)

        # Ordering for her: find her by name and choose her.
        order_for = page.locator("main a[href='/orders/assisted/']")
        _check_step(page, submit(page, order_for), language, "choose a villager")
        page.fill("#villager-q", name)
        search = page.locator("main form.search-villagers button")
        _check_step(page, submit(page, search), language, "villager found")
        choose = page.locator("main .villager a.button")
        expect(choose).to_have_count(1)
        _check_step(page, submit(page, choose), language, "picker")

        # The product by its pinyin initials; the results come in place.
        page.fill("#picker-q", "xsr")
        page.locator("main form.picker-search button").click()
        sku_form = page.locator(
            f"#picker-results form:has(input[name=sku][value='{matsutake.pk}'])"
        )
        expect(sku_form).to_have_count(1)
        assert_fits(page)
        assert_in_language(page, language, allowed=_jin_on_the_scales)

        # One jin of it into the basket; the basket shows the total.
        sku_form.locator(f"#qty-{matsutake.pk}").fill("1")
        sku_form.locator("select[name=unit]").select_option("jin")
        _check_step(page, submit(page, sku_form.locator("button")), language, "basket")
        expect(page.locator("#basket-total")).to_be_visible()

        # A cash order: the payment page, then the receipt with the pickup code and total.
        place = page.locator("#basket form:not(.inline) button[type=submit]")
        _check_step(page, submit(page, place), language, "payment")
        order = Order.objects.get(buyer__display_name=name)
        assert order.payment.method == "cash_at_point"
        receipt = page.locator(f"main a[href='/orders/{order.pk}/receipt/']")
        _check_step(page, submit(page, receipt), language, "receipt")
        expect(page.locator(".pickup-code")).to_have_text(order.pickup_code)
        expect(page.locator(".total")).to_contain_text(format_fen(order.total_fen))
        assert order.lines.get().quantity == 500
    finally:
        page.context.close()


# --- a seller packs by weight; the agent hands the difference back in cash --------------------


def _villager_paid_in_cash_for_matsutake(demo: Demo, name: str) -> Any:
    """A villager of 扎嘎村 who ordered a kilo of fresh matsutake for pickup at her point
    and paid the agent there in cash; the order, waiting to be packed."""
    from highland.core.models import Membership, Role, User
    from highland.network.models import Resident
    from highland.orders.models import Order
    from highland.orders.services import DeliveryDetails, collect_cash

    point = demo.point("LT-S01-V01")
    villager = User.objects.create_user(
        "villager-journey", county=demo.county, password=None, display_name=name
    )
    Membership.objects.create(county=demo.county, user=villager, role=Role.BUYER)
    Resident.objects.create(
        county=demo.county, person=villager, point=point, registered_by=demo.user("village_agent")
    )
    result = OrderFactory(demo).place(
        [("LT-SR-W", 1000)],
        buyer=villager,
        delivery=DeliveryDetails(method="pickup", recipient_name=name, pickup_point=point),
        method="cash_at_point",
    )
    collect_cash(result.payment, agent=demo.user("village_agent"), point=point)
    return Order.objects.get(pk=result.orders[0].pk)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", [ZH, BO])
def test_a_seller_packs_by_weight_and_the_agent_sees_the_refund_to_hand_back(
    language: str, phone_site: Any, chromium: Any, demo: Demo
) -> None:
    from playwright.sync_api import expect

    from highland.core.money import format_fen
    from highland.orders.models import OrderStatus
    from highland.payments.models import Refund

    order = _villager_paid_in_cash_for_matsutake(demo, VILLAGER_NAMES[language])
    line = order.lines.get()
    page = open_phone(chromium, phone_site, language=language, username="seller")
    try:
        # The seller weighs the kilo ordered: 960 g go into the parcel (within 5 %).
        _check_step(page, visit(page, f"{phone_site.url}/orders/to-pack/"), language, "to pack")
        page.fill(f"#grams_{line.pk}", "960")
        packed = page.locator(f"main form[action$='/orders/{order.pk}/pack/'] button")
        _check_step(page, submit(page, packed), language, "packed")
        order.refresh_from_db()
        assert order.status == OrderStatus.PACKED, page.inner_text("main")[:600]
    finally:
        page.context.close()

    # What the 40 g not packed cost goes back to the villager, in cash, by the agent.
    refund = Refund.objects.get(payment=order.payment)
    assert refund.amount_fen > 0
    page = open_phone(chromium, phone_site, language=language, username="village_agent")
    try:
        _check_step(page, visit(page, f"{phone_site.url}/network/desk/"), language, "desk")
        expect(page.locator("main .desk-queue")).to_contain_text(format_fen(refund.amount_fen))
        expect(page.locator("main .desk-queue")).to_contain_text(VILLAGER_NAMES[language])
    finally:
        page.context.close()
