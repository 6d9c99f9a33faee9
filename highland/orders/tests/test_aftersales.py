"""After-sales: requests on delivered orders, the seller's decision or the centre's after
48 hours, returns, refunds out of the seller's payable, and settlement holding such orders."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db.models import F
from django.test import override_settings
from django.utils import timezone
from PIL import Image

from highland.catalog.tests.test_stock import run_concurrently
from highland.core.errors import PermissionDenied, ValidationFailed
from highland.core.models import AuditRecord
from highland.ledger.invariants import verify_ledger
from highland.ledger.models import Entry
from highland.ledger.selectors import balances
from highland.orders import aftersales, services, tasks
from highland.orders.models import (
    AfterSale,
    AfterSalePhoto,
    AfterSaleStatus,
    Order,
    OrderStatus,
)
from highland.orders.services import CheckoutLine
from highland.orders.settlement import due_orders, settle_sellers
from highland.payments.models import Payment, PaymentStatus, Refund, RefundStatus
from highland.payments.refunds import confirm_refund_paid
from highland.payments.selectors import refunds_to_hand_back
from highland.testing import OrderFactory

TEA = "LT-ZC-500"  # ¥48.00 a brick, 6 % commission, sold by the enterprise ("seller")


@pytest.fixture
def media_root(tmp_path: Path) -> Iterator[Path]:
    with override_settings(MEDIA_ROOT=tmp_path / "media"):
        yield tmp_path / "media"


def delivered(shop, delivery, lines=((TEA, 2),), *, grams=None):
    """A paid order of the demo buyer, packed (weight lines at `grams`), shipped, delivered."""
    return OrderFactory(shop.demo).delivered(lines, grams=grams, delivery=delivery)


def open_request(shop, order, *, kind="refund_only", reason="damaged", **extra):
    return aftersales.open_aftersale(
        order,
        actor=shop.buyer(),
        kind=kind,
        reason=reason,
        description=extra.pop("description", "砖茶碎了"),
        **extra,
    )


def payable(shop, order) -> int:
    """The seller's payable balance: negative is owed to the seller, positive owed by them."""
    return balances(shop.demo.county).get(f"Liabilities:SellerPayable:S{order.seller_id}", 0)


