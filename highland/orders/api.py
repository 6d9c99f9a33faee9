"""API for carts, checkout and orders: the same services as the pages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Path, Query, Router, Schema, UploadedFile
from ninja.errors import HttpError
from ninja.responses import Status
from pydantic import StrictInt

from highland.catalog.models import Seller
from highland.core.access import home_county
from highland.core.errors import NotFound, ValidationFailed
from highland.core.idempotency import IdempotentRequest
from highland.core.models import User
from highland.core.permissions import allowed, require
from highland.core.schemas import (
    ERROR_RESPONSES,
    IDEMPOTENT_ERROR_RESPONSES,
    MAX_QUANTITY,
    FenAmount,
    Grams,
    IdempotencyKey,
    Moment,
    ObjectId,
    PageQuery,
    PeriodDate,
    Quantity,
    StrictObjectId,
)
from highland.network.access import access_point
from highland.orders import aftersales, groupbuys, services, settlement
from highland.orders import cart as carts
from highland.orders.access import access_order, access_payment
from highland.orders.models import (
    AfterSale,
    AfterSaleKind,
    AfterSaleReason,
    AfterSaleStatus,
    ConsolidatedPurchase,
    Delivery,
    GroupBuy,
    GroupBuyStatus,
    ItemOutcome,
    Order,
    OrderStatus,
)
from highland.orders.selectors import orders_visible_to
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
    phone: str = Field("", max_length=20)
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
    packed_grams: dict[ObjectId, Grams] = Field(
        default_factory=dict, description="order line id → grams"
    )


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
def set_cart_line(
    request: HttpRequest, sku_id: ObjectId, payload: CartQuantityIn
) -> dict[str, Any]:
    user = _user(request)
    if payload.sku_id != sku_id:
        raise ValidationFailed(_("The SKU in the body differs from the path."), field="sku_id")
    cart = carts.cart_for(home_county(user), user=user, session_key="")
    carts.set_cart_quantity(cart, sku_id, payload.quantity)
    return get_cart(request)


# --- checkout -----------------------------------------------------------------------------------


@router.post(
    "/checkout", response={201: CheckoutOut, 200: CheckoutOut, **IDEMPOTENT_ERROR_RESPONSES}
)
def checkout(
    request: HttpRequest,
    payload: CheckoutIn,
    idempotency_key: IdempotencyKey,
) -> Status[dict[str, Any]]:
    """Place one payment and one order per seller. Repeat the same request with the same
    Idempotency-Key and the first result comes back (200) instead of a second order."""
    once = IdempotentRequest.of(idempotency_key, payload)
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
    if payload.lines is None:
        result = carts.check_out_cart(
            carts.cart_for(county, user=user, session_key=""),
            buyer=buyer,
            actor=user,
            delivery=delivery,
            payment_method=payload.payment_method,
            idempotent_request=once,
        )
    else:
        result = services.place_order(
            county,
            [
                services.CheckoutLine(sku_id=line.sku_id, quantity=line.quantity)
                for line in payload.lines
            ],
            buyer=buyer,
            actor=user,
            delivery=delivery,
            payment_method=payload.payment_method,
            idempotent_request=once,
        )
    body = {
        "payment_id": result.payment.pk,
        "out_trade_no": result.payment.out_trade_no,
        "amount_fen": result.payment.amount_fen,
        "payment_method": result.payment.method,
        "created": result.created,
        "orders": [order_out(order, user) for order in result.orders],
    }
    return Status(201 if result.created else 200, body)


# --- seller statements -------------------------------------------------------------------------


class StatementOrderOut(Schema):
    id: int
    number: str
    status: OrderStatus
    paid_at: datetime | None
    items_fen: int
    commission_fen: int
    adjustment_fen: int
    aftersale_refunds_fen: int = Field(..., description="Refunded to the buyer after sale")
    earned_fen: int = Field(..., description="Goods − commission + adjustments − refunds")


class PayoutOut(Schema):
    id: int
    created_at: datetime
    amount_fen: int
    goods_fen: int
    commission_fen: int
    adjustment_fen: int
    refunds_fen: int
    debt_recovered_fen: int = Field(..., description="Debt from refunds after payouts, taken out")
    order_count: int


class StatementOut(Schema):
    seller_id: int
    seller_name: str
    start: date
    end: date
    goods_fen: int
    commission_fen: int
    adjustment_fen: int
    refunds_fen: int
    earned_fen: int
    paid_out_fen: int
    debt_recovered_fen: int = Field(..., description="Taken out of the period's payouts")
    debt_carried_fen: int = Field(
        ..., description="Owed by the seller now (refunds after payouts), recovered next"
    )
    orders: list[StatementOrderOut]
    payouts: list[PayoutOut]


@router.get("/statements/{seller_id}", response={200: StatementOut, **ERROR_RESPONSES})
def seller_statement(
    request: HttpRequest,
    seller_id: ObjectId,
    start: PeriodDate | None = None,
    end: PeriodDate | None = None,
) -> dict[str, Any]:
    """A seller's statement: orders paid in [start, end] (default: this month to today),
    what each earned after commission, weight adjustments and after-sale refunds, and
    the payouts made in the period. For the seller's own people and the operators."""
    statement = settlement.statement_for(_user(request), seller_id, start=start, end=end)
    seller = statement.pop("seller")
    assert isinstance(seller, Seller)
    return {"seller_id": seller.pk, "seller_name": seller.name_zh, **statement}


