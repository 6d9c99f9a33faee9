"""The orders router, the schemas its endpoints share, and small helpers."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from pydantic import StrictInt

from highland.core.models import User
from highland.core.permissions import allowed
from highland.core.schemas import (
    MAX_QUANTITY,
    FenAmount,
    Grams,
    ObjectId,
    Quantity,
    StrictObjectId,
)
from highland.orders.models import (
    AfterSaleKind,
    AfterSaleReason,
    AfterSaleStatus,
    Carrier,
    Delivery,
    Order,
    OrderStatus,
)
from highland.payments.models import PaymentMethod

router = Router(tags=["orders"])


class CartLineIn(Schema):
    sku_id: StrictObjectId
    quantity: Quantity


class CartQuantityIn(Schema):
    sku_id: StrictObjectId
    quantity: StrictInt = Field(
        ..., ge=0, le=MAX_QUANTITY, description="Units, or grams by weight; 0 removes the line."
    )


class CartLineOut(Schema):
    sku_id: int
    quantity: int


class CartOut(Schema):
    lines: list[CartLineOut]


class DeliveryIn(Schema):
    method: Delivery
    recipient_name: str = Field(..., max_length=60)
    phone: str = Field("", max_length=24)
    province: str = Field("", max_length=20)
    city: str = Field("", max_length=30)
    district: str = Field("", max_length=30)
    township: str = Field("", max_length=30)
    detail: str = Field("", max_length=120)
    pickup_point_id: StrictObjectId | None = None


class CheckoutIn(Schema):
    delivery: DeliveryIn
    payment_method: PaymentMethod
    lines: list[CartLineIn] | None = Field(
        None, description="Lines to buy; when omitted, the caller's cart is checked out"
    )
    buyer_id: StrictObjectId | None = Field(
        None, description="An agent ordering for a villager names them"
    )


class QuoteDeliveryIn(Schema):
    method: Delivery
    province: str = Field("", max_length=20, description="For delivery to an address")
    district: str = Field("", max_length=30, description="For delivery to an address")


class QuoteIn(Schema):
    delivery: QuoteDeliveryIn
    lines: list[CartLineIn] | None = Field(
        None, description="Lines to price; when omitted, the caller's cart is priced"
    )


class QuoteLineOut(Schema):
    sku_id: int
    product_name: str
    sku_label: str
    selling_unit: str
    quantity: int
    unit_price_fen: int
    line_fen: int


class QuoteParcelOut(Schema):
    seller_id: int
    seller_name: str
    items_fen: int
    shipping_fen: int
    weight_allowance_fen: int
    total_fen: int
    weight_g: int
    storage_class: str
    first_weight_g: int = Field(..., description="The first step's weight, charged first_fee_fen")
    first_fee_fen: int
    step_weight_g: int = Field(..., description="Each further step (or part), step_fee_fen")
    step_fee_fen: int
    lines: list[QuoteLineOut]


class QuoteOut(Schema):
    zone: str
    items_fen: int
    shipping_fen: int
    weight_allowance_fen: int
    total_fen: int
    parcels: list[QuoteParcelOut]


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
    pickup_code: str | None = Field(
        None,
        description="Shown to the buyer, their agent and the pickup point's agents; else null",
    )
    carrier: Carrier | Literal[""] = Field(..., description="Set when shipped; else empty")
    carrier_name: str = Field(..., description="The carrier's name when `carrier` is other")
    tracking_number: str
    reserved_until: datetime
    created_at: datetime
    lines: list[OrderLineOut]


class PickupCodeOut(Schema):
    order_id: int
    number: str
    status: OrderStatus
    pickup_point_id: int
    pickup_code: str = Field(..., description="Said or shown at the pickup point")


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
    packed_grams: dict[ObjectId, Grams] = Field(
        default_factory=dict, description="order line id → grams"
    )
    lots: dict[ObjectId, ObjectId] = Field(
        default_factory=dict,
        description=(
            "Optional: order line id → stock lot id to pack that line from (a lot of the "
            "line's SKU holding enough). Lines not named are packed first expiry first."
        ),
    )


class ShipIn(Schema):
    carrier: Carrier
    tracking_number: str = Field(
        "",
        max_length=40,
        description="8 to 30 letters and digits; may be empty only for the county's delivery",
    )
    carrier_name: str = Field("", max_length=30, description="Needed when carrier is other")


class PickupIn(Schema):
    pickup_code: str = Field(..., max_length=8)


class CashIn(Schema):
    point_id: StrictObjectId


class TransferIn(Schema):
    bank_reference: str = Field(..., max_length=64)


class AfterSaleIn(Schema):
    kind: AfterSaleKind
    reason: AfterSaleReason
    description: str = Field("", max_length=1000)
    amount_fen: FenAmount | None = Field(
        None, description="Fen to refund; by default all that is left (goods + weight adjustment)"
    )


class AfterSalePhotoOut(Schema):
    id: int
    url: str
    width: int
    height: int


class AfterSaleOut(Schema):
    id: int
    order_id: int
    order_number: str
    kind: AfterSaleKind
    reason: AfterSaleReason
    description: str
    amount_fen: int
    status: AfterSaleStatus
    created_at: datetime
    answer_by: datetime
    escalated_at: datetime | None
    decided_at: datetime | None
    reject_reason: str
    returned_at: datetime | None
    closed_at: datetime | None
    refund_id: int | None
    photos: list[AfterSalePhotoOut]


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise HttpError(401, "Log in or send a device token.")
    return request.user


def order_out(order: Order, viewer: User) -> dict[str, Any]:
    data = {
        name: getattr(order, name)
        for name in OrderOut.model_fields
        if name not in ("lines", "pickup_code")
    }
    data["pickup_code"] = (
        order.pickup_code
        if order.pickup_point_id is not None and allowed(viewer, "orders.view_pickup_code", order)
        else None
    )
    data["lines"] = [
        {name: getattr(line, name) for name in OrderLineOut.model_fields}
        for line in order.lines.all()
    ]
    return data


def payment_out(payment: Any, viewer: User) -> dict[str, Any]:
    """A payment and its orders, as checkout answers them."""
    return {
        "payment_id": payment.pk,
        "out_trade_no": payment.out_trade_no,
        "amount_fen": payment.amount_fen,
        "payment_method": payment.method,
        "created": False,
        "orders": [
            order_out(order, viewer)
            for order in payment.orders.select_related("buyer", "county", "pickup_point")
            .prefetch_related("lines")
            .order_by("pk")
        ],
    }
