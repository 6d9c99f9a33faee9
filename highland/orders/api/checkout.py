"""API: the cart and checkout."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.responses import Status

from highland.catalog.models import Seller
from highland.core.access import home_county
from highland.core.errors import NotFound, ValidationFailed
from highland.core.idempotency import IdempotentRequest
from highland.core.models import User
from highland.core.permissions import require
from highland.core.schemas import (
    ERROR_RESPONSES,
    IDEMPOTENT_ERROR_RESPONSES,
    IdempotencyKey,
    ObjectId,
)
from highland.network.access import access_point
from highland.orders import cart as carts
from highland.orders import services
from highland.orders.api.common import (
    CartLineIn,
    CartOut,
    CartQuantityIn,
    CheckoutIn,
    CheckoutOut,
    QuoteIn,
    QuoteLineOut,
    QuoteOut,
    _user,
    order_out,
    router,
)

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


@router.post("/checkout/quote", response={200: QuoteOut, **ERROR_RESPONSES})
def quote_checkout(request: HttpRequest, payload: QuoteIn) -> dict[str, Any]:
    """What a checkout of these lines (or of the caller's cart) would charge: each seller's
    parcel with its goods, shipping (and the rate it follows) and weight allowance.
    Nothing is reserved; placing the same checkout charges exactly these amounts unless a
    price or rate changes in between."""
    user = _user(request)
    county = home_county(user)
    require(user, "orders.place_order", county)
    if payload.lines is None:
        lines = carts.checkout_lines(carts.cart_for(county, user=user, session_key=""))
    else:
        lines = [
            services.CheckoutLine(sku_id=line.sku_id, quantity=line.quantity)
            for line in payload.lines
        ]
    quote = services.preview_checkout(
        county,
        lines,
        delivery=services.DeliveryDetails(
            method=payload.delivery.method,
            recipient_name="",
            province=payload.delivery.province,
            district=payload.delivery.district,
        ),
    )
    names = {seller.pk: seller.name for seller in Seller.objects.filter(pk__in=quote.seller_ids)}
    return {
        "zone": quote.zone,
        "items_fen": quote.items_fen,
        "shipping_fen": quote.shipping_fen,
        "weight_allowance_fen": quote.allowance_fen,
        "total_fen": quote.total_fen,
        "parcels": [
            {
                "seller_id": parcel.seller_id,
                "seller_name": names.get(parcel.seller_id, ""),
                "items_fen": parcel.items_fen,
                "shipping_fen": parcel.shipping_fen,
                "weight_allowance_fen": parcel.allowance_fen,
                "total_fen": parcel.total_fen,
                "weight_g": parcel.weight_g,
                "storage_class": parcel.storage_class,
                "first_weight_g": parcel.rate[0],
                "first_fee_fen": parcel.rate[1],
                "step_weight_g": parcel.rate[2],
                "step_fee_fen": parcel.rate[3],
                "lines": [
                    {name: getattr(line, name) for name in QuoteLineOut.model_fields}
                    for line in parcel.lines
                ],
            }
            for parcel in quote.parcels
        ],
    }


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