# --- group buys (before /{order_id}, whose path would also match "group-buys") ----------------


class GroupBuyItemIn(Schema):
    sku_id: StrictObjectId
    group_price_fen: FenAmount | None = Field(
        None, description="A lower price per unit the seller agreed; by default the SKU's price"
    )
    min_quantity: Quantity | None = Field(
        None, description="Units the group must reach to go ahead"
    )


class GroupBuyTermsIn(Schema):
    title_zh: str = Field(..., max_length=120)
    title_bo: str = Field("", max_length=200)
    title_en: str = Field("", max_length=120)
    opens_at: Moment
    closes_at: Moment = Field(..., description="The cut-off")
    collect_by: Moment = Field(..., description="Unpaid orders are held until then")
    pay_on_pickup: bool = True
    point_ids: list[StrictObjectId] | None = Field(
        None, description="Village points served; by default all the station's active ones"
    )
    items: list[GroupBuyItemIn]


class GroupBuyIn(GroupBuyTermsIn):
    station_id: StrictObjectId


class GroupBuyItemOut(Schema):
    id: int
    sku_id: int
    sku_code: str
    product_name: str
    sku_label: str
    group_price_fen: int | None
    unit_price_fen: int
    min_quantity: int | None
    ordered_quantity: int
    outcome: ItemOutcome


class GroupBuyOut(Schema):
    id: int
    station_id: int
    organiser_id: int
    title_zh: str
    title_bo: str
    title_en: str
    opens_at: datetime
    closes_at: datetime
    collect_by: datetime
    pay_on_pickup: bool
    status: GroupBuyStatus
    point_ids: list[int]
    items: list[GroupBuyItemOut]


class JoinIn(Schema):
    villager_id: StrictObjectId
    point_id: StrictObjectId
    lines: list[CartLineIn]


class PurchaseLineOut(Schema):
    sku_id: int
    product_name: str
    sku_label: str
    quantity: int
    amount_fen: int


class PurchaseOut(Schema):
    id: int
    number: str
    group_buy_id: int
    seller_id: int
    seller_name: str
    amount_fen: int
    created_at: datetime
    delivered_at: datetime | None
    lines: list[PurchaseLineOut]


class PickLineOut(Schema):
    sku_id: int
    product_name: str
    sku_label: str
    quantity: int


class PickRowOut(Schema):
    villager_id: int
    villager: str
    order_id: int
    order_number: str
    status: OrderStatus
    to_collect_fen: int
    lines: list[PickLineOut]


class PickTotalOut(Schema):
    product_name: str
    sku_label: str
    quantity: int


class PickListOut(Schema):
    point_id: int
    point_code: str
    point_name: str
    rows: list[PickRowOut]
    totals: list[PickTotalOut]


