"""Checkout, the order state machine, cancellation and catch-weight settlement.

Stock is reserved with one conditional UPDATE per SKU (catalog.services.reserve_stock)
at the END of the checkout transaction, after every row of the order is written, so a
hot SKU's row lock is held only from that statement to COMMIT.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.catalog import services as catalog_services
from highland.catalog.models import Sku
from highland.core import audit
from highland.core.errors import DomainError, NotFound, ValidationFailed
from highland.core.models import County, User
from highland.core.permissions import require
from highland.ledger import accounts
from highland.ledger.services import post_entry
from highland.network.models import Service, ServicePoint, Tier
from highland.orders import pricing
from highland.orders.models import (
    ORDER_MACHINE,
    Delivery,
    Order,
    OrderLine,
    OrderStatus,
    ShippingRate,
)
from highland.payments import services as payment_services
from highland.payments.models import Payment, PaymentMethod, PaymentStatus

RESERVATION_MINUTES = 30
WEIGHT_TOLERANCE_PERCENT = 5
MIN_WEIGHT_GRAMS = 50
MAX_LINES = 50
MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")
CHECKOUT_SKU_FIELDS = (
    "county_id",
    "active",
    "selling_unit",
    "price_fen",
    "unit_weight_g",
    "label_zh",
    "product__name_zh",
    "product__status",
    "product__seller_id",
    "product__storage_class",
)


@dataclass(frozen=True)
class CheckoutLine:
    sku_id: int
    quantity: int  # units, or grams for a SKU sold by weight


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
    if delivery.phone and not MAINLAND_MOBILE.match(delivery.phone):
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


def _load_skus(county: County, lines: Sequence[CheckoutLine]) -> dict[int, Sku]:
    if not lines:
        raise ValidationFailed(_("The cart is empty."), field="lines", code="empty_cart")
    if len(lines) > MAX_LINES:
        raise ValidationFailed(_("Too many lines in one order."), field="lines")
    seen: set[int] = set()
    for line in lines:
        if line.quantity <= 0:
            raise ValidationFailed(_("Quantity must be at least 1."), field="quantity")
        if line.sku_id in seen:
            raise ValidationFailed(_("Each product variant may appear once."), field="lines")
        seen.add(line.sku_id)
    skus = {
        sku.pk: sku
        for sku in Sku.objects.filter(pk__in=seen, county=county)
        .select_related("product")
        # Only what a checkout reads: the trilingual texts and stories stay behind.
        .only(*CHECKOUT_SKU_FIELDS)
    }
    for line in lines:
        sku = skus.get(line.sku_id)
        if sku is None:
            # Missing and another county's SKU look the same.
            raise NotFound(_("Unknown product variant."), field="sku_id")
        if not sku.active or sku.product.status != "active":
            raise ValidationFailed(
                _("%(product)s is no longer for sale.") % {"product": sku.product.name_zh},
                field="sku_id",
                code="not_for_sale",
            )
        if sku.selling_unit == "weight" and line.quantity < MIN_WEIGHT_GRAMS:
            raise ValidationFailed(
                _("Order at least %(grams)d g of goods sold by weight.")
                % {"grams": MIN_WEIGHT_GRAMS},
                field="quantity",
            )
    return skus


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


def place_order(
    county: County,
    lines: Sequence[CheckoutLine],
    *,
    buyer: User,
    actor: User,
    delivery: DeliveryDetails,
    payment_method: str,
    idempotency_key: str = "",
) -> CheckoutResult:
    """Reserve stock and create one payment and one order per seller.

    Never oversells: each SKU is decremented by a conditional UPDATE that fails when
    too little is left, and any failure rolls the whole checkout back. With an
    idempotency key, repeating the call returns the first result.
    """
    try:
        return _place_order(
            county,
            lines,
            buyer=buyer,
            actor=actor,
            delivery=delivery,
            payment_method=payment_method,
            idempotency_key=idempotency_key,
        )
    except (IntegrityError, DomainError):
        # The key is checked after the fact, so a first checkout (the usual case) costs
        # no extra query: a repeat fails on the payment's unique key, or is refused by
        # checks the first one passed (say, its stock is now gone), and either way the
        # first result is what the caller gets.
        existing = _existing_checkout(county, buyer, idempotency_key) if idempotency_key else None
        if existing is None:
            raise
        return existing


def _existing_checkout(county: County, buyer: User, key: str) -> CheckoutResult | None:
    payment = Payment.objects.filter(county=county, payer=buyer, idempotency_key=key).first()
    if payment is None:
        return None
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

    @property
    def total_fen(self) -> int:
        return self.items_fen + self.shipping_fen + self.allowance_fen


def _parcels(
    county: County, lines: Sequence[CheckoutLine], skus: dict[int, Sku], zone: str
) -> list[_SellerParcel]:
    by_seller: dict[int, list[CheckoutLine]] = defaultdict(list)
    for line in lines:
        by_seller[skus[line.sku_id].product.seller_id].append(line)
    rates = _shipping_rates(county, zone)
    parcels: list[_SellerParcel] = []
    for seller_id, seller_lines in sorted(by_seller.items()):
        order_lines: list[OrderLine] = []
        weight_g = 0
        allowance = 0
        for line in seller_lines:
            sku = skus[line.sku_id]
            by_weight = sku.selling_unit == "weight"
            amount = pricing.line_amount_fen(
                unit_price_fen=sku.price_fen, quantity=line.quantity, by_weight=by_weight
            )
            if by_weight:
                weight_g += line.quantity
                upper = line.quantity * (100 + WEIGHT_TOLERANCE_PERCENT) // 100
                allowance += (
                    pricing.line_amount_fen(
                        unit_price_fen=sku.price_fen, quantity=upper, by_weight=True
                    )
                    - amount
                )
            else:
                weight_g += (sku.unit_weight_g or 0) * line.quantity
            order_lines.append(
                OrderLine(
                    sku_id=sku.pk,
                    product_name=sku.product.name_zh,
                    sku_label=sku.label_zh,
                    selling_unit=sku.selling_unit,
                    quantity=line.quantity,
                    unit_price_fen=sku.price_fen,
                    line_fen=amount,
                )
            )
        storage = pricing.parcel_storage_class(
            skus[line.sku_id].product.storage_class for line in seller_lines
        )
        parcels.append(
            _SellerParcel(
                seller_id=seller_id,
                lines=order_lines,
                items_fen=sum(order_line.line_fen for order_line in order_lines),
                shipping_fen=_shipping_fee(rates.get(storage), weight_g),
                allowance_fen=allowance,
            )
        )
    return parcels


def _remember_lines(order: Order, lines: list[OrderLine]) -> None:
    """Let `order.lines.all()` answer from the lines just written, as a prefetch would.

    bulk_create sets their primary keys (PostgreSQL; SQLite 3.35 and newer), so the
    checkout's answer lists them without reading them back.
    """
    cached = order.lines.all()
    cached._result_cache = lines
    cached._prefetch_done = True  # type: ignore[attr-defined]  # as prefetch_related sets it
    order._prefetched_objects_cache = {"lines": cached}  # type: ignore[attr-defined]


@transaction.atomic
def _place_order(
    county: County,
    lines: Sequence[CheckoutLine],
    *,
    buyer: User,
    actor: User,
    delivery: DeliveryDetails,
    payment_method: str,
    idempotency_key: str,
) -> CheckoutResult:
    on_behalf = actor.pk != buyer.pk
    if on_behalf:
        require(actor, "orders.place_for_villager", county)
    else:
        require(actor, "orders.place_order", county)
    if buyer.county_id != county.pk:
        raise NotFound(_("No such buyer."), field="buyer")
    if payment_method not in PaymentMethod.values:
        raise ValidationFailed(_("Choose a payment method."), field="payment_method")
    if payment_method == PaymentMethod.CASH_AT_POINT and delivery.method != Delivery.PICKUP:
        raise ValidationFailed(
            _("Cash is paid at a service point; choose pickup at a point."), field="payment_method"
        )
    _check_delivery(county, delivery)
    skus = _load_skus(county, lines)
    # Every amount is known before the first row is written: the payment is inserted
    # once with its total, and nothing written here needs a second statement.
    parcels = _parcels(county, lines, skus, _zone(county, delivery))
    reserved_until = timezone.now() + dt.timedelta(minutes=RESERVATION_MINUTES)

    payment = Payment.objects.create(
        county=county,
        payer=buyer,
        method=payment_method,
        amount_fen=sum(parcel.total_fen for parcel in parcels),
        out_trade_no=_number("P"),
        idempotency_key=idempotency_key,
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
    # Last, so the hot rows stay locked for as short a time as possible.
    for line in sorted(lines, key=lambda item: item.sku_id):
        if not catalog_services.reserve_stock(line.sku_id, line.quantity):
            sku = skus[line.sku_id]
            raise ValidationFailed(
                _("Not enough %(product)s left.") % {"product": sku.product.name_zh},
                field="quantity",
                code="out_of_stock",
            )
    return CheckoutResult(payment=payment, orders=orders, created=True)


# --- state machine ------------------------------------------------------------------------------


def transition(order: Order, new_status: str) -> list[str]:
    """Move `order` to `new_status` or raise; returns the fields to save."""
    return ORDER_MACHINE.move(order, new_status)


def allocate_paid_orders(payment: Payment, *, actor: User | None) -> None:
    """Mark every order of a just-paid payment paid, fix its commission and post who is owed
    what. Call inside the payment's transaction, after the money was posted as received."""
    lines_to_post: list[tuple[str, int]] = []
    for order in (
        payment.orders.select_related("seller")
        .prefetch_related("lines__sku__product__category")
        .order_by("pk")
    ):
        fields = transition(order, OrderStatus.PAID)
        order.commission_fen = sum(
            pricing.commission_fen(line.line_fen, _commission_rate(order, line))
            for line in order.lines.all()
        )
        order.save(update_fields=[*fields, "commission_fen"])
        lines_to_post += [
            (BUYER_CLEARING, order.items_fen + order.shipping_fen),
            (seller_payable_account(order.seller_id), -(order.items_fen - order.commission_fen)),
        ]
        if order.commission_fen:
            lines_to_post.append((COMMISSION_INCOME, -order.commission_fen))
        if order.shipping_fen:
            lines_to_post.append((SHIPPING_INCOME, -order.shipping_fen))
    post_entry(
        payment.county,
        kind="orders.payment.allocated",
        description=f"Orders of payment {payment.out_trade_no} paid",
        lines=_merge(lines_to_post),
        actor=actor,
        reference=payment,
    )


