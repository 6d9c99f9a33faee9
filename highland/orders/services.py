"""Checkout, the order state machine, cancellation and catch-weight settlement.

Stock is reserved with one conditional UPDATE per SKU (catalog.services.reserve_stock)
at the END of the checkout transaction, after every row of the order is written, so a
hot SKU's row lock is held only from that statement to COMMIT.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.core import audit, idempotency
from highland.core.errors import NotFound, PermissionDenied, ValidationFailed
from highland.core.idempotency import IdempotentRequest
from highland.core.models import County, User
from highland.core.permissions import require
from highland.core.phones import normalise_mobile
from highland.ledger import accounts
from highland.ledger.services import post_entry
from highland.network import services as network_services
from highland.network.hours import cash_held_until
from highland.network.models import Service, ServicePoint, Tier
from highland.network.selectors import may_act_for
from highland.orders import lot_allocation, paying, postings, pricing, texts
from highland.orders.linesources import (
    NO_RULE,
    WEIGHT_TOLERANCE_PERCENT,
    CheckoutLine,
    PricedLine,
    PriceRule,
    line_source,
    price_lines,
)
from highland.orders.models import (
    ORDER_MACHINE,
    Delivery,
    Order,
    OrderLine,
    OrderStatus,
    ShippingRate,
)
from highland.payments import refunds
from highland.payments import services as payment_services
from highland.payments.models import Payment, PaymentMethod

CHECKOUT_SCOPE = "orders.checkout"
RESERVATION_MINUTES = 30


@dataclass(frozen=True)
class DeliveryDetails:
    method: str
    recipient_name: str
    phone: str = ""
    province: str = ""
    city: str = ""
    district: str = ""
    township: str = ""
    detail: str = ""
    pickup_point: ServicePoint | None = None


@dataclass(frozen=True)
class CheckoutResult:
    payment: Payment
    orders: list[Order]
    created: bool


seller_payable_account = accounts.seller_payable
BUYER_CLEARING = accounts.BUYER_CLEARING
COMMISSION_INCOME = accounts.COMMISSION
SHIPPING_INCOME = accounts.SHIPPING


# --- validation -----------------------------------------------------------------------


def _check_delivery(county: County, delivery: DeliveryDetails) -> None:
    errors: dict[str, list[str]] = {}
    if not delivery.recipient_name.strip():
        errors["recipient_name"] = [_("Who receives the parcel?")]
    if delivery.phone and normalise_mobile(delivery.phone) is None:
        errors["phone"] = [
            _("Enter a mainland China mobile number: 11 digits starting with 13–19.")
        ]
    if delivery.method == Delivery.ADDRESS:
        if not delivery.phone:
            errors["phone"] = [_("A mobile number is needed for delivery to an address.")]
        for field in ("province", "city", "district", "detail"):
            if not getattr(delivery, field).strip():
                errors[field] = [_("This field is required.")]
    elif delivery.method == Delivery.PICKUP:
        point = delivery.pickup_point
        if point is None or point.county_id != county.pk or not point.active:
            errors["pickup_point"] = [_("Choose an active service point of this county.")]
        elif point.tier == Tier.COUNTY_CENTRE or Service.PARCEL_PICKUP not in point.services:
            errors["pickup_point"] = [_("Parcels cannot be picked up at this point.")]
    else:
        errors["method"] = [_("Choose delivery to an address or pickup at a point.")]
    if errors:
        raise ValidationFailed(_("Please correct the delivery details."), errors=errors)


def require_may_act_for(actor: User, person: User) -> None:
    """Refuse unless `actor` serves `person` as one of their villagers: one rule for
    checkout, group buys and paying, whichever page or endpoint asks."""
    if not may_act_for(actor, person):
        raise PermissionDenied(
            _("You may act only for the villagers registered at the points you serve."),
            code="not_your_villager",
        )


def hold_for(county: County, payment_method: str) -> dt.timedelta:
    """How long a checkout's stock waits for its money: a bank transfer takes a bank day
    or two (set per county), an online payment is made at once. (Cash at a point waits
    for the point's opening hours: see `hold_until`.)"""
    if payment_method == PaymentMethod.BANK_TRANSFER:
        return dt.timedelta(hours=county.transfer_hold_hours)
    return dt.timedelta(minutes=RESERVATION_MINUTES)


def hold_until(
    county: County,
    payment_method: str,
    *,
    pickup_point: ServicePoint | None,
    now: dt.datetime | None = None,
) -> dt.datetime:
    """Until when a checkout's stock waits for its money. Cash at a point waits until the
    point closes on its next opening day (or the county's hours: `network.hours`)."""
    now = now or timezone.now()
    if payment_method == PaymentMethod.CASH_AT_POINT and pickup_point is not None:
        return cash_held_until(pickup_point, now)
    return now + hold_for(county, payment_method)


def quote_shipping(county: County, *, zone: str, storage_class: str, weight_g: int) -> int:
    return _shipping_fee(_shipping_rates(county, zone).get(storage_class), weight_g)


_RateTerms = tuple[int, int, int, int]


def _shipping_rates(county: County, zone: str) -> dict[str, _RateTerms]:
    """The zone's rates by storage class: one small query for every parcel of a checkout."""
    return {
        storage_class: (first_weight_g, first_fee_fen, step_weight_g, step_fee_fen)
        for storage_class, first_weight_g, first_fee_fen, step_weight_g, step_fee_fen in (
            ShippingRate.objects.filter(county=county, zone=zone).values_list(
                "storage_class", "first_weight_g", "first_fee_fen", "step_weight_g", "step_fee_fen"
            )
        )
    }


def _shipping_fee(rate: _RateTerms | None, weight_g: int) -> int:
    if rate is None:
        raise ValidationFailed(
            _("No shipping rate for this destination and storage; ask the service centre."),
            code="no_shipping_rate",
        )
    first_weight_g, first_fee_fen, step_weight_g, step_fee_fen = rate
    return pricing.shipping_fee_fen(
        weight_g,
        first_weight_g=first_weight_g,
        first_fee_fen=first_fee_fen,
        step_weight_g=step_weight_g,
        step_fee_fen=step_fee_fen,
    )


def _zone(county: County, delivery: DeliveryDetails) -> str:
    return pricing.shipping_zone(
        pickup_in_county=delivery.method == Delivery.PICKUP,
        province=delivery.province.strip(),
        district=delivery.district.strip(),
        county_names={county.name_zh},
    )


def _number(prefix: str) -> str:
    stamp = timezone.localtime().strftime("%y%m%d")
    return f"{prefix}{stamp}{secrets.randbelow(10**10):010d}"


# --- checkout ----------------------------------------------------------------------------------


@transaction.atomic
def place_order(
    county: County,
    lines: Sequence[CheckoutLine],
    *,
    buyer: User,
    actor: User,
    delivery: DeliveryDetails,
    payment_method: str,
    idempotent_request: IdempotentRequest | None = None,
    price_rule: PriceRule = NO_RULE,
) -> CheckoutResult:
    """Reserve stock and create one payment and one order per seller.

    Never oversells: each line is reserved by its source's conditional UPDATE, which fails
    when too little is left, and any failure rolls the whole checkout back. Prices (and
    `price_rule`, a caller's agreed prices and hold) are applied before anything is
    written. An actor other than the buyer must be allowed to act for them
    (`network.selectors.may_act_for`). With an idempotent request, repeating it returns
    the first result once the actor's permission holds again; the same key for a
    different request is a 409.
    """
    on_behalf = actor.pk != buyer.pk
    if on_behalf:
        require(actor, "orders.place_for_villager", county)
    else:
        require(actor, "orders.place_order", county)
    if buyer.county_id != county.pk:
        raise NotFound(_("No such buyer."), field="buyer")
    if on_behalf:
        require_may_act_for(actor, buyer)
    claim = None
    if idempotent_request is not None:
        # Before anything is checked against today's shelves: a replay answers with its
        # first result even when that stock has since run out.
        claim = idempotency.claim(
            CHECKOUT_SCOPE, caller=idempotency.caller_of(actor), request=idempotent_request
        )
        if claim.replayed:
            return checkout_result_of(claim.stored_object(Payment))
    return _place_order(
        county,
        lines,
        buyer=buyer,
        actor=actor,
        delivery=delivery,
        payment_method=payment_method,
        claim=claim,
        price_rule=price_rule,
    )


def checkout_result_of(payment: Payment) -> CheckoutResult:
    """The result of the checkout that created `payment`, for a replayed request."""
    return CheckoutResult(
        payment=payment, orders=list(payment.orders.order_by("pk")), created=False
    )


@dataclass
class _SellerParcel:
    """What one seller's order will hold, worked out before anything is written."""

    seller_id: int
    lines: list[OrderLine]
    items_fen: int
    shipping_fen: int
    allowance_fen: int
    # How the shipping was worked out, for the checkout's summary.
    weight_g: int = 0
    storage_class: str = "ambient"
    rate: _RateTerms = (0, 0, 0, 0)

    @property
    def total_fen(self) -> int:
        return self.items_fen + self.shipping_fen + self.allowance_fen

    @property
    def commission_fen(self) -> int:
        return sum(line.commission_fen for line in self.lines)


def _parcels(county: County, priced: Sequence[PricedLine], zone: str) -> list[_SellerParcel]:
    by_seller: dict[int, list[PricedLine]] = defaultdict(list)
    for line in priced:
        by_seller[line.seller_id].append(line)
    rates = _shipping_rates(county, zone)
    parcels: list[_SellerParcel] = []
    for seller_id, seller_lines in sorted(by_seller.items()):
        order_lines = [
            OrderLine(
                sku_id=line.item_id,
                product_name_zh=line.product_name,
                product_name_bo=line.product_names.get("bo", ""),
                product_name_en=line.product_names.get("en", ""),
                sku_label_zh=line.label,
                sku_label_bo=line.labels.get("bo", ""),
                sku_label_en=line.labels.get("en", ""),
                selling_unit=line.selling_unit,
                quantity=line.quantity,
                unit_price_fen=line.unit_price_fen,
                line_fen=line.line_fen,
                commission_bp=line.commission_bp,
                commission_fen=line.commission_fen,
            )
            for line in seller_lines
        ]
        storage = pricing.parcel_storage_class(line.storage_class for line in seller_lines)
        weight_g = sum(line.weight_g for line in seller_lines)
        rate = rates.get(storage)
        parcels.append(
            _SellerParcel(
                seller_id=seller_id,
                lines=order_lines,
                items_fen=sum(line.line_fen for line in seller_lines),
                shipping_fen=_shipping_fee(rate, weight_g),
                allowance_fen=sum(line.allowance_fen for line in seller_lines),
                weight_g=weight_g,
                storage_class=storage,
                rate=rate or (0, 0, 0, 0),
            )
        )
    return parcels


@dataclass(frozen=True)
class CheckoutQuote:
    """What a checkout would charge, parcel by parcel, before anything is written."""

    zone: str
    parcels: list[_SellerParcel]

    @property
    def seller_ids(self) -> list[int]:
        return [parcel.seller_id for parcel in self.parcels]

    @property
    def items_fen(self) -> int:
        return sum(parcel.items_fen for parcel in self.parcels)

    @property
    def shipping_fen(self) -> int:
        return sum(parcel.shipping_fen for parcel in self.parcels)

    @property
    def allowance_fen(self) -> int:
        return sum(parcel.allowance_fen for parcel in self.parcels)

    @property
    def total_fen(self) -> int:
        return sum(parcel.total_fen for parcel in self.parcels)


def preview_checkout(
    county: County,
    lines: Sequence[CheckoutLine],
    *,
    delivery: DeliveryDetails,
    price_rule: PriceRule = NO_RULE,
) -> CheckoutQuote:
    """Price `lines` and their shipping as `place_order` would, writing nothing.

    The same functions work out both, so a checkout placed right after its preview
    charges exactly the previewed amounts (unless a price or a rate changed between).
    Only the delivery's zone matters here; `check_delivery` checks the rest.
    """
    if not lines:
        raise ValidationFailed(_("Your cart is empty."), code="empty_cart")
    zone = _zone(county, delivery)
    return CheckoutQuote(
        zone=zone, parcels=_parcels(county, price_lines(county, lines, price_rule), zone)
    )


def check_delivery(county: County, delivery: DeliveryDetails, payment_method: str) -> None:
    """Refuse delivery and payment details that checkout would refuse, as checkout does."""
    if payment_method not in PaymentMethod.values:
        raise ValidationFailed(_("Choose a payment method."), field="payment_method")
    if payment_method == PaymentMethod.CASH_AT_POINT and delivery.method != Delivery.PICKUP:
        raise ValidationFailed(
            _("Cash is paid at a service point; choose pickup at a point."), field="payment_method"
        )
    _check_delivery(county, delivery)


def _remember_lines(order: Order, lines: list[OrderLine]) -> None:
    """Let `order.lines.all()` answer from the lines just written, as a prefetch would.

    bulk_create sets their primary keys (PostgreSQL; SQLite 3.35 and newer), so the
    checkout's answer lists them without reading them back.
    """
    cached = order.lines.all()
    cached._result_cache = lines
    cached._prefetch_done = True  # type: ignore[attr-defined]  # as prefetch_related sets it
    order._prefetched_objects_cache = {"lines": cached}  # type: ignore[attr-defined]


def _place_order(
    county: County,
    lines: Sequence[CheckoutLine],
    *,
    buyer: User,
    actor: User,
    delivery: DeliveryDetails,
    payment_method: str,
    claim: idempotency.Claim | None,
    price_rule: PriceRule,
) -> CheckoutResult:
    """The checkout itself. Call inside place_order's transaction, permission checked."""
    on_behalf = actor.pk != buyer.pk
    check_delivery(county, delivery, payment_method)
    # Stored as the 11 digits, however the buyer typed them ("139 1234 5678", "+86 …").
    delivery = dataclasses.replace(
        delivery, phone=normalise_mobile(delivery.phone) or "" if delivery.phone else ""
    )
    priced = price_lines(county, lines, price_rule)
    # Every amount is known before the first row is written: the payment is inserted
    # once with its total, and nothing written here needs a second statement.
    parcels = _parcels(county, priced, _zone(county, delivery))
    reserved_until = price_rule.reserved_until or hold_until(
        county, payment_method, pickup_point=delivery.pickup_point
    )

    payment = Payment.objects.create(
        county=county,
        payer=buyer,
        method=payment_method,
        amount_fen=sum(parcel.total_fen for parcel in parcels),
        out_trade_no=_number("P"),
    )
    orders: list[Order] = []
    for parcel in parcels:
        order = Order.objects.create(
            county=county,
            number=_number(county.code[-4:]),
            payment=payment,
            buyer=buyer,
            placed_by=actor if on_behalf else None,
            seller_id=parcel.seller_id,
            items_fen=parcel.items_fen,
            shipping_fen=parcel.shipping_fen,
            weight_allowance_fen=parcel.allowance_fen,
            total_fen=parcel.total_fen,
            commission_fen=parcel.commission_fen,
            delivery=delivery.method,
            pickup_point=delivery.pickup_point if delivery.method == Delivery.PICKUP else None,
            pickup_code=f"{secrets.randbelow(10**6):06d}"
            if delivery.method == Delivery.PICKUP
            else "",
            recipient_name=delivery.recipient_name.strip(),
            recipient_phone=delivery.phone,
            province=delivery.province.strip(),
            city=delivery.city.strip(),
            district=delivery.district.strip(),
            township=delivery.township.strip(),
            address_detail=delivery.detail.strip(),
            reserved_until=reserved_until,
        )
        for order_line in parcel.lines:
            order_line.order = order
        _remember_lines(order, OrderLine.objects.bulk_create(parcel.lines))
        orders.append(order)
    audit.record(
        actor,
        "orders.checkout.placed",
        payment,
        {
            "orders": [order.number for order in orders],
            "amount_fen": payment.amount_fen,
            "method": payment_method,
        },
        on_behalf_of=buyer if on_behalf else None,
    )
    if on_behalf:
        # A villager ordering through an agent gets the receipt by text message.
        texts.queue_order_receipts(orders, actor=actor)
    if claim is not None:
        claim.complete(obj=payment)
    # Last, so the hot rows stay locked for as short a time as possible; in a fixed
    # order, so two checkouts cannot deadlock.
    for line in sorted(priced, key=lambda item: (item.source, item.item_id)):
        if not line_source(line.source).reserve(line):
            raise ValidationFailed(
                _("Not enough %(product)s left.") % {"product": line.shown_name},
                field="quantity",
                code="out_of_stock",
            )
    return CheckoutResult(payment=payment, orders=orders, created=True)


# --- state machine ------------------------------------------------------------------------------


def transition(order: Order, new_status: str) -> list[str]:
    """Move `order` to `new_status` or raise; returns the fields to save."""
    return ORDER_MACHINE.move(order, new_status)


def allocate_paid_orders(payment: Payment, *, actor: User | None) -> int:
    """Mark a just-received payment's orders paid (see orders.paying)."""
    return paying.allocate_paid_orders(payment, actor)


# --- reservations and cancellation -------------------------------------------------------------


def _release(order: Order) -> dict[str, int]:
    """Give a cancelled order's goods back. Unpacked, only the reservation goes back to
    sale (no lot was touched); packed, the goods go back into the lots they came from
    (ADR 0010). Returns {lot code: quantity} put back into lots."""
    if order.packed_at is None:
        paying.release_stock([order])
        return {}
    return lot_allocation.return_goods(order, legacy_into_new_lot=True)


def expire_reservations(*, now: dt.datetime | None = None) -> int:
    """Expire the checkouts whose hold ran out (payments.services.expire_payments)."""
    return payment_services.expire_payments(now=now)


def _cancel_payment_if_unpaid(payment: Payment, *, actor: User | None = None) -> None:
    paying.close_payment_if_nothing_left(payment, actor=actor)


# --- paying ------------------------------------------------------------------------------------


def collect_cash(payment: Payment, *, agent: User, point: ServicePoint) -> Payment:
    """An agent takes the cash for a pickup order at their point (payments.receive_cash)."""
    return payment_services.receive_cash(payment, agent=agent, point=point)


def confirm_bank_transfer(payment: Payment, *, actor: User, bank_reference: str) -> Payment:
    """A centre operator confirms a transfer (payments.confirm_bank_transfer)."""
    return payment_services.confirm_bank_transfer(
        payment, actor=actor, bank_reference=bank_reference
    )


def settle_gateway_payment(payment: Payment, *, gateway_trade_no: str, amount_fen: int) -> bool:
    """The gateway says the payment succeeded (payments.receive_gateway_payment)."""
    return payment_services.receive_gateway_payment(
        payment, gateway_trade_no=gateway_trade_no, amount_fen=amount_fen
    )


# --- cancelling -------------------------------------------------------------------------------


def _refund_lines_for(order: Order) -> list[tuple[str, int]]:
    """Whose balances a full refund of `order` comes out of: the reverse of allocation."""
    return postings.full_refund_sources(
        seller_id=order.seller_id,
        items_fen=order.items_fen,
        commission_fen=order.commission_fen,
        shipping_fen=order.shipping_fen,
        # After packing the seller was also credited the catch-weight adjustment.
        adjustment_fen=order.adjustment_fen,
        unsettled_allowance_fen=order.weight_allowance_fen if order.packed_at is None else 0,
    )


@transaction.atomic
def cancel_order(order: Order, *, actor: User, reason: str) -> Order:
    """Cancel before shipping: stock goes back and a paid order is refunded in full (the
    refund is requested here and paid back after commit)."""
    order = paying.lock_order(order.pk)
    require(actor, "orders.cancel_order", order)
    if not reason.strip():
        raise ValidationFailed(_("Say why the order is cancelled."), field="reason")
    was_paid = order.status != OrderStatus.PENDING_PAYMENT
    fields = transition(order, OrderStatus.CANCELLED)
    order.save(update_fields=fields)
    returned_to_lots = _release(order)
    if was_paid:
        refund_amount = (
            order.items_fen + order.shipping_fen + order.adjustment_fen + _allowance_left(order)
        )
        refunds.request_refund(
            order.payment,
            refund_amount,
            reason=reason.strip(),
            reason_key=f"order:{order.pk}:cancelled",
            actor=actor,
            debit_lines=_refund_lines_for(order),
        )
    else:
        _cancel_payment_if_unpaid(order.payment, actor=actor)
    audit.record(
        actor,
        "orders.order.cancelled",
        order,
        {
            "reason": reason.strip(),
            "refunded": was_paid,
            **({"returned_to_lots": returned_to_lots} if returned_to_lots else {}),
        },
        on_behalf_of=order.buyer if order.buyer_id != actor.pk else None,
    )
    return order


def _allowance_left(order: Order) -> int:
    """The weight allowance not yet settled: all of it before packing, none after."""
    return order.weight_allowance_fen if order.packed_at is None else 0


# --- packing, catch weight, shipping --------------------------------------------------------


@transaction.atomic
def pack_order(
    order: Order,
    packed_grams: dict[int, int],
    *,
    actor: User,
    lots: dict[int, int] | None = None,
) -> Order:
    """The seller packs: by-weight lines get their real weight; the difference is settled
    against the allowance and what is left of it refunded to the buyer (requested here,
    paid back after commit: packing never waits for the gateway).

    Each line's units (or packed grams) are taken out of stock lots: first expiry first,
    or wholly out of the lot `lots` names for the line (line id → lot id) (ADR 0010).
    """
    order = paying.lock_order(order.pk)
    require(actor, "orders.fulfil_order", order)
    if order.status != OrderStatus.PAID:
        # Checked before any lot is touched; the state machine is the backstop.
        transition(order, OrderStatus.PACKED)
    all_lines = list(order.lines.order_by("pk"))
    weight_lines = {line.pk: line for line in all_lines if line.selling_unit == "weight"}
    missing = set(weight_lines) - set(packed_grams)
    unknown = set(packed_grams) - set(weight_lines)
    if missing or unknown:
        raise ValidationFailed(
            _("Give the packed weight of every line sold by weight."), field="packed_grams"
        )
    adjustment = 0
    commission_change = 0
    for line_id, grams in packed_grams.items():
        line = weight_lines[line_id]
        low = line.quantity * (100 - WEIGHT_TOLERANCE_PERCENT) / 100
        high = line.quantity * (100 + WEIGHT_TOLERANCE_PERCENT) / 100
        if not low <= grams <= high:
            raise ValidationFailed(
                _("%(product)s: %(grams)d g is outside ±%(tolerance)d%% of %(ordered)d g ordered.")
                % {
                    "product": line.product_name,
                    "grams": grams,
                    "tolerance": WEIGHT_TOLERANCE_PERCENT,
                    "ordered": line.quantity,
                },
                field="packed_grams",
                code="weight_out_of_tolerance",
            )
        line.packed_grams = grams
        line.adjustment_fen = pricing.catch_weight_adjustment_fen(
            unit_price_fen=line.unit_price_fen, ordered_g=line.quantity, packed_g=grams
        )
        # Commission is charged on the packed amount at the rate fixed at checkout: the
        # line's commission becomes the rounded commission on its packed amount, so the
        # change is exact whatever the rounding of the parts (ADR 0006).
        packed_commission = pricing.commission_fen(
            line.line_fen + line.adjustment_fen, line.commission_bp
        )
        commission_change += packed_commission - line.commission_fen
        line.commission_fen = packed_commission
        line.save(update_fields=["packed_grams", "adjustment_fen", "commission_fen"])
        adjustment += line.adjustment_fen
    allocated = lot_allocation.allocate_lines(order, all_lines, lots)
    fields = transition(order, OrderStatus.PACKED)
    order.adjustment_fen = adjustment
    order.commission_fen += commission_change
    order.save(update_fields=[*fields, "adjustment_fen", "commission_fen"])
    leftover = order.weight_allowance_fen - adjustment
    # The allowance leaves buyer clearing: the seller gets the extra weight's price (or
    # gives back the shortfall) less the commission on it, the platform that commission,
    # and the buyer is refunded the rest.
    if adjustment or commission_change:
        post_entry(
            order.county,
            kind="orders.catch_weight.settled",
            memo_code=postings.MEMO_CATCH_WEIGHT,
            memo_params={"order": order.number},
            lines=postings.catch_weight_lines(
                seller_id=order.seller_id,
                adjustment_fen=adjustment,
                commission_change_fen=commission_change,
            ),
            actor=actor,
            reference=order,
        )
    if leftover:
        refunds.request_refund(
            order.payment,
            leftover,
            reason=f"weight allowance of {order.number}",
            reason_key=f"order:{order.pk}:allowance",
            actor=actor,
            debit_lines=[(BUYER_CLEARING, leftover)],
        )
    audit.record(
        actor,
        "orders.order.packed",
        order,
        {
            "packed_grams": {str(k): v for k, v in packed_grams.items()},
            "adjustment_fen": adjustment,
            "commission_change_fen": commission_change,
            "lots": allocated,
        },
    )
    return order


@transaction.atomic
def advance_order(order: Order, new_status: str, *, actor: User) -> Order:
    """Ship, deliver or complete an order (packing has its own action)."""
    order = Order.objects.select_for_update(of=("self",)).get(pk=order.pk)
    permission = (
        {
            OrderStatus.SHIPPED: "orders.fulfil_order",
            OrderStatus.DELIVERED: "orders.deliver_order",
            OrderStatus.COMPLETED: "orders.deliver_order",
        }.get(OrderStatus(new_status))
        if new_status in OrderStatus.values
        else None
    )
    if permission is None:
        raise ValidationFailed(
            _("Use the packing or cancelling action for this."), code="bad_transition"
        )
    require(actor, permission, order)
    fields = transition(order, new_status)
    order.save(update_fields=fields)
    audit.record(actor, f"orders.order.{new_status}", order, {})
    return order


@transaction.atomic
def record_pickup(order: Order, *, agent: User, pickup_code: str) -> Order:
    """The villager collects a parcel at the point; the code on their receipt proves it."""
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("pickup_point")
        .get(pk=order.pk)
    )
    if order.pickup_point is None:
        raise ValidationFailed(_("This order is delivered to an address."), code="not_pickup")
    require(agent, "orders.collect_cash", order.pickup_point)
    network_services.require_active_point(order.pickup_point)
    if not secrets.compare_digest(order.pickup_code.encode(), pickup_code.strip().encode()):
        raise ValidationFailed(_("The pickup code does not match."), field="pickup_code")
    fields = transition(order, OrderStatus.DELIVERED)
    order.picked_up_at = order.delivered_at
    order.save(update_fields=[*fields, "picked_up_at"])
    audit.record(agent, "orders.order.picked_up", order, {}, on_behalf_of=order.buyer)
    return order


def reconcile_gateway_payments(*, older_than: dt.timedelta = dt.timedelta(minutes=5)) -> int:
    """Receive online payments whose notification was lost (payments reconciliation)."""
    return payment_services.reconcile_gateway_payments(older_than=older_than)
