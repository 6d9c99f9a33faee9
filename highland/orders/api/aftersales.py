"""API: after-sales, then the catch-all /{order_id}/{step}, registered last."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Path, UploadedFile
from ninja.responses import Status

from highland.core.errors import NotFound
from highland.core.schemas import (
    ERROR_RESPONSES,
    ObjectId,
)
from highland.orders import aftersales, services
from highland.orders.access import access_order
from highland.orders.api.common import (
    AfterSaleIn,
    AfterSaleOut,
    OrderOut,
    ReasonIn,
    _user,
    order_out,
    router,
)
from highland.orders.models import (
    AfterSale,
    OrderStatus,
)

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
    """`deliver` or `complete` an order (shipping is `/{order_id}/ship`)."""
    user = _user(request)
    statuses = {
        "deliver": OrderStatus.DELIVERED,
        "complete": OrderStatus.COMPLETED,
    }
    if step not in statuses:
        raise NotFound(_("No such action."))
    return order_out(
        services.advance_order(access_order(user, order_id), statuses[step], actor=user), user
    )