def _commission_rate(order: Order, line: OrderLine) -> int:
    override = getattr(order.seller, "commission_override_bp", None)
    if override is not None:
        return int(override)
    return int(line.sku.product.category.commission_bp)


def _merge(lines: list[tuple[str, int]]) -> list[tuple[str, int]]:
    totals: dict[str, int] = defaultdict(int)
    for account, amount in lines:
        totals[account] += amount
    return [(account, amount) for account, amount in totals.items() if amount]


# --- reservations and cancellation -------------------------------------------------------------


def _release(order: Order) -> None:
    for line in order.lines.all():
        catalog_services.release_stock(line.sku_id, line.quantity)


@transaction.atomic
def expire_reservations(*, now: dt.datetime | None = None) -> int:
    """Cancel unpaid orders whose hold ran out and give their stock back; returns how many."""
    now = now or timezone.now()
    expired = 0
    for order in (
        Order.objects.select_for_update(skip_locked=True)
        .filter(status=OrderStatus.PENDING_PAYMENT, reserved_until__lt=now)
        .order_by("pk")
    ):
        fields = transition(order, OrderStatus.CANCELLED)
        order.save(update_fields=fields)
        _release(order)
        audit.record(
            None,
            "orders.order.expired",
            order,
            {"reserved_until": order.reserved_until.isoformat()},
        )
        _cancel_payment_if_unpaid(order.payment)
        expired += 1
    return expired