def _aware(moment: datetime) -> datetime:
    """Times without a zone are read in the county's (Beijing) time."""
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _group_buy_terms(payload: GroupBuyTermsIn) -> groupbuys.GroupBuyTerms:
    return groupbuys.GroupBuyTerms(
        title_zh=payload.title_zh,
        title_bo=payload.title_bo,
        title_en=payload.title_en,
        opens_at=_aware(payload.opens_at),
        closes_at=_aware(payload.closes_at),
        collect_by=_aware(payload.collect_by),
        pay_on_pickup=payload.pay_on_pickup,
        point_ids=payload.point_ids,
        items=[
            groupbuys.ItemTerms(item.sku_id, item.group_price_fen, item.min_quantity)
            for item in payload.items
        ],
    )


def group_buy_out(group_buy: GroupBuy) -> dict[str, Any]:
    totals = groupbuys.item_totals(group_buy)
    data = {
        name: getattr(group_buy, name)
        for name in GroupBuyOut.model_fields
        if name not in ("point_ids", "items")
    }
    data["point_ids"] = sorted(point.pk for point in group_buy.points.all())
    data["items"] = [
        {
            "id": item.pk,
            "sku_id": item.sku_id,
            "sku_code": item.sku.code,
            "product_name": item.sku.product.name_zh,
            "sku_label": item.sku.label_zh,
            "group_price_fen": item.group_price_fen,
            "unit_price_fen": item.unit_price_fen(),
            "min_quantity": item.min_quantity,
            "ordered_quantity": totals.get(item.sku_id, 0),
            "outcome": item.outcome,
        }
        for item in group_buy.items.select_related("sku__product")
    ]
    return data


def purchase_out(purchase: ConsolidatedPurchase) -> dict[str, Any]:
    data = {
        name: getattr(purchase, name)
        for name in PurchaseOut.model_fields
        if name not in ("seller_name", "lines")
    }
    data["seller_name"] = purchase.seller.name_zh
    data["lines"] = [
        {name: getattr(line, name) for name in PurchaseLineOut.model_fields}
        for line in purchase.lines.all()
    ]
    return data


def _group_buy(request: HttpRequest, group_buy_id: int) -> tuple[User, GroupBuy]:
    user = _user(request)
    return user, groupbuys.access_group_buy(user, group_buy_id)


@router.get("/group-buys", response={200: list[GroupBuyOut], **ERROR_RESPONSES})
def list_group_buys(
    request: HttpRequest, page: Query[PageQuery], status: GroupBuyStatus | None = None
) -> list[dict[str, Any]]:
    """Group buys the caller organises, serves at a village point, supplies or joined."""
    user = _user(request)
    home_county(user)
    offset, limit = page.offset, page.limit
    visible = groupbuys.group_buys_visible_to(user).prefetch_related("points")
    if status:
        visible = visible.filter(status=status)
    return [group_buy_out(group_buy) for group_buy in visible[offset : offset + limit]]


@router.post("/group-buys", response={201: GroupBuyOut, **ERROR_RESPONSES})
def create_group_buy(request: HttpRequest, payload: GroupBuyIn) -> Status[dict[str, Any]]:
    """Draft a group buy for a township station's village points."""
    user = _user(request)
    home_county(user)
    station = access_point(user, payload.station_id)
    group_buy = groupbuys.create_group_buy(station, _group_buy_terms(payload), actor=user)
    return Status(201, group_buy_out(group_buy))


@router.get("/group-buys/{group_buy_id}", response={200: GroupBuyOut, **ERROR_RESPONSES})
def get_group_buy(request: HttpRequest, group_buy_id: ObjectId) -> dict[str, Any]:
    return group_buy_out(_group_buy(request, group_buy_id)[1])


@router.put("/group-buys/{group_buy_id}", response={200: GroupBuyOut, **ERROR_RESPONSES})
def update_group_buy(
    request: HttpRequest, group_buy_id: ObjectId, payload: GroupBuyTermsIn
) -> dict[str, Any]:
    """Replace the terms: anything while a draft, then only titles and dates."""
    user, group_buy = _group_buy(request, group_buy_id)
    return group_buy_out(
        groupbuys.update_group_buy(group_buy, _group_buy_terms(payload), actor=user)
    )


