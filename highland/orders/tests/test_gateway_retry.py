"""Paying online when the gateway is down: the order is kept, the buyer reads why in their
language and tries again; back from the gateway they land on their order."""

from __future__ import annotations

import socket
import urllib.parse

import pytest
from django.test import Client, override_settings
from django.utils import translation

from highland.orders import services
from highland.orders.models import Order, OrderStatus
from highland.orders.services import CheckoutLine
from highland.payments.models import Payment, PaymentStatus
from highland.testing import wait_until


def closed_port_url() -> str:
    """An address on this machine where nothing listens: the gateway is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def online_checkout(shop, address, *, language: str = "en"):
    buyer = shop.buyer()
    result = services.place_order(
        shop.demo.county,
        [CheckoutLine(shop.sku("LT-ZC-500").pk, 1)],
        buyer=buyer,
        actor=buyer,
        delivery=address,
        payment_method="gateway",
    )
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(buyer)
    return result, client


@pytest.mark.django_db(transaction=True)
def test_gateway_down_keeps_the_order_and_try_again_works_once_it_is_back(
    shop, chengdu_address, gateway_settings, gateway_pay
):
    result, client = online_checkout(shop, chengdu_address)
    payment = result.payment

    # given the gateway cannot be reached
    with override_settings(PAYMENT_GATEWAY_URL=closed_port_url()):
        response = client.post(f"/orders/payments/{payment.pk}/pay-online/", follow=True)

    # then the buyer is back on the payment page with the reason and a "Try again" button
    page = response.content.decode()
    assert response.redirect_chain == [(f"/orders/payments/{payment.pk}/?retry=1", 302)]
    assert "The payment service cannot be reached just now. Your order is kept" in page
    assert ">Try again</button>" in page
    # and the order and its hold are as they were
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PENDING
    assert Order.objects.get(pk=result.orders[0].pk).status == OrderStatus.PENDING_PAYMENT

    # when the gateway is back and the buyer tries again
    again = client.post(f"/orders/payments/{payment.pk}/pay-online/")

    # then they are sent to the gateway's pay page
    assert again.status_code == 302
    pay_url = again["Location"]
    assert "/pay/" in pay_url

    # and after paying there, the gateway returns them to their order with a confirmation
    gateway_pay(pay_url.rstrip("/").rsplit("/", 1)[-1])
    assert wait_until(lambda: Payment.objects.get(pk=payment.pk).status == PaymentStatus.PAID)
    back = client.get(f"/orders/payments/{payment.pk}/returned/", follow=True)
    assert back.redirect_chain == [(f"/orders/{result.orders[0].pk}/", 302)]
    assert "Paid. Thank you." in back.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_charge_returns_the_buyer_to_the_returned_page(
    shop, chengdu_address, gateway_settings, gateway_sandbox
):
    result, client = online_checkout(shop, chengdu_address)

    client.post(f"/orders/payments/{result.payment.pk}/pay-online/")

    charges = list(gateway_sandbox._charges.values())  # the sandbox's own record
    path = urllib.parse.urlsplit(charges[0].return_url).path
    assert path == f"/orders/payments/{result.payment.pk}/returned/"


def test_the_gateway_down_message_is_in_the_buyers_language(shop, chengdu_address):
    result, client = online_checkout(shop, chengdu_address, language="zh-hans")

    with override_settings(
        PAYMENT_GATEWAY_URL=closed_port_url(),
        PAYMENT_GATEWAY_MERCHANT="demo",
        PAYMENT_GATEWAY_SECRET="s3cret-for-tests",
    ):
        response = client.post(f"/orders/payments/{result.payment.pk}/pay-online/", follow=True)

    with translation.override("zh-hans"):
        expected = translation.gettext(
            "The payment service cannot be reached just now. Your order is kept;"
            " please try again in a few minutes."
        )
    assert response.context["retry"] is True
    assert [str(message) for message in response.context["messages"]] == [expected]


def test_back_before_the_confirmation_the_buyer_is_told_it_is_awaited(shop, chengdu_address):
    result, client = online_checkout(shop, chengdu_address)

    back = client.get(f"/orders/payments/{result.payment.pk}/returned/", follow=True)

    assert back.redirect_chain == [(f"/orders/{result.orders[0].pk}/", 302)]
    assert "We are waiting for the payment service to confirm your payment." in (
        back.content.decode()
    )


def test_a_checkout_of_several_sellers_returns_to_its_payment(shop, chengdu_address):
    buyer = shop.buyer()
    result = services.place_order(
        shop.demo.county,
        [CheckoutLine(shop.sku("LT-ZC-500").pk, 1), CheckoutLine(shop.sku("LT-JM-W").pk, 500)],
        buyer=buyer,
        actor=buyer,
        delivery=chengdu_address,
        payment_method="gateway",
    )
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(buyer)

    back = client.get(f"/orders/payments/{result.payment.pk}/returned/")

    assert back["Location"] == f"/orders/payments/{result.payment.pk}/"


def test_strangers_do_not_land_on_the_returned_page(shop, chengdu_address, client_as, other_county):
    result, _client = online_checkout(shop, chengdu_address)
    path = f"/orders/payments/{result.payment.pk}/returned/"

    assert client_as(None).get(path)["Location"].startswith("/accounts/login/")
    assert client_as(other_county.operator).get(path).status_code == 404


@pytest.fixture
def failing_gateway():
    """A gateway that answers every request with 503."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = b'{"code": "unavailable", "message": "maintenance"}'
            self.send_response(503)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_gateway_answering_5xx_keeps_the_order_and_offers_to_try_again(
    shop, chengdu_address, failing_gateway
):
    result, client = online_checkout(shop, chengdu_address)

    with override_settings(
        PAYMENT_GATEWAY_URL=failing_gateway,
        PAYMENT_GATEWAY_MERCHANT="demo",
        PAYMENT_GATEWAY_SECRET="s3cret-for-tests",
    ):
        response = client.post(f"/orders/payments/{result.payment.pk}/pay-online/", follow=True)

    assert response.redirect_chain == [(f"/orders/payments/{result.payment.pk}/?retry=1", 302)]
    assert "The payment service did not accept the payment just now." in (response.content.decode())
    assert ">Try again</button>" in response.content.decode()
    assert Payment.objects.get(pk=result.payment.pk).status == PaymentStatus.PENDING
