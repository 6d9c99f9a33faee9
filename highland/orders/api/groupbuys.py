"""API: group buys (registered before /{order_id}, whose path would also match "group-buys")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema
from ninja.responses import Status

from highland.core.access import home_county
from highland.core.errors import NotFound
from highland.core.idempotency import IdempotentRequest
from highland.core.models import User
from highland.core.permissions import allowed, require
from highland.core.schemas import (
    ERROR_RESPONSES,
    IDEMPOTENT_ERROR_RESPONSES,
    FenAmount,
    IdempotencyKey,
    Moment,
    ObjectId,
    PageQuery,
    Quantity,
    StrictObjectId,
)
from highland.network.access import access_point
from highland.orders import groupbuys, services
from highland.orders.access import access_order
from highland.orders.api.common import (
    CartLineIn,
    CheckoutOut,
    OrderOut,
    PickupIn,
    ReasonIn,
    _user,
    order_out,
    payment_out,
    router,
)
from highland.orders.models import (
    ConsolidatedPurchase,
    GroupBuy,
    GroupBuyStatus,
    ItemOutcome,
    OrderStatus,
)

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
            "product_name": item.sku.product.name,
            "sku_label": item.sku.label,
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
    data["seller_name"] = purchase.seller.name
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
    body = payment_out(result.payment, user)
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
