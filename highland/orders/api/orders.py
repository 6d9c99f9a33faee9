"""API: orders, their actions, and paying at a point."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query

from highland.core.access import home_county
from highland.core.schemas import (
    ERROR_RESPONSES,
    ObjectId,
    PageQuery,
)
from highland.network.access import access_point
from highland.orders import fulfilment, services
from highland.orders.access import access_order, access_payment, access_pickup_code
from highland.orders.api.common import (
    CashIn,
    CheckoutOut,
    OrderOut,
    PackIn,
    PickupCodeOut,
    PickupIn,
    ReasonIn,
    ShipIn,
    TransferIn,
    _user,
    order_out,
    payment_out,
    router,
)
from highland.orders.models import (
    OrderStatus,
)
from highland.orders.selectors import orders_visible_to

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


@router.get(
    "/{order_id}/pickup-code",
    response={200: PickupCodeOut, **ERROR_RESPONSES},
    summary="The pickup code of an order",
)
def pickup_code(request: HttpRequest, order_id: ObjectId) -> dict[str, Any]:
    """The code that hands the parcel over at the pickup point: only for the buyer, the
    agent acting for them and the pickup point's agents. For anyone else (the seller and
    the operator included), and for an order delivered to an address, 404 as if the
    order did not exist."""
    order = access_pickup_code(_user(request), order_id)
    return {
        "order_id": order.pk,
        "number": order.number,
        "status": order.status,
        "pickup_point_id": order.pickup_point_id,
        "pickup_code": order.pickup_code,
    }


@router.post("/{order_id}/cancel", response={200: OrderOut, **ERROR_RESPONSES})
def cancel(request: HttpRequest, order_id: ObjectId, payload: ReasonIn) -> dict[str, Any]:
    user = _user(request)
    order = services.cancel_order(access_order(user, order_id), actor=user, reason=payload.reason)
    return order_out(order, user)


@router.post("/{order_id}/pack", response={200: OrderOut, **ERROR_RESPONSES})
def pack(request: HttpRequest, order_id: ObjectId, payload: PackIn) -> dict[str, Any]:
    user = _user(request)
    return order_out(
        services.pack_order(
            access_order(user, order_id), payload.packed_grams, actor=user, lots=payload.lots
        ),
        user,
    )


@router.post("/{order_id}/ship", response={200: OrderOut, **ERROR_RESPONSES})
def ship(request: HttpRequest, order_id: ObjectId, payload: ShipIn) -> dict[str, Any]:
    """Record that a packed order left with a carrier, with its tracking number."""
    user = _user(request)
    return order_out(
        fulfilment.ship_order(
            access_order(user, order_id),
            carrier=payload.carrier,
            tracking_number=payload.tracking_number,
            carrier_name=payload.carrier_name,
            actor=user,
        ),
        user,
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
    return payment_out(payment, user)


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
    return payment_out(payment, user)