@router.post("/group-buys/{group_buy_id}/open", response={200: GroupBuyOut, **ERROR_RESPONSES})
def open_group_buy(request: HttpRequest, group_buy_id: ObjectId) -> dict[str, Any]:
    user, group_buy = _group_buy(request, group_buy_id)
    return group_buy_out(groupbuys.open_group_buy(group_buy, actor=user))


@router.post(
    "/group-buys/{group_buy_id}/join",
    response={201: CheckoutOut, 200: CheckoutOut, **IDEMPOTENT_ERROR_RESPONSES},
)
def join_group_buy(
    request: HttpRequest,
    group_buy_id: ObjectId,
    payload: JoinIn,
    idempotency_key: IdempotencyKey,
) -> Status[dict[str, Any]]:
    """An agent adds a villager's order, picked up and paid in cash at the village point.
    Repeat the same request with the same Idempotency-Key and the first result comes
    back (200)."""
    once = IdempotentRequest.of(idempotency_key, {"group_buy_id": group_buy_id, "payload": payload})
    user, group_buy = _group_buy(request, group_buy_id)
    villager = User.objects.filter(pk=payload.villager_id, county=group_buy.county).first()
    if villager is None:
        raise NotFound(_("No such buyer."), field="villager_id")
    result = groupbuys.join_group_buy(
        group_buy,
        [services.CheckoutLine(line.sku_id, line.quantity) for line in payload.lines],
        villager=villager,
        point=access_point(user, payload.point_id),
        actor=user,
        idempotent_request=once,
    )
    body = _payment_out(result.payment, user)
    body["created"] = result.created
    return Status(201 if result.created else 200, body)


@router.post("/group-buys/{group_buy_id}/close", response={200: GroupBuyOut, **ERROR_RESPONSES})
def close_group_buy(request: HttpRequest, group_buy_id: ObjectId) -> dict[str, Any]:
    """Close now: drop unpaid or below-minimum orders, then one purchase per supplier."""
    user, group_buy = _group_buy(request, group_buy_id)
    return group_buy_out(groupbuys.close_group_buy(group_buy, actor=user).group_buy)


@router.post("/group-buys/{group_buy_id}/order", response={200: GroupBuyOut, **ERROR_RESPONSES})
def order_group_buy(request: HttpRequest, group_buy_id: ObjectId) -> dict[str, Any]:
    """Send the consolidated purchases to the suppliers."""
    user, group_buy = _group_buy(request, group_buy_id)
    return group_buy_out(groupbuys.order_from_suppliers(group_buy, actor=user))


@router.post("/group-buys/{group_buy_id}/cancel", response={200: GroupBuyOut, **ERROR_RESPONSES})
def cancel_group_buy(
    request: HttpRequest, group_buy_id: ObjectId, payload: ReasonIn
) -> dict[str, Any]:
    user, group_buy = _group_buy(request, group_buy_id)
    return group_buy_out(groupbuys.cancel_group_buy(group_buy, actor=user, reason=payload.reason))


@router.get(
    "/group-buys/{group_buy_id}/purchases", response={200: list[PurchaseOut], **ERROR_RESPONSES}
)
def list_purchases(request: HttpRequest, group_buy_id: ObjectId) -> list[dict[str, Any]]:
    """The consolidated purchase orders the caller may see: all of them, or a seller's own."""
    user, group_buy = _group_buy(request, group_buy_id)
    purchases = group_buy.purchases.select_related(
        "seller", "county", "group_buy__station"
    ).prefetch_related("lines")
    return [
        purchase_out(purchase)
        for purchase in purchases
        if allowed(user, "orders.view_consolidated_purchase", purchase)
    ]