def _cancel_payment_if_unpaid(payment: Payment) -> None:
    if (
        payment.status == PaymentStatus.PENDING
        and not payment.orders.exclude(status=OrderStatus.CANCELLED).exists()
    ):
        payment.status = PaymentStatus.CANCELLED
        payment.save(update_fields=["status"])


# --- paying ------------------------------------------------------------------------------------


@transaction.atomic
def collect_cash(payment: Payment, *, agent: User, point: ServicePoint) -> Payment:
    """An agent takes the cash for a pickup order at their point; the orders become paid."""
    require(agent, "orders.collect_cash", point)
    payment = payment_services.lock_payment(payment.pk)
    if payment.method != PaymentMethod.CASH_AT_POINT:
        raise ValidationFailed(_("This payment is not paid in cash."), code="wrong_method")
    if payment.orders.exclude(pickup_point=point).exists():
        raise ValidationFailed(
            _("These orders are picked up at another point."), code="wrong_point"
        )
    payment_services.record_received(payment, actor=agent, point=point, collected_by=agent)
    allocate_paid_orders(payment, actor=agent)
    audit.record(
        agent,
        "orders.payment.cash_collected",
        payment,
        {"amount_fen": payment.amount_fen, "point": point.code},
        on_behalf_of=payment.payer if payment.payer_id != agent.pk else None,
    )
    return payment


