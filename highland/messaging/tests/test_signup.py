"""Registration and password reset by SMS code: pages, API, limits, wrong and old codes."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from highland.core.models import AuditRecord, Membership, Role, User
from highland.messaging import signup
from highland.messaging.models import CodePurpose, PhoneCode, TextMessage

PHONE = "13912345678"
PASSWORD = "yak-butter-tea-42"


def _code_sent_to(phone: str) -> str:
    """The code in the newest message to `phone`, read before it is sent (and hidden)."""
    message = TextMessage.objects.filter(phone=phone).order_by("-pk").first()
    assert message is not None
    found = re.search(r"[0-9]{6}", message.body)
    assert found is not None
    return found[0]


def _api(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(f"/api/v1/auth/{path}", body, content_type="application/json")


@pytest.mark.django_db
def test_register_by_page_creates_a_logged_in_buyer(demo: Any) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    sent = client.post("/accounts/register/", {"step": "code", "phone": "139 1234 5678"})
    assert sent.status_code == 302
    code = _code_sent_to(PHONE)
    done = client.post(
        "/accounts/register/",
        {
            "step": "register",
            "phone": PHONE,
            "code": code,
            "display_name": "Dawa",
            "password": PASSWORD,
            "next": "/orders/checkout/",
        },
    )

    assert done.status_code == 302
    assert done["Location"] == "/orders/checkout/"
    person = User.objects.get(username=PHONE)
    assert (person.phone, person.display_name, person.county) == (PHONE, "Dawa", demo.county)
    assert list(Membership.objects.filter(user=person).values_list("role", flat=True)) == [
        Role.BUYER
    ]
    assert client.get("/api/v1/me").json()["username"] == PHONE
    record = AuditRecord.objects.get(action="core.person.registered", object_id=str(person.pk))
    assert record.changes["verified_by"] == "sms_code"
    assert PhoneCode.objects.get(phone=PHONE).used_at is not None


@pytest.mark.django_db
def test_registering_keeps_what_the_visitor_put_in_the_cart(demo: Any) -> None:
    from highland.catalog.models import Sku
    from highland.orders.models import Cart, CartLine

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    tea = Sku.objects.get(code="LT-ZC-500")
    assert client.post("/orders/cart/add/", {"sku_id": tea.pk, "quantity": 2}).status_code == 302
    client.post("/accounts/register/", {"step": "code", "phone": PHONE})

    client.post(
        "/accounts/register/",
        {
            "step": "register",
            "phone": PHONE,
            "code": _code_sent_to(PHONE),
            "display_name": "Dawa",
            "password": PASSWORD,
        },
    )

    cart = Cart.objects.get(owner__username=PHONE)
    assert list(CartLine.objects.filter(cart=cart).values_list("sku_id", "quantity")) == [
        (tea.pk, 2)
    ]
    assert not Cart.objects.filter(owner=None).exists()


@pytest.mark.django_db
def test_register_by_api(demo: Any) -> None:
    client = Client()
    assert _api(client, "register/code", {"phone": PHONE}).json() == {"expires_in_seconds": 600}

    answer = _api(
        client,
        "register",
        {
            "phone": PHONE,
            "code": _code_sent_to(PHONE),
            "display_name": "Dawa",
            "password": PASSWORD,
        },
    )

    assert answer.status_code == 201
    assert answer.json()["username"] == PHONE
    assert answer.json()["county_code"] == demo.county.code
    # No session is logged in by the API (it takes no CSRF token): the buyer logs in as usual.
    assert "_auth_user_id" not in client.session
    assert get_user_model().objects.get(username=PHONE).check_password(PASSWORD)


@pytest.mark.django_db
def test_a_wrong_code_counts_and_five_wrong_end_the_code(demo: Any) -> None:
    client = Client()
    _api(client, "register/code", {"phone": PHONE})
    code = _code_sent_to(PHONE)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    body = {"phone": PHONE, "code": wrong, "display_name": "Dawa", "password": PASSWORD}

    answers = [_api(client, "register", body) for _ in range(5)]
    last = _api(client, "register", {**body, "code": code})

    assert [a.json()["code"] for a in answers] == ["wrong_code"] * 5
    assert answers[0].json()["detail"] == "验证码错误。"  # the default language
    assert last.status_code == 422
    assert last.json()["code"] == "too_many_tries"
    assert PhoneCode.objects.get(phone=PHONE).tries == 5
    assert not User.objects.filter(username=PHONE).exists()


@pytest.mark.django_db
def test_an_expired_code_is_refused(demo: Any) -> None:
    client = Client()
    _api(client, "register/code", {"phone": PHONE})
    code = _code_sent_to(PHONE)
    PhoneCode.objects.filter(phone=PHONE).update(expires_at=timezone.now())

    answer = _api(
        client,
        "register",
        {"phone": PHONE, "code": code, "display_name": "Dawa", "password": PASSWORD},
    )

    assert answer.status_code == 422
    assert answer.json()["code"] == "code_expired"
    assert not User.objects.filter(username=PHONE).exists()


@pytest.mark.django_db
def test_a_used_code_cannot_register_twice(demo: Any) -> None:
    client = Client()
    _api(client, "register/code", {"phone": PHONE})
    body = {"phone": PHONE, "code": _code_sent_to(PHONE), "display_name": "D", "password": PASSWORD}
    assert _api(client, "register", body).status_code == 201

    again = _api(Client(), "register", body)

    assert again.status_code == 422
    assert again.json()["code"] == "code_expired"


@pytest.mark.django_db
def test_one_code_a_minute_and_five_an_hour_per_number(demo: Any) -> None:
    client = Client()
    assert _api(client, "register/code", {"phone": PHONE}).status_code == 200

    too_soon = _api(client, "register/code", {"phone": PHONE})
    assert too_soon.status_code == 429
    assert too_soon.json()["code"] == "code_too_soon"

    for _ in range(4):
        PhoneCode.objects.update(created_at=timezone.now() - dt.timedelta(seconds=61))
        assert _api(client, "register/code", {"phone": PHONE}).status_code == 200
    PhoneCode.objects.update(created_at=timezone.now() - dt.timedelta(seconds=61))
    sixth = _api(client, "register/code", {"phone": PHONE})

    assert sixth.status_code == 429
    assert sixth.json()["code"] == "too_many_codes"
    assert PhoneCode.objects.filter(phone=PHONE).count() == 5
    assert TextMessage.objects.filter(phone=PHONE).count() == 5


@pytest.mark.django_db
def test_five_codes_an_hour_per_address(demo: Any) -> None:
    client = Client(REMOTE_ADDR="10.1.2.3")
    for n in range(5):
        assert _api(client, "register/code", {"phone": f"1391234000{n + 1}"}).status_code == 200

    refused = _api(client, "register/code", {"phone": "13912340009"})
    other_address = _api(Client(REMOTE_ADDR="10.1.2.4"), "register/code", {"phone": "13912340009"})

    assert refused.status_code == 429
    assert refused.json()["code"] == "too_many_codes"
    assert other_address.status_code == 200


@pytest.mark.django_db
def test_a_registered_number_cannot_register_again(demo: Any) -> None:
    answer = _api(Client(), "register/code", {"phone": "13800000013"})  # the demo buyer

    assert answer.status_code == 422
    assert answer.json()["code"] == "phone_registered"
    assert not PhoneCode.objects.exists()


@pytest.mark.django_db
def test_not_a_mobile_number(demo: Any) -> None:
    answer = _api(Client(HTTP_ACCEPT_LANGUAGE="en"), "register/code", {"phone": "028-1234567"})

    assert answer.status_code == 422
    assert answer.json()["errors"]["phone"] == [
        "Enter a mainland China mobile number: 11 digits starting with 13–19."
    ]


@pytest.mark.django_db
def test_a_weak_password_is_refused_and_the_code_still_works(demo: Any) -> None:
    client = Client()
    _api(client, "register/code", {"phone": PHONE})
    code = _code_sent_to(PHONE)
    body = {"phone": PHONE, "code": code, "display_name": "Dawa", "password": "123"}

    weak = _api(client, "register", body)
    strong = _api(client, "register", {**body, "password": PASSWORD})

    assert weak.status_code == 422
    assert "password" in weak.json()["errors"]
    assert strong.status_code == 201


@pytest.mark.django_db
def test_password_reset_by_page(demo: Any) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    sent = client.post("/accounts/password/reset/", {"step": "code", "phone": "13800000013"})
    assert sent.status_code == 302

    done = client.post(
        "/accounts/password/reset/",
        {
            "step": "reset",
            "phone": "13800000013",
            "code": _code_sent_to("13800000013"),
            "password": PASSWORD,
        },
    )

    assert done.status_code == 302
    assert done["Location"] == "/accounts/login/"
    assert demo.user("buyer").check_password(PASSWORD)
    assert AuditRecord.objects.filter(
        action="core.person.password_reset", object_id=str(demo.user("buyer").pk)
    ).exists()


@pytest.mark.django_db
def test_password_reset_does_not_reveal_unknown_numbers(demo: Any) -> None:
    client = Client()
    known = _api(client, "password-reset/code", {"phone": "13800000013"})
    unknown = _api(client, "password-reset/code", {"phone": PHONE})

    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
    assert TextMessage.objects.filter(phone=PHONE).count() == 0
    assert PhoneCode.objects.filter(phone=PHONE, purpose=CodePurpose.RESET_PASSWORD).count() == 1
    guess = _api(client, "password-reset", {"phone": PHONE, "code": "000000", "password": PASSWORD})
    assert guess.status_code == 422
    assert guess.json()["code"] == "wrong_code"


@pytest.mark.django_db
def test_password_reset_wrong_code_changes_nothing(demo: Any) -> None:
    client = Client()
    _api(client, "password-reset/code", {"phone": "13800000013"})
    code = _code_sent_to("13800000013")
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    answer = _api(
        client, "password-reset", {"phone": "13800000013", "code": wrong, "password": PASSWORD}
    )

    assert answer.status_code == 422
    assert not demo.user("buyer").check_password(PASSWORD)
    right = _api(
        client, "password-reset", {"phone": "13800000013", "code": code, "password": PASSWORD}
    )
    assert right.status_code == 204
    assert demo.user("buyer").check_password(PASSWORD)


@pytest.mark.django_db
def test_pages_show_both_steps_and_login_links_to_them(demo: Any) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    register = client.get("/accounts/register/")
    reset = client.get("/accounts/password/reset/")
    login = client.get("/accounts/login/?next=/orders/checkout/")

    assert register.status_code == 200
    assert b"Send me a code" in register.content
    assert reset.status_code == 200
    assert b'href="/accounts/register/?next=/orders/checkout/"' in login.content
    assert b'href="/accounts/password/reset/"' in login.content


def test_codes_are_six_digits_and_stored_hashed(db: None, demo: Any) -> None:
    from django.db import transaction

    with transaction.atomic():
        phone_code = signup.request_phone_code(
            demo.county, phone=PHONE, purpose=CodePurpose.REGISTER, address=None
        )
    code = _code_sent_to(PHONE)

    assert len(code) == 6
    assert code not in phone_code.code_hash
    assert len(phone_code.code_hash) == 64
    assert phone_code.expires_at - phone_code.created_at == dt.timedelta(minutes=10)


@pytest.mark.django_db
def test_checkout_explains_why_to_log_in_and_links_to_register(demo: Any) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    checkout = client.get("/orders/checkout/")
    login = client.get("/accounts/login/?next=/orders/checkout/")

    assert b"To place an order you need an account" in checkout.content
    assert b'href="/accounts/register/?next=/orders/checkout/"' in checkout.content
    assert b"To place an order, log in or register first" in login.content
    assert b'href="/accounts/register/?next=/orders/checkout/"' in login.content
    assert b"To place an order" not in client.get("/accounts/login/").content


@pytest.mark.django_db
def test_a_shared_phone_resets_no_ones_password(demo: Any) -> None:
    villager = demo.user("member")
    villager.phone = "13800000013"  # the demo buyer's number: one family phone
    villager.save(update_fields=["phone"])

    answer = _api(Client(), "password-reset/code", {"phone": "13800000013"})

    assert answer.status_code == 200
    assert not TextMessage.objects.filter(phone="13800000013").exists()
