"""API for carts, checkout and orders: the same services as the pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Header, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from highland.core.access import home_county
from highland.core.errors import NotFound, ValidationFailed
from highland.core.models import User
from highland.core.schemas import ERROR_RESPONSES
from highland.network.access import access_point
from highland.orders import cart as carts
from highland.orders import services
from highland.orders.access import access_order, access_payment
from highland.orders.models import Delivery, Order, OrderStatus
from highland.orders.selectors import orders_visible_to
from highland.payments.models import PaymentMethod

router = Router(tags=["orders"])


class CartLineIn(Schema):
    sku_id: int
    quantity: int = Field(..., description="Units, or grams for goods sold by weight")


class CartLineOut(Schema):
    sku_id: int
    quantity: int


class CartOut(Schema):
    lines: list[CartLineOut]


class DeliveryIn(Schema):
    method: Delivery
    recipient_name: str = Field(..., max_length=60)
    phone: str = Field("", max_length=20)
    province: str = Field("", max_length=20)
    city: str = Field("", max_length=30)
    district: str = Field("", max_length=30)
    township: str = Field("", max_length=30)
    detail: str = Field("", max_length=120)
    pickup_point_id: int | None = None


class CheckoutIn(Schema):
    delivery: DeliveryIn
    payment_method: PaymentMethod
    lines: list[CartLineIn] | None = Field(
        None, description="Lines to buy; when omitted, the caller's cart is checked out"
    )
    buyer_id: int | None = Field(None, description="An agent ordering for a villager names them")


class OrderLineOut(Schema):
    id: int
    sku_id: int
    product_name: str
    sku_label: str
    selling_unit: str
    quantity: int
    unit_price_fen: int
    line_fen: int
    packed_grams: int | None
    adjustment_fen: int


class OrderOut(Schema):
    id: int
    number: str
    status: OrderStatus
    seller_id: int
    buyer_id: int
    placed_by_id: int | None
    payment_id: int
    items_fen: int
    shipping_fen: int
    weight_allowance_fen: int
    adjustment_fen: int
    commission_fen: int
    total_fen: int
    delivery: Delivery
    pickup_point_id: int | None
    reserved_until: datetime
    created_at: datetime
    lines: list[OrderLineOut]


class CheckoutOut(Schema):
    payment_id: int
    out_trade_no: str
    amount_fen: int
    payment_method: PaymentMethod
    created: bool
    orders: list[OrderOut]


class ReasonIn(Schema):
    reason: str = Field(..., max_length=200)


class PackIn(Schema):
    packed_grams: dict[int, int] = Field(default_factory=dict, description="order line id → grams")


class PickupIn(Schema):
    pickup_code: str = Field(..., max_length=8)


class CashIn(Schema):
    point_id: int


class TransferIn(Schema):
    bank_reference: str = Field(..., max_length=64)


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise HttpError(401, "Log in or send a device token.")
    return request.user


def order_out(order: Order) -> dict[str, Any]:
    data = {name: getattr(order, name) for name in OrderOut.model_fields if name != "lines"}
    data["lines"] = [
        {name: getattr(line, name) for name in OrderLineOut.model_fields}
        for line in order.lines.all()
    ]
    return data


# --- cart ---------------------------------------------------------------------------------------


@router.get("/cart", response={200: CartOut, **ERROR_RESPONSES})
def get_cart(request: HttpRequest) -> dict[str, Any]:
    user = _user(request)
    cart = carts.cart_for(home_county(user), user=user, session_key="")
    return {
        "lines": [
            {"sku_id": line.sku_id, "quantity": line.quantity}
            for line in cart.lines.order_by("sku_id")
        ]
    }


@router.post("/cart/lines", response={200: CartOut, **ERROR_RESPONSES})
def add_cart_line(request: HttpRequest, payload: CartLineIn) -> dict[str, Any]:
    user = _user(request)
    cart = carts.cart_for(home_county(user), user=user, session_key="")
    carts.add_to_cart(cart, payload.sku_id, payload.quantity)
    return get_cart(request)


@router.put("/cart/lines/{sku_id}", response={200: CartOut, **ERROR_RESPONSES})
def set_cart_line(request: HttpRequest, sku_id: int, payload: CartLineOut) -> dict[str, Any]:
    user = _user(request)
    if payload.sku_id != sku_id:
        raise ValidationFailed(_("The SKU in the body differs from the path."), field="sku_id")
    cart = carts.cart_for(home_county(user), user=user, session_key="")
    carts.set_cart_quantity(cart, sku_id, payload.quantity)
    return get_cart(request)


# --- checkout -----------------------------------------------------------------------------------


@router.post("/checkout", response={201: CheckoutOut, 200: CheckoutOut, **ERROR_RESPONSES})
def checkout(
    request: HttpRequest,
    payload: CheckoutIn,
    idempotency_key: str = Header(..., alias="Idempotency-Key", min_length=8, max_length=80),
) -> Status[dict[str, Any]]:
    """Place one payment and one order per seller. Repeat with the same Idempotency-Key
    and the first result comes back (200) instead of a second order."""
    user = _user(request)
    county = home_county(user)
    buyer = user
    if payload.buyer_id is not None and payload.buyer_id != user.pk:
        buyer = User.objects.filter(pk=payload.buyer_id, county=county).first()  # type: ignore[assignment]
        if buyer is None:
            raise NotFound(_("No such buyer."), field="buyer_id")
    delivery_in = payload.delivery
    point = access_point(user, delivery_in.pickup_point_id) if delivery_in.pickup_point_id else None
    delivery = services.DeliveryDetails(
        method=delivery_in.method,
        recipient_name=delivery_in.recipient_name,
        phone=delivery_in.phone,
        province=delivery_in.province,
        city=delivery_in.city,
        district=delivery_in.district,
        township=delivery_in.township,
        detail=delivery_in.detail,
        pickup_point=point,
    )
    cart = None
    if payload.lines is None:
        cart = carts.cart_for(county, user=user, session_key="")
        lines = carts.checkout_lines(cart)
    else:
        lines = [
            services.CheckoutLine(sku_id=line.sku_id, quantity=line.quantity)
            for line in payload.lines
        ]
    result = services.place_order(
        county,
        lines,
        buyer=buyer,
        actor=user,
        delivery=delivery,
        payment_method=payload.payment_method,
        idempotency_key=idempotency_key,
    )
    if cart is not None and result.created:
        carts.clear_cart(cart)
    body = {
        "payment_id": result.payment.pk,
        "out_trade_no": result.payment.out_trade_no,
        "amount_fen": result.payment.amount_fen,
        "payment_method": result.payment.method,
        "created": result.created,
        "orders": [order_out(order) for order in result.orders],
    }
    return Status(201 if result.created else 200, body)


# --- orders -------------------------------------------------------------------------------------


@router.get("/", response={200: list[OrderOut], **ERROR_RESPONSES})
def list_orders(
    request: HttpRequest, status: OrderStatus | None = None, limit: int = 50, offset: int = 0
) -> list[dict[str, Any]]:
    user = _user(request)
    home_county(user)
    if not 1 <= limit <= 200 or offset < 0:
        raise ValidationFailed(_("limit is 1 to 200 and offset at least 0."), field="limit")
    orders = orders_visible_to(user).prefetch_related("lines")
    if status:
        orders = orders.filter(status=status)
    return [order_out(order) for order in orders[offset : offset + limit]]


@router.get("/{order_id}", response={200: OrderOut, **ERROR_RESPONSES})
def get_order(request: HttpRequest, order_id: int) -> dict[str, Any]:
    return order_out(access_order(_user(request), order_id))


@router.post("/{order_id}/cancel", response={200: OrderOut, **ERROR_RESPONSES})
def cancel(request: HttpRequest, order_id: int, payload: ReasonIn) -> dict[str, Any]:
    user = _user(request)
    order = services.cancel_order(access_order(user, order_id), actor=user, reason=payload.reason)
    return order_out(order)


@router.post("/{order_id}/pack", response={200: OrderOut, **ERROR_RESPONSES})
def pack(request: HttpRequest, order_id: int, payload: PackIn) -> dict[str, Any]:
    user = _user(request)
    return order_out(
        services.pack_order(access_order(user, order_id), payload.packed_grams, actor=user)
    )


@router.post("/{order_id}/pickup", response={200: OrderOut, **ERROR_RESPONSES})
def pickup(request: HttpRequest, order_id: int, payload: PickupIn) -> dict[str, Any]:
    user = _user(request)
    return order_out(
        services.record_pickup(
            access_order(user, order_id), agent=user, pickup_code=payload.pickup_code
        )
    )


@router.post("/payments/{payment_id}/cash", response={200: CheckoutOut, **ERROR_RESPONSES})
def collect_cash(request: HttpRequest, payment_id: int, payload: CashIn) -> dict[str, Any]:
    user = _user(request)
    payment = services.collect_cash(
        access_payment(user, payment_id), agent=user, point=access_point(user, payload.point_id)
    )
    return _payment_out(payment)


@router.post(
    "/payments/{payment_id}/confirm-transfer", response={200: CheckoutOut, **ERROR_RESPONSES}
)
def confirm_transfer(request: HttpRequest, payment_id: int, payload: TransferIn) -> dict[str, Any]:
    user = _user(request)
    payment = services.confirm_bank_transfer(
        access_payment(user, payment_id), actor=user, bank_reference=payload.bank_reference
    )
    return _payment_out(payment)


@router.post("/{order_id}/{step}", response={200: OrderOut, **ERROR_RESPONSES})
def advance(request: HttpRequest, order_id: int, step: str) -> dict[str, Any]:
    """`ship`, `deliver` or `complete` an order."""
    user = _user(request)
    statuses = {
        "ship": OrderStatus.SHIPPED,
        "deliver": OrderStatus.DELIVERED,
        "complete": OrderStatus.COMPLETED,
    }
    if step not in statuses:
        raise NotFound(_("No such action."))
    return order_out(
        services.advance_order(access_order(user, order_id), statuses[step], actor=user)
    )


def _payment_out(payment: Any) -> dict[str, Any]:
    return {
        "payment_id": payment.pk,
        "out_trade_no": payment.out_trade_no,
        "amount_fen": payment.amount_fen,
        "payment_method": payment.method,
        "created": False,
        "orders": [
            order_out(order) for order in payment.orders.prefetch_related("lines").order_by("pk")
        ],
    }