@transaction.atomic
def confirm_bank_transfer(payment: Payment, *, actor: User, bank_reference: str) -> Payment:
    """A centre operator confirms the transfer arrived on the platform's account."""
    require(actor, "orders.confirm_transfer", payment.county)
    if not bank_reference.strip():
        raise ValidationFailed(
            _("Enter the bank's reference for the transfer."), field="bank_reference"
        )
    payment = payment_services.lock_payment(payment.pk)
    if payment.method != PaymentMethod.BANK_TRANSFER:
        raise ValidationFailed(_("This payment is not a bank transfer."), code="wrong_method")
    payment_services.record_received(payment, actor=actor, bank_reference=bank_reference.strip())
    allocate_paid_orders(payment, actor=actor)
    audit.record(
        actor,
        "orders.payment.transfer_confirmed",
        payment,
        {"amount_fen": payment.amount_fen, "bank_reference": bank_reference.strip()},
    )
    return payment


@transaction.atomic
def settle_gateway_payment(payment: Payment, *, gateway_trade_no: str, amount_fen: int) -> bool:
    """The gateway says the payment succeeded. Returns False when it was already settled,
    so the same notification ten times pays once."""
    payment = payment_services.lock_payment(payment.pk)
    if payment.status != PaymentStatus.PENDING:
        return False
    if amount_fen != payment.amount_fen:
        raise ValidationFailed(
            _("The paid amount does not match the payment."), code="amount_mismatch"
        )
    if payment.orders.filter(status=OrderStatus.CANCELLED).exists():
        # Paid after the hold ran out: take the money in, then give it straight back.
        payment_services.record_received(payment, actor=None, gateway_trade_no=gateway_trade_no)
        audit.record(None, "orders.payment.late", payment, {"gateway_trade_no": gateway_trade_no})
        payment_services.refund(
            payment,
            payment.amount_fen,
            reason="paid after the order expired",
            actor=None,
            debit_lines=[(BUYER_CLEARING, payment.amount_fen)],
        )
        return True
    payment_services.record_received(payment, actor=None, gateway_trade_no=gateway_trade_no)
    allocate_paid_orders(payment, actor=None)
    audit.record(
        None,
        "orders.payment.gateway_paid",
        payment,
        {"amount_fen": amount_fen, "gateway_trade_no": gateway_trade_no},
    )
    return True


# --- cancelling -------------------------------------------------------------------------------


def _refund_lines_for(order: Order) -> list[tuple[str, int]]:
    """Whose balances a full refund of `order` comes out of: the reverse of allocation."""
    # After packing the seller was also credited the catch-weight adjustment.
    lines = [
        (
            seller_payable_account(order.seller_id),
            order.items_fen - order.commission_fen + order.adjustment_fen,
        )
    ]
    if order.commission_fen:
        lines.append((COMMISSION_INCOME, order.commission_fen))
    if order.shipping_fen:
        lines.append((SHIPPING_INCOME, order.shipping_fen))
    unsettled_allowance = order.weight_allowance_fen if order.packed_at is None else 0
    if unsettled_allowance:
        lines.append((BUYER_CLEARING, unsettled_allowance))
    return [(account, amount) for account, amount in lines if amount]


@transaction.atomic
def cancel_order(order: Order, *, actor: User, reason: str) -> Order:
    """Cancel before shipping: stock goes back and a paid order is refunded in full."""
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("payment", "county")
        .get(pk=order.pk)
    )
    require(actor, "orders.cancel_order", order)
    if not reason.strip():
        raise ValidationFailed(_("Say why the order is cancelled."), field="reason")
    was_paid = order.status != OrderStatus.PENDING_PAYMENT
    fields = transition(order, OrderStatus.CANCELLED)
    order.save(update_fields=fields)
    _release(order)
    if was_paid:
        refund_amount = (
            order.items_fen + order.shipping_fen + order.adjustment_fen + _allowance_left(order)
        )
        payment_services.refund(
            order.payment,
            refund_amount,
            reason=reason.strip(),
            actor=actor,
            debit_lines=_refund_lines_for(order),
        )
    else:
        _cancel_payment_if_unpaid(order.payment)
    audit.record(
        actor,
        "orders.order.cancelled",
        order,
        {"reason": reason.strip(), "refunded": was_paid},
        on_behalf_of=order.buyer if order.buyer_id != actor.pk else None,
    )
    return order