def trail(aftersale) -> list[str]:
    return list(
        AuditRecord.objects.filter(object_type="orders.aftersale", object_id=str(aftersale.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )


def state() -> dict[str, object]:
    """Everything an after-sale action may change, to show that a refusal changed nothing."""
    return {
        "requests": sorted(
            AfterSale.objects.values_list(
                "pk", "status", "amount_fen", "decided_by_id", "reject_reason", "refund_id"
            )
        ),
        "photos": AfterSalePhoto.objects.count(),
        "refunds": Refund.objects.count(),
        "entries": Entry.objects.count(),
        "audit": AuditRecord.objects.count(),
        "refunded": sorted(Payment.objects.values_list("pk", "refunded_fen")),
    }


def image_file(width=1200, height=900, image_format="JPEG", name="parcel.jpg"):
    data = io.BytesIO()
    Image.new("RGB", (width, height), (180, 90, 30)).save(data, image_format)
    return SimpleUploadedFile(name, data.getvalue())


def post(client, url, payload=None):
    return client.post(url, data=json.dumps(payload or {}), content_type="application/json")


# --- the flows ------------------------------------------------------------------------------


def test_refund_only_accepted_by_the_seller_is_refunded_out_of_their_payable(shop, chengdu_address):
    order = delivered(shop, chengdu_address)
    bank_before = balances(shop.demo.county)["Assets:Bank"]
    now = timezone.now()

    aftersale = open_request(shop, order, now=now)

    assert (aftersale.status, aftersale.amount_fen) == (AfterSaleStatus.OPEN, 9600)
    assert aftersale.answer_by == now + dt.timedelta(hours=48)

    aftersales.accept_aftersale(aftersale, actor=shop.demo.user("seller"))

    aftersale.refresh_from_db()
    assert aftersale.status == AfterSaleStatus.REFUNDED
    assert aftersale.decided_by == shop.demo.user("seller")
    assert aftersale.refund.amount_fen == 9600
    payment = Payment.objects.get(pk=order.payment_id)
    assert payment.refunded_fen == 9600
    assert payment.status == PaymentStatus.PARTIALLY_REFUNDED  # shipping stays paid
    # The seller was owed ¥96.00 − ¥5.76 commission; the whole refund comes out of that.
    assert payable(shop, order) == -(9600 - 576) + 9600 == 576
    # Owed to the buyer until the centre confirms the transfer back.
    assert aftersale.refund.status == RefundStatus.REQUESTED
    assert balances(shop.demo.county)["Liabilities:RefundsDue"] == -9600
    confirm_refund_paid(aftersale.refund, actor=shop.demo.user("operator"), reference="B-1")
    assert balances(shop.demo.county)["Assets:Bank"] == bank_before - 9600
    assert trail(aftersale) == [
        "orders.aftersale.opened",
        "orders.aftersale.accepted",
        "orders.aftersale.refunded",
    ]
    assert verify_ledger(shop.demo.county) == []


def test_return_and_refund_waits_for_the_parcel_to_come_back(shop, chengdu_address):
    order = delivered(shop, chengdu_address)
    seller = shop.demo.user("seller")
    aftersale = open_request(shop, order, kind="return_and_refund", reason="wrong_item")

    aftersales.accept_aftersale(aftersale, actor=seller)

    aftersale.refresh_from_db()
    assert aftersale.status == AfterSaleStatus.AWAITING_RETURN
    assert not Refund.objects.exists()
    assert payable(shop, order) == -9024
    before = state()
    with pytest.raises(PermissionDenied):
        aftersales.receive_return(aftersale, actor=shop.buyer())
    assert state() == before

    aftersales.receive_return(aftersale, actor=seller)

    aftersale.refresh_from_db()
    assert aftersale.status == AfterSaleStatus.REFUNDED
    assert aftersale.returned_at is not None
    assert aftersale.refund.amount_fen == 9600
    assert payable(shop, order) == 576
    assert trail(aftersale) == [
        "orders.aftersale.opened",
        "orders.aftersale.accepted",
        "orders.aftersale.awaiting_return",
        "orders.aftersale.returned",
        "orders.aftersale.refunded",
    ]
    assert verify_ledger(shop.demo.county) == []
    with pytest.raises(ValidationFailed) as refusal:
        aftersales.receive_return(aftersale, actor=seller)
    assert refusal.value.code == "bad_transition"


def test_a_rejected_request_refunds_nothing_and_the_buyer_may_ask_again(shop, chengdu_address):
    order = delivered(shop, chengdu_address)
    seller = shop.demo.user("seller")
    aftersale = open_request(shop, order, amount_fen=4800)
    before = state()

    with pytest.raises(ValidationFailed) as refusal:
        aftersales.reject_aftersale(aftersale, actor=seller, reason="  ")
    assert refusal.value.errors == {"reason": ["Say why the request is rejected."]}
    assert state() == before

    aftersales.reject_aftersale(aftersale, actor=seller, reason="照片显示包装完好")

    aftersale.refresh_from_db()
    assert aftersale.status == AfterSaleStatus.REJECTED
    assert aftersale.reject_reason == "照片显示包装完好"
    assert aftersale.closed_at is not None
    assert not Refund.objects.exists()
    assert payable(shop, order) == -9024
    record = AuditRecord.objects.get(action="orders.aftersale.rejected")
    assert record.changes == {"from": "open", "reason": "照片显示包装完好"}
    assert record.actor == seller
    with pytest.raises(ValidationFailed) as again:
        aftersales.accept_aftersale(aftersale, actor=seller)
    assert again.value.code == "bad_transition"
    assert open_request(shop, order).status == AfterSaleStatus.OPEN
    assert verify_ledger(shop.demo.county) == []


def test_an_unanswered_request_escalates_after_48_hours_and_the_operator_decides(
    shop, chengdu_address, other_county
):
    order = delivered(shop, chengdu_address)
    seller, operator = shop.demo.user("seller"), shop.demo.user("operator")
    aftersale = open_request(shop, order, kind="return_and_refund", amount_fen=5000)
    before = state()

    # Before the deadline the operator may not step in.
    with pytest.raises(PermissionDenied):
        aftersales.accept_aftersale(aftersale, actor=operator)
    assert (
        aftersales.escalate_overdue_aftersales(now=aftersale.answer_by - dt.timedelta(seconds=1))
        == 0
    )
    assert state() == before

    assert aftersales.escalate_overdue_aftersales(now=aftersale.answer_by) == 1
    assert aftersales.escalate_overdue_aftersales(now=aftersale.answer_by) == 0

    aftersale.refresh_from_db()
    assert aftersale.status == AfterSaleStatus.ESCALATED
    assert aftersale.escalated_at is not None
    record = AuditRecord.objects.get(action="orders.aftersale.escalated")
    assert record.actor is None
    assert record.county == shop.demo.county
    assert record.changes == {"from": "open", "answer_by": aftersale.answer_by.isoformat()}
    assert list(aftersales.escalated_aftersales(shop.demo.county)) == [aftersale]
    # Now it is the centre's decision, not the seller's, and not another county's.
    before = state()
    with pytest.raises(PermissionDenied):
        aftersales.accept_aftersale(aftersale, actor=seller)
    with pytest.raises(PermissionDenied):
        aftersales.reject_aftersale(aftersale, actor=other_county.operator, reason="no")
    assert state() == before

    aftersales.accept_aftersale(aftersale, actor=operator)
    aftersale.refresh_from_db()
    assert aftersale.status == AfterSaleStatus.AWAITING_RETURN
    assert aftersale.decided_by == operator
    # The seller never answered; the centre may record the parcel's arrival too.
    aftersales.receive_return(aftersale, actor=operator)

    aftersale.refresh_from_db()
    assert aftersale.status == AfterSaleStatus.REFUNDED
    assert aftersale.refund.amount_fen == 5000
    assert payable(shop, order) == -9024 + 5000
    assert list(aftersales.escalated_aftersales(shop.demo.county)) == []
    assert verify_ledger(shop.demo.county) == []


def test_the_scheduled_task_and_the_command_escalate(shop, chengdu_address):
    first = open_request(shop, delivered(shop, chengdu_address))
    second = open_request(shop, delivered(shop, chengdu_address))
    AfterSale.objects.filter(pk__in=[first.pk, second.pk]).update(
        answer_by=timezone.now() - dt.timedelta(minutes=1)
    )
    AfterSale.objects.filter(pk=second.pk).update(answer_by=timezone.now() + dt.timedelta(hours=1))

    assert tasks.escalate_aftersales.delay().get() == 1
    output = io.StringIO()
    call_command("escalate_aftersales", stdout=output)

    assert output.getvalue() == "Escalated 0 request(s).\n"
    assert AfterSale.objects.get(pk=first.pk).status == AfterSaleStatus.ESCALATED
    assert AfterSale.objects.get(pk=second.pk).status == AfterSaleStatus.OPEN


def test_the_agent_who_placed_a_cash_order_asks_for_the_villager(shop, village_pickup):
    agent, villager = shop.demo.user("village_agent"), shop.demo.user("member")
    point = shop.demo.point("LT-S01-V01")
    result = services.place_order(
        shop.demo.county,
        [CheckoutLine(shop.sku("LT-CD-20K").pk, 1)],
        buyer=villager,
        actor=agent,
        delivery=village_pickup,
        payment_method="cash_at_point",
    )
    services.collect_cash(result.payment, agent=agent, point=point)
    order, seller = result.orders[0], shop.demo.user("seller")
    services.pack_order(order, {}, actor=seller)
    services.advance_order(order, OrderStatus.SHIPPED, actor=seller)
    services.record_pickup(order, agent=agent, pickup_code=order.pickup_code)
    cash_before = balances(shop.demo.county)[f"Assets:Cash:Point:{point.code}"]

    aftersale = aftersales.open_aftersale(
        order, actor=agent, kind="refund_only", reason="spoiled", description=""
    )
    aftersales.accept_aftersale(aftersale, actor=seller)

    assert AuditRecord.objects.get(action="orders.aftersale.opened").on_behalf_of == villager
    # Handing the cash back is a task for the agent: nothing leaves the drawer silently.
    aftersale.refresh_from_db()
    refund = aftersale.refund
    assert list(refunds_to_hand_back(point)) == [refund]
    assert balances(shop.demo.county)[f"Assets:Cash:Point:{point.code}"] == cash_before
    confirm_refund_paid(refund, actor=agent)
    assert list(refunds_to_hand_back(point)) == []
    assert balances(shop.demo.county)[f"Assets:Cash:Point:{point.code}"] == cash_before - 12900
    assert verify_ledger(shop.demo.county) == []


def test_the_default_amount_is_goods_plus_the_weight_adjustment(shop, chengdu_address):
    order = delivered(shop, chengdu_address, [("LT-SR-W", 1000)], grams=1030)
    assert (order.items_fen, order.adjustment_fen) == (59600, 1788)

    aftersale = open_request(shop, order, reason="spoiled")

    assert aftersale.amount_fen == 59600 + 1788
    aftersales.accept_aftersale(aftersale, actor=shop.demo.user("seller"))
    assert verify_ledger(shop.demo.county) == []


def test_later_requests_are_capped_by_earlier_refunds(shop, chengdu_address):
    order = delivered(shop, chengdu_address)
    seller = shop.demo.user("seller")
    aftersales.accept_aftersale(open_request(shop, order, amount_fen=6000), actor=seller)
    before = state()

    with pytest.raises(ValidationFailed) as refusal:
        open_request(shop, order, amount_fen=3601)

    assert refusal.value.errors == {
        "amount_fen": ["At most ¥36.00 is left to refund on this order."]
    }
    assert state() == before
    assert open_request(shop, order).amount_fen == 3600


# --- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "code", "errors"),
    [
        ({"amount_fen": 0}, "bad_amount", {"amount_fen": ["The amount must be more than zero."]}),
        (
            {"amount_fen": -100},
            "bad_amount",
            {"amount_fen": ["The amount must be more than zero."]},
        ),
        (
            {"amount_fen": 9601},
            "over_refundable",
            {"amount_fen": ["At most ¥96.00 is left to refund on this order."]},
        ),
        (
            {"reason": "other", "description": " "},
            "validation_failed",
            {"description": ["Say what is wrong with the order."]},
        ),
        (
            {"kind": "exchange"},
            "validation_failed",
            {"kind": ["Choose refund only, or return and refund."]},
        ),
        (
            {"description": "x" * 1001},
            "validation_failed",
            {"description": ["Say it in at most 1000 characters."]},
        ),
    ],
    ids=["zero", "negative", "above-refundable", "other-without-text", "bad-kind", "long-text"],
)
def test_bad_requests_are_refused_and_change_nothing(shop, chengdu_address, changes, code, errors):
    order = delivered(shop, chengdu_address)
    arguments = {"kind": "refund_only", "reason": "damaged", "description": "碎了", **changes}
    before = state()

    with pytest.raises(ValidationFailed) as refusal:
        aftersales.open_aftersale(order, actor=shop.buyer(), **arguments)

    assert (refusal.value.code, refusal.value.errors) == (code, errors)
    assert state() == before


def test_an_order_not_yet_delivered_takes_no_request(shop, chengdu_address):
    buyer = shop.buyer()
    result = services.place_order(
        shop.demo.county,
        [CheckoutLine(shop.sku(TEA).pk, 1)],
        buyer=buyer,
        actor=buyer,
        delivery=chengdu_address,
        payment_method="bank_transfer",
    )
    services.confirm_bank_transfer(
        result.payment, actor=shop.demo.user("operator"), bank_reference="B"
    )
    before = state()

    with pytest.raises(ValidationFailed) as refusal:
        open_request(shop, result.orders[0])

    assert refusal.value.code == "not_delivered"
    assert refusal.value.message == "Refunds and returns are requested once the order is delivered."
    assert state() == before


def test_a_completed_order_takes_requests_for_seven_days(shop, chengdu_address):
    order = delivered(shop, chengdu_address)
    services.advance_order(order, OrderStatus.COMPLETED, actor=shop.demo.user("operator"))
    order.refresh_from_db()
    completed_at = order.completed_at
    assert completed_at is not None
    before = state()

    with pytest.raises(ValidationFailed) as refusal:
        open_request(shop, order, now=completed_at + dt.timedelta(days=7, seconds=1))

    assert refusal.value.code == "window_closed"
    assert state() == before
    aftersale = open_request(shop, order, now=completed_at + dt.timedelta(days=7))
    assert aftersale.status == AfterSaleStatus.OPEN


def test_an_order_has_one_request_in_progress_at_a_time(shop, chengdu_address):
    order = delivered(shop, chengdu_address)
    first = open_request(shop, order, kind="return_and_refund", amount_fen=100)
    aftersales.accept_aftersale(first, actor=shop.demo.user("seller"))  # awaiting the return
    before = state()

    with pytest.raises(ValidationFailed) as refusal:
        open_request(shop, order, amount_fen=100)

    assert refusal.value.code == "already_open"
    assert refusal.value.message == "This order already has a request in progress."
    assert state() == before


@pytest.mark.parametrize("who", ["seller", "operator", "agent", "driver", "other_county"])
def test_only_the_buyer_or_the_agent_who_placed_it_opens_a_request(
    shop, chengdu_address, other_county, who
):
    order = delivered(shop, chengdu_address)
    user = other_county.operator if who == "other_county" else shop.demo.user(who)
    before = state()

    with pytest.raises(PermissionDenied):
        aftersales.open_aftersale(order, actor=user, kind="refund_only", reason="damaged")

    assert state() == before


@pytest.mark.parametrize("who", ["buyer", "operator", "coop_manager", "driver", "other_county"])
def test_only_the_seller_decides_an_open_request(shop, chengdu_address, other_county, who):
    aftersale = open_request(shop, delivered(shop, chengdu_address))
    user = other_county.operator if who == "other_county" else shop.demo.user(who)
    before = state()

    with pytest.raises(PermissionDenied):
        aftersales.accept_aftersale(aftersale, actor=user)
    with pytest.raises(PermissionDenied):
        aftersales.reject_aftersale(aftersale, actor=user, reason="不行")

    assert state() == before


# --- evidence photos ----------------------------------------------------------------------


def test_a_photo_is_kept_as_a_small_webp_only(shop, chengdu_address, private_media_root):
    aftersale = open_request(shop, delivered(shop, chengdu_address))

    photo = aftersales.add_aftersale_photo(aftersale, image_file(4000, 3000), actor=shop.buyer())

    with photo.thumbnail.open("rb") as stored:
        image = Image.open(io.BytesIO(stored.read()))
        assert (image.format, image.size) == ("WEBP", (480, 360))
    assert (photo.width, photo.height) == (480, 360)
    assert photo.thumbnail.name.startswith(
        f"orders/aftersales/{shop.demo.county.pk}/{aftersale.pk}/"
    )
    assert [path.suffix for path in private_media_root.rglob("*.*")] == [".webp"]
    record = AuditRecord.objects.get(action="orders.aftersale.photo_added")
    assert record.changes["thumbnail"] == [480, 360]


@pytest.mark.parametrize(
    ("upload", "code", "message"),
    [
        (
            SimpleUploadedFile("notes.jpg", b"not a photo at all"),
            "not_an_image",
            "This file is not a photo. Send a JPEG, PNG or WebP image.",
        ),
        (
            SimpleUploadedFile("big.jpg", b"\xff" * (8 * 1024 * 1024 + 1)),
            "too_large",
            "The photo is larger than 8 MB. Send a smaller one.",
        ),
        (SimpleUploadedFile("empty.jpg", b""), "empty", "The file is empty."),
    ],
    ids=["not-an-image", "too-large", "empty"],
)
def test_bad_photos_are_refused_and_store_nothing(
    shop, chengdu_address, private_media_root, upload, code, message
):
    aftersale = open_request(shop, delivered(shop, chengdu_address))
    before = state()

    with pytest.raises(ValidationFailed) as refusal:
        aftersales.add_aftersale_photo(aftersale, upload, actor=shop.buyer())

    assert (refusal.value.code, refusal.value.errors) == (code, {"photo": [message]})
    assert state() == before
    assert not private_media_root.exists() or not any(private_media_root.rglob("*.*"))


def test_photos_are_limited_and_end_with_the_decision(shop, chengdu_address, media_root):
    aftersale = open_request(shop, delivered(shop, chengdu_address))
    buyer = shop.buyer()
    for _ in range(aftersales.MAX_PHOTOS):
        aftersales.add_aftersale_photo(aftersale, image_file(20, 20), actor=buyer)

    with pytest.raises(ValidationFailed) as too_many:
        aftersales.add_aftersale_photo(aftersale, image_file(20, 20), actor=buyer)
    assert too_many.value.code == "too_many_photos"
    with pytest.raises(PermissionDenied):
        aftersales.add_aftersale_photo(
            aftersale, image_file(20, 20), actor=shop.demo.user("seller")
        )
    AfterSalePhoto.objects.filter(aftersale=aftersale).first().delete()
    aftersales.reject_aftersale(aftersale, actor=shop.demo.user("seller"), reason="no")
    with pytest.raises(ValidationFailed) as decided:
        aftersales.add_aftersale_photo(aftersale, image_file(20, 20), actor=buyer)
    assert decided.value.code == "decided"
    assert AfterSalePhoto.objects.filter(aftersale=aftersale).count() == aftersales.MAX_PHOTOS - 1


# --- settlement and the ledger ----------------------------------------------------------------


def aged(order, days=8):
    Order.objects.filter(pk=order.pk).update(delivered_at=timezone.now() - dt.timedelta(days=days))
    return Order.objects.get(pk=order.pk)


def test_settlement_holds_orders_with_a_request_in_progress(shop, chengdu_address):
    held = aged(delivered(shop, chengdu_address))
    free = aged(delivered(shop, chengdu_address, [(TEA, 1)]))
    seller = shop.demo.user("seller")
    aftersale = open_request(shop, held, kind="return_and_refund", amount_fen=1000)

    assert list(due_orders(shop.demo.county, as_of=timezone.now())) == [free]
    run = settle_sellers(shop.demo.county, actor=None)
    assert [payout.amount_fen for payout in run.payouts] == [4800 - 288]
    assert Order.objects.get(pk=held.pk).payout is None

    # Accepted and waiting for the parcel: still held.
    aftersales.accept_aftersale(aftersale, actor=seller)
    assert settle_sellers(shop.demo.county, actor=None).payouts == []

    aftersales.receive_return(aftersale, actor=seller)
    assert list(due_orders(shop.demo.county, as_of=timezone.now())) == [held]
    assert verify_ledger(shop.demo.county) == []

    # The payout leaves out what the buyer already got back: the seller is not overpaid.
    run = settle_sellers(shop.demo.county, actor=None)
    assert [payout.amount_fen for payout in run.payouts] == [9600 - 576 - 1000]
    assert run.payouts[0].refunds_fen == 1000
    assert payable(shop, held) == 0
    assert verify_ledger(shop.demo.county) == []


def test_a_rejected_request_releases_the_order_for_payout(shop, chengdu_address):
    held = aged(delivered(shop, chengdu_address))
    aftersale = open_request(shop, held)
    assert settle_sellers(shop.demo.county, actor=None).payouts == []

    aftersales.reject_aftersale(aftersale, actor=shop.demo.user("seller"), reason="完好")
    run = settle_sellers(shop.demo.county, actor=None)

    assert [payout.amount_fen for payout in run.payouts] == [9600 - 576]
    assert payable(shop, held) == 0
    assert verify_ledger(shop.demo.county) == []


def test_a_refund_after_payout_leaves_the_seller_owing_it_back(shop, chengdu_address):
    order = aged(delivered(shop, chengdu_address))
    settle_sellers(shop.demo.county, actor=None)
    assert payable(shop, order) == 0

    aftersale = open_request(shop, order, amount_fen=3000)
    aftersales.accept_aftersale(aftersale, actor=shop.demo.user("seller"))

    # A debit balance: the seller owes the platform the ¥30.00 it owes the buyer.
    assert payable(shop, order) == 3000
    assert verify_ledger(shop.demo.county) == []

    # Once the bank transfer back to the buyer is sent, the bank is short until the
    # seller's debt is recovered from their next payouts.
    refund = Refund.objects.get(payment=order.payment)
    confirm_refund_paid(refund, actor=shop.demo.user("operator"), reference="TRF-0001")
    assert verify_ledger(shop.demo.county) == [
        "orders.bank_not_negative: The bank account's balance is -¥13.24; "
        "more was paid from it than it holds."
    ]


def test_verify_ledger_notices_a_refund_the_ledger_does_not_know(shop, chengdu_address):
    order = delivered(shop, chengdu_address)
    aftersale = open_request(shop, order, amount_fen=3000)
    aftersales.accept_aftersale(aftersale, actor=shop.demo.user("seller"))

    AfterSale.objects.filter(pk=aftersale.pk).update(amount_fen=F("amount_fen") + 100)

    assert verify_ledger(shop.demo.county) == [
        f"orders.order_entries_match_statement: Order {order.number}: the ledger credits "
        "its seller ¥60.24 but the statement says ¥59.24."
    ]


# --- races ------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_five_accepts_at_once_refund_once(shop, chengdu_address):
    """Real threads on the real database: a double-clicked accept pays the buyer once."""
    aftersale = open_request(shop, delivered(shop, chengdu_address), amount_fen=4000)
    seller = shop.demo.user("seller")

    results = run_concurrently(lambda: aftersales.accept_aftersale(aftersale, actor=seller), 5)

    refused = [result for result in results if isinstance(result, ValidationFailed)]
    assert len(refused) == 4, results
    assert {error.code for error in refused} == {"bad_transition"}
    assert Refund.objects.get().amount_fen == 4000
    assert AfterSale.objects.get().status == AfterSaleStatus.REFUNDED
    assert verify_ledger(shop.demo.county) == []


@pytest.mark.django_db(transaction=True)
def test_five_requests_at_once_open_one(shop, chengdu_address):
    order = delivered(shop, chengdu_address)

    results = run_concurrently(lambda: open_request(shop, order), 5)

    refused = [result for result in results if isinstance(result, ValidationFailed)]
    assert len(refused) == 4, results
    assert {error.code for error in refused} == {"already_open"}
    assert AfterSale.objects.filter(order=order).count() == 1
