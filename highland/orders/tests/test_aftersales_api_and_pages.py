"""After-sales through the API and the pages: who may do what, and the whole flows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from highland.ledger.invariants import verify_ledger
from highland.orders import aftersales
from highland.orders.models import (
    AfterSale,
    AfterSaleStatus,
)
from highland.orders.tests.test_aftersales import (
    delivered,
    image_file,
    media_root,
    open_request,
    post,
    state,
)
from highland.payments.models import Refund

__all__ = ["media_root"]  # a fixture of test_aftersales, used here too

# --- API ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 401),
        ("other_county", 404),
        ("driver", 404),
        ("seller", 403),
        ("operator", 403),
        ("buyer", 201),
    ],
)
def test_api_open_permission_matrix(shop, chengdu_address, other_county, client_as, who, status):
    order = delivered(shop, chengdu_address)
    user = {
        "anonymous": None,
        "other_county": other_county.operator,
        "driver": shop.demo.user("driver"),
        "seller": shop.demo.user("seller"),
        "operator": shop.demo.user("operator"),
        "buyer": shop.buyer(),
    }[who]
    before = state()

    response = post(
        client_as(user),
        f"/api/v1/orders/{order.pk}/aftersales",
        {"kind": "refund_only", "reason": "missing", "description": "少了一块"},
    )

    assert response.status_code == status, response.content
    if status == 201:
        body = response.json()
        assert (body["status"], body["amount_fen"], body["order_number"]) == (
            "open",
            9600,
            order.number,
        )
        assert body["photos"] == []
    else:
        assert state() == before


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 401),
        ("other_county", 404),
        ("driver", 404),
        ("coop_manager", 404),
        ("buyer", 403),
        ("operator", 403),
        ("seller", 200),
    ],
)
def test_api_accept_permission_matrix(shop, chengdu_address, other_county, client_as, who, status):
    aftersale = open_request(shop, delivered(shop, chengdu_address))
    user = {
        "anonymous": None,
        "other_county": other_county.operator,
        "driver": shop.demo.user("driver"),
        "coop_manager": shop.demo.user("coop_manager"),
        "buyer": shop.buyer(),
        "operator": shop.demo.user("operator"),
        "seller": shop.demo.user("seller"),
    }[who]
    before = state()

    response = post(client_as(user), f"/api/v1/orders/aftersales/{aftersale.pk}/accept")

    assert response.status_code == status, response.content
    if status == 200:
        assert response.json()["status"] == "refunded"
        assert response.json()["refund_id"] == Refund.objects.get().pk
    else:
        assert state() == before


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({"kind": "refund_only", "reason": "damaged", "amount_fen": 0}, 422, "amount_fen"),
        ({"kind": "refund_only", "reason": "damaged", "amount_fen": 9601}, 422, "amount_fen"),
        ({"kind": "refund_only", "reason": "bored"}, 422, "reason"),
        ({"kind": "swap", "reason": "damaged"}, 422, "kind"),
        ({"reason": "damaged"}, 422, "kind"),
    ],
)
def test_api_bad_requests_are_4xx(shop, chengdu_address, client_as, payload, status, field):
    order = delivered(shop, chengdu_address)
    before = state()

    response = post(client_as(shop.buyer()), f"/api/v1/orders/{order.pk}/aftersales", payload)

    assert response.status_code == status
    assert field in response.json()["errors"]
    assert state() == before


def test_api_second_request_and_unknown_ids(shop, chengdu_address, client_as):
    order = delivered(shop, chengdu_address)
    client = client_as(shop.buyer())
    payload = {"kind": "refund_only", "reason": "damaged"}
    assert post(client, f"/api/v1/orders/{order.pk}/aftersales", payload).status_code == 201
    before = state()

    second = post(client, f"/api/v1/orders/{order.pk}/aftersales", payload)

    assert second.status_code == 422
    assert second.json()["code"] == "already_open"
    assert post(client, "/api/v1/orders/987654/aftersales", payload).status_code == 404
    assert client.get("/api/v1/orders/aftersales/987654").status_code == 404
    assert post(client, "/api/v1/orders/aftersales/987654/accept").status_code == 404
    assert state() == before


def test_api_full_return_flow(shop, chengdu_address, client_as, media_root):
    order = delivered(shop, chengdu_address)
    buyer, seller = client_as(shop.buyer()), client_as(shop.demo.user("seller"))
    opened = post(
        buyer,
        f"/api/v1/orders/{order.pk}/aftersales",
        {"kind": "return_and_refund", "reason": "not_as_described", "amount_fen": 4800},
    ).json()
    url = f"/api/v1/orders/aftersales/{opened['id']}"

    photo = buyer.post(f"{url}/photos", {"photo": image_file(600, 600)})
    not_a_photo = buyer.post(f"{url}/photos", {"photo": SimpleUploadedFile("x.jpg", b"plain text")})
    accepted = post(seller, f"{url}/accept")
    early = post(buyer, f"{url}/received")
    received = post(seller, f"{url}/received")

    assert photo.status_code == 201, photo.content
    photo_url = photo.json()["photos"][0]["url"]
    assert photo.json()["photos"][0]["width"] == 480
    assert not_a_photo.status_code == 422
    assert not_a_photo.json()["errors"] == {
        "photo": ["This file is not a photo. Send a JPEG, PNG or WebP image."]
    }
    assert accepted.json()["status"] == "awaiting_return"
    assert early.status_code == 403
    assert received.status_code == 200
    assert received.json()["status"] == "refunded"
    assert buyer.get(url).json()["closed_at"] is not None
    served = buyer.get(photo_url)
    assert (served.status_code, served["Content-Type"]) == (200, "image/webp")
    assert client_as(shop.demo.user("driver")).get(photo_url).status_code == 404
    assert verify_ledger(shop.demo.county) == []


def test_api_reject_needs_a_reason(shop, chengdu_address, client_as):
    aftersale = open_request(shop, delivered(shop, chengdu_address))
    seller = client_as(shop.demo.user("seller"))
    before = state()

    empty = post(seller, f"/api/v1/orders/aftersales/{aftersale.pk}/reject", {"reason": " "})
    missing = post(seller, f"/api/v1/orders/aftersales/{aftersale.pk}/reject", {})

    assert (empty.status_code, empty.json()["errors"]) == (
        422,
        {"reason": ["Say why the request is rejected."]},
    )
    assert missing.status_code == 422
    assert state() == before
    rejected = post(seller, f"/api/v1/orders/aftersales/{aftersale.pk}/reject", {"reason": "完好"})
    assert (rejected.status_code, rejected.json()["reject_reason"]) == (200, "完好")


# --- pages --------------------------------------------------------------------------------


def test_the_buyer_asks_from_the_order_page(shop, chengdu_address, client_as, media_root):
    order = delivered(shop, chengdu_address)
    buyer = client_as(shop.buyer())
    create_url = f"/orders/{order.pk}/aftersales/create/"

    assert create_url in buyer.get(f"/orders/{order.pk}/").content.decode()
    assert (
        create_url
        not in client_as(shop.demo.user("seller")).get(f"/orders/{order.pk}/").content.decode()
    )
    form = buyer.get(create_url)
    assert 'value="96.00"' in form.content.decode()
    too_much = buyer.post(
        create_url, {"kind": "refund_only", "reason": "damaged", "amount_fen": "96.01"}
    )
    assert too_much.context["form"].errors == {
        "amount_fen": ["At most ¥96.00 is left to refund on this order."]
    }
    assert not AfterSale.objects.exists()

    response = buyer.post(
        create_url, {"kind": "refund_only", "reason": "damaged", "amount_fen": "50.00"}
    )

    aftersale = AfterSale.objects.get()
    assert response["Location"] == f"/orders/aftersales/{aftersale.pk}/"
    assert aftersale.amount_fen == 5000
    upload = buyer.post(f"/orders/aftersales/{aftersale.pk}/photos/", {"photo": image_file()})
    assert upload.status_code == 302
    assert aftersale.photos.count() == 1
    page = buyer.get(f"/orders/aftersales/{aftersale.pk}/").content.decode()
    assert "¥50.00" in page
    assert f"/orders/aftersales/{aftersale.pk}/accept/" not in page
    assert (
        f"/orders/aftersales/{aftersale.pk}/accept/"
        in client_as(shop.demo.user("seller"))
        .get(f"/orders/aftersales/{aftersale.pk}/")
        .content.decode()
    )
    assert client_as(shop.demo.user("seller")).get(create_url).status_code == 403
    assert client_as(shop.demo.user("driver")).get(create_url).status_code == 404


def test_the_seller_decides_on_the_page(shop, chengdu_address, client_as):
    aftersale = open_request(shop, delivered(shop, chengdu_address), kind="return_and_refund")
    seller = client_as(shop.demo.user("seller"))
    url = f"/orders/aftersales/{aftersale.pk}/"

    assert client_as(shop.buyer()).post(f"{url}accept/").status_code == 403
    seller.post(f"{url}accept/")
    assert f"{url}received/" in seller.get(url).content.decode()
    seller.post(f"{url}received/")

    aftersale.refresh_from_db()
    assert aftersale.status == AfterSaleStatus.REFUNDED
    assert verify_ledger(shop.demo.county) == []


def test_the_operator_lists_and_decides_escalated_requests(
    shop, chengdu_address, client_as, django_assert_max_num_queries
):
    for _ in range(3):
        open_request(shop, delivered(shop, chengdu_address))
    aftersales.escalate_overdue_aftersales(now=timezone.now() + dt.timedelta(hours=49))
    operator = client_as(shop.demo.user("operator"))
    first = AfterSale.objects.order_by("pk").first()

    with django_assert_max_num_queries(8):
        page = operator.get("/orders/aftersales/escalated/")

    assert page.status_code == 200
    assert page.content.decode().count('href="/orders/aftersales/') == 3
    assert (
        client_as(shop.demo.user("seller")).get("/orders/aftersales/escalated/").status_code == 403
    )
    rejected = operator.post(
        f"/orders/aftersales/{first.pk}/reject/", {"reason": "照片不清楚"}, follow=True
    )
    assert "Done." in rejected.content.decode()
    first.refresh_from_db()
    assert (first.status, first.decided_by) == (
        AfterSaleStatus.REJECTED,
        shop.demo.user("operator"),
    )