def _allowance_left(order: Order) -> int:
    """The weight allowance not yet settled: all of it before packing, none after."""
    return order.weight_allowance_fen if order.packed_at is None else 0


# --- packing, catch weight, shipping --------------------------------------------------------


@transaction.atomic
def pack_order(order: Order, packed_grams: dict[int, int], *, actor: User) -> Order:
    """The seller packs: by-weight lines get their real weight; the difference is settled
    against the allowance and what is left of it refunded to the buyer."""
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("payment", "county")
        .get(pk=order.pk)
    )
    require(actor, "orders.fulfil_order", order)
    weight_lines = {line.pk: line for line in order.lines.all() if line.selling_unit == "weight"}
    missing = set(weight_lines) - set(packed_grams)
    unknown = set(packed_grams) - set(weight_lines)
    if missing or unknown:
        raise ValidationFailed(
            _("Give the packed weight of every line sold by weight."), field="packed_grams"
        )
    adjustment = 0
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
        line.save(update_fields=["packed_grams", "adjustment_fen"])
        adjustment += line.adjustment_fen
    fields = transition(order, OrderStatus.PACKED)
    order.adjustment_fen = adjustment
    order.save(update_fields=[*fields, "adjustment_fen"])
    leftover = order.weight_allowance_fen - adjustment
    if order.weight_allowance_fen:
        # The allowance leaves buyer clearing: the seller gets the extra weight's price
        # (or gives back the shortfall), the buyer gets the rest.
        ledger_lines = [(BUYER_CLEARING, order.weight_allowance_fen)]
        if adjustment:
            ledger_lines.append((seller_payable_account(order.seller_id), -adjustment))
        if leftover:
            ledger_lines.append((accounts.REFUNDS_DUE, -leftover))
        post_entry(
            order.county,
            kind="orders.catch_weight.settled",
            description=f"Catch weight of order {order.number}",
            lines=ledger_lines,
            actor=actor,
            reference=order,
        )
        if leftover:
            payment_services.refund(
                order.payment,
                leftover,
                reason=f"weight allowance of {order.number}",
                actor=actor,
                debit_lines=[(accounts.REFUNDS_DUE, leftover)],
            )
    audit.record(
        actor,
        "orders.order.packed",
        order,
        {
            "packed_grams": {str(k): v for k, v in packed_grams.items()},
            "adjustment_fen": adjustment,
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
    if not secrets.compare_digest(order.pickup_code.encode(), pickup_code.strip().encode()):
        raise ValidationFailed(_("The pickup code does not match."), field="pickup_code")
    fields = transition(order, OrderStatus.DELIVERED)
    order.picked_up_at = order.delivered_at
    order.save(update_fields=[*fields, "picked_up_at"])
    audit.record(agent, "orders.order.picked_up", order, {}, on_behalf_of=order.buyer)
    return order


def reconcile_gateway_payments(*, older_than: dt.timedelta = dt.timedelta(minutes=5)) -> int:
    """Ask the gateway about online payments still pending after `older_than`: a payment the
    gateway has as paid, whose notification never reached us, is settled now. Returns how
    many were settled. Scheduled every few minutes; safe to run any time (settling is
    idempotent)."""
    from highland.payments.gateway import ChargeStatus, GatewayError

    cutoff = timezone.now() - older_than
    settled = 0
    pending = Payment.objects.filter(
        method=PaymentMethod.GATEWAY, status=PaymentStatus.PENDING, created_at__lt=cutoff
    ).order_by("pk")
    client = payment_services.gateway_client()
    for payment in pending:
        try:
            state = client.query_charge(payment.out_trade_no)
        except GatewayError as error:
            if error.status == 404:
                continue  # the buyer never opened the pay page
            raise
        if state.status in (
            ChargeStatus.PAID,
            ChargeStatus.PARTIALLY_REFUNDED,
            ChargeStatus.REFUNDED,
        ):
            with transaction.atomic():
                if settle_gateway_payment(
                    payment, gateway_trade_no=state.gateway_trade_no, amount_fen=state.amount_fen
                ):
                    audit.record(
                        None,
                        "orders.payment.reconciled",
                        payment,
                        {"gateway_trade_no": state.gateway_trade_no},
                    )
                    settled += 1
    return settled