@router.get(
    "/group-buys/{group_buy_id}/pick-lists", response={200: list[PickListOut], **ERROR_RESPONSES}
)
def list_pick_lists(request: HttpRequest, group_buy_id: ObjectId) -> list[dict[str, Any]]:
    """Per village point, which villager collects what."""
    user, group_buy = _group_buy(request, group_buy_id)
    require(user, "orders.view_group_buy_lists", group_buy)
    return [
        {
            "point_id": pick_list.point.pk,
            "point_code": pick_list.point.code,
            "point_name": pick_list.point.name,
            "rows": [
                {
                    "villager_id": row.order.buyer_id,
                    "villager": row.villager,
                    "order_id": row.order.pk,
                    "order_number": row.order.number,
                    "status": row.order.status,
                    "to_collect_fen": row.to_collect_fen,
                    "lines": [
                        {name: getattr(line, name) for name in PickLineOut.model_fields}
                        for line in row.lines
                    ],
                }
                for row in pick_list.rows
            ],
            "totals": [
                {"product_name": name, "sku_label": label, "quantity": quantity}
                for name, label, quantity in pick_list.totals
            ],
        }
        for pick_list in groupbuys.pick_lists(group_buy)
    ]


@router.post(
    "/group-buys/purchases/{purchase_id}/receive",
    response={200: PurchaseOut, **ERROR_RESPONSES},
)
def receive_purchase(request: HttpRequest, purchase_id: ObjectId) -> dict[str, Any]:
    """The supplier's delivery reached the station and its points."""
    user = _user(request)
    purchase = groupbuys.receive_purchase(groupbuys.access_purchase(user, purchase_id), actor=user)
    return purchase_out(purchase)


@router.post("/group-buys/orders/{order_id}/hand-over", response={200: OrderOut, **ERROR_RESPONSES})
def hand_over(request: HttpRequest, order_id: ObjectId, payload: PickupIn) -> dict[str, Any]:
    """The villager collects with the code on their receipt; unpaid orders are paid first."""
    user = _user(request)
    order = groupbuys.hand_over(
        access_order(user, order_id), agent=user, pickup_code=payload.pickup_code
    )
    return order_out(order, user)


# --- orders -------------------------------------------------------------------------------------


@router.get("/", response={200: list[OrderOut], **ERROR_RESPONSES})
def list_orders(
    request: HttpRequest, page: Query[PageQuery], status: OrderStatus | None = None
) -> list[dict[str, Any]]:
    user = _user(request)
    home_county(user)
    offset, limit = page.offset, page.limit
    orders = orders_visible_to(user).prefetch_related("lines")
    if status:
        orders = orders.filter(status=status)
    return [order_out(order, user) for order in orders[offset : offset + limit]]


@router.get("/{order_id}", response={200: OrderOut, **ERROR_RESPONSES})
def get_order(request: HttpRequest, order_id: ObjectId) -> dict[str, Any]:
    user = _user(request)
    return order_out(access_order(user, order_id), user)


@router.post("/{order_id}/cancel", response={200: OrderOut, **ERROR_RESPONSES})
def cancel(request: HttpRequest, order_id: ObjectId, payload: ReasonIn) -> dict[str, Any]:
    user = _user(request)
    order = services.cancel_order(access_order(user, order_id), actor=user, reason=payload.reason)
    return order_out(order, user)


@router.post("/{order_id}/pack", response={200: OrderOut, **ERROR_RESPONSES})
def pack(request: HttpRequest, order_id: ObjectId, payload: PackIn) -> dict[str, Any]:
    user = _user(request)
    return order_out(
        services.pack_order(access_order(user, order_id), payload.packed_grams, actor=user), user
    )


@router.post("/{order_id}/pickup", response={200: OrderOut, **ERROR_RESPONSES})
def pickup(request: HttpRequest, order_id: ObjectId, payload: PickupIn) -> dict[str, Any]:
    user = _user(request)
    return order_out(
        services.record_pickup(
            access_order(user, order_id), agent=user, pickup_code=payload.pickup_code
        ),
        user,
    )


@router.post("/payments/{payment_id}/cash", response={200: CheckoutOut, **ERROR_RESPONSES})
def collect_cash(request: HttpRequest, payment_id: ObjectId, payload: CashIn) -> dict[str, Any]:
    user = _user(request)
    payment = services.collect_cash(
        access_payment(user, payment_id), agent=user, point=access_point(user, payload.point_id)
    )
    return _payment_out(payment, user)


@router.post(
    "/payments/{payment_id}/confirm-transfer", response={200: CheckoutOut, **ERROR_RESPONSES}
)
def confirm_transfer(
    request: HttpRequest, payment_id: ObjectId, payload: TransferIn
) -> dict[str, Any]:
    user = _user(request)
    payment = services.confirm_bank_transfer(
        access_payment(user, payment_id), actor=user, bank_reference=payload.bank_reference
    )
    return _payment_out(payment, user)


# --- after-sales (before the catch-all /{order_id}/{step}) -------------------------------------


def aftersale_out(aftersale: AfterSale) -> dict[str, Any]:
    data = {
        name: getattr(aftersale, name)
        for name in AfterSaleOut.model_fields
        if name not in ("order_number", "photos")
    }
    data["order_number"] = aftersale.order.number
    data["photos"] = [
        {
            "id": photo.pk,
            "url": reverse("orders:aftersale-photo", args=[aftersale.pk, photo.pk]),
            "width": photo.width,
            "height": photo.height,
        }
        for photo in aftersale.photos.all()
    ]
    return data


@router.post("/{order_id}/aftersales", response={201: AfterSaleOut, **ERROR_RESPONSES})
def open_aftersale(
    request: HttpRequest, order_id: ObjectId, payload: AfterSaleIn
) -> Status[dict[str, Any]]:
    """The buyer, or the agent who placed the order, asks for a refund or a return."""
    user = _user(request)
    aftersale = aftersales.open_aftersale(
        access_order(user, order_id),
        actor=user,
        kind=payload.kind,
        reason=payload.reason,
        description=payload.description,
        amount_fen=payload.amount_fen,
    )
    return Status(201, aftersale_out(aftersale))


@router.get("/aftersales/{aftersale_id}", response={200: AfterSaleOut, **ERROR_RESPONSES})
def get_aftersale(request: HttpRequest, aftersale_id: ObjectId) -> dict[str, Any]:
    return aftersale_out(aftersales.access_aftersale(_user(request), aftersale_id))


@router.post("/aftersales/{aftersale_id}/photos", response={201: AfterSaleOut, **ERROR_RESPONSES})
def add_aftersale_photo(
    request: HttpRequest, aftersale_id: ObjectId, photo: File[UploadedFile]
) -> Status[dict[str, Any]]:
    """An evidence photo (JPEG, PNG or WebP, at most 8 MB), kept as a small WebP."""
    user = _user(request)
    aftersale = aftersales.access_aftersale(user, aftersale_id)
    aftersales.add_aftersale_photo(aftersale, photo, actor=user)
    return Status(201, aftersale_out(aftersale))


@router.post("/aftersales/{aftersale_id}/accept", response={200: AfterSaleOut, **ERROR_RESPONSES})
def accept_aftersale(request: HttpRequest, aftersale_id: ObjectId) -> dict[str, Any]:
    user = _user(request)
    return aftersale_out(
        aftersales.accept_aftersale(aftersales.access_aftersale(user, aftersale_id), actor=user)
    )


@router.post("/aftersales/{aftersale_id}/reject", response={200: AfterSaleOut, **ERROR_RESPONSES})
def reject_aftersale(
    request: HttpRequest, aftersale_id: ObjectId, payload: ReasonIn
) -> dict[str, Any]:
    user = _user(request)
    return aftersale_out(
        aftersales.reject_aftersale(
            aftersales.access_aftersale(user, aftersale_id), actor=user, reason=payload.reason
        )
    )


@router.post("/aftersales/{aftersale_id}/received", response={200: AfterSaleOut, **ERROR_RESPONSES})
def receive_return(request: HttpRequest, aftersale_id: ObjectId) -> dict[str, Any]:
    """The returned parcel reached the seller; the buyer is refunded."""
    user = _user(request)
    return aftersale_out(
        aftersales.receive_return(aftersales.access_aftersale(user, aftersale_id), actor=user)
    )


@router.post("/{order_id}/{step}", response={200: OrderOut, **ERROR_RESPONSES})
def advance(
    request: HttpRequest, order_id: ObjectId, step: str = Path(..., max_length=20)
) -> dict[str, Any]:
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
        services.advance_order(access_order(user, order_id), statuses[step], actor=user), user
    )


def _payment_out(payment: Any, viewer: User) -> dict[str, Any]:
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
