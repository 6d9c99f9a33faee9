"""Carts: a guest's cart lives on the session; at login it is merged into the person's.

Carts hold no money and reserve nothing, so changing one is not an audited action;
stock is only reserved at checkout, which empties the cart in its own transaction.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from highland.catalog.models import Sku
from highland.core.errors import NotFound, ValidationFailed
from highland.core.idempotency import IdempotentRequest
from highland.core.models import County, User
from highland.core.schemas import MAX_QUANTITY
from highland.orders.models import Cart, CartLine
from highland.orders.services import (
    CheckoutLine,
    CheckoutResult,
    DeliveryDetails,
    place_order,
)


def cart_for(county: County, *, user: User | None, session_key: str) -> Cart:
    if user is not None and user.is_authenticated:
        cart, _created = Cart.objects.get_or_create(county=county, owner=user)
        return cart
    if not session_key:
        raise ValueError("a guest cart needs a session")
    cart, _created = Cart.objects.get_or_create(county=county, owner=None, session_key=session_key)
    return cart


def line_count(county: County | None, *, user: User | None, session_key: str) -> int:
    """How many lines the person's (or the guest session's) cart holds: one COUNT query,
    none for a guest without a session or a person without a county."""
    if user is not None and user.is_authenticated:
        if county is None:
            return 0
        return CartLine.objects.filter(cart__county=county, cart__owner=user).count()
    if not session_key:
        return 0
    return CartLine.objects.filter(cart__owner=None, cart__session_key=session_key).count()


def _sku(cart: Cart, sku_id: int) -> Sku:
    sku = Sku.objects.filter(pk=sku_id, county_id=cart.county_id).select_related("product").first()
    if sku is None:
        raise NotFound(_("Unknown product variant."), field="sku_id")
    if not sku.active or sku.product.status != "active":
        raise ValidationFailed(
            _("This product is not for sale."), field="sku_id", code="not_for_sale"
        )
    return sku


def _check_quantity(quantity: int) -> None:
    if quantity <= 0:
        raise ValidationFailed(_("Quantity must be at least 1."), field="quantity")
    if quantity > MAX_QUANTITY:
        raise ValidationFailed(_("That quantity is too large."), field="quantity")


@transaction.atomic
def add_to_cart(cart: Cart, sku_id: int, quantity: int) -> CartLine:
    _check_quantity(quantity)
    _sku(cart, sku_id)
    line, created = CartLine.objects.get_or_create(
        cart=cart, sku_id=sku_id, defaults={"quantity": quantity}
    )
    if not created:
        CartLine.objects.filter(pk=line.pk).update(quantity=F("quantity") + quantity)
        line.refresh_from_db()
        _check_quantity(line.quantity)
    cart.save(update_fields=["updated_at"])
    return line


@transaction.atomic
def set_cart_quantity(cart: Cart, sku_id: int, quantity: int) -> CartLine | None:
    """Set a line's quantity; 0 removes it."""
    if quantity == 0:
        CartLine.objects.filter(cart=cart, sku_id=sku_id).delete()
        return None
    _check_quantity(quantity)
    _sku(cart, sku_id)
    line, _created = CartLine.objects.update_or_create(
        cart=cart, sku_id=sku_id, defaults={"quantity": quantity}
    )
    return line


@transaction.atomic
def merge_guest_cart(county: County, *, session_key: str, user: User) -> Cart:
    """At login, the guest's lines join the person's cart (quantities add up)."""
    user_cart = cart_for(county, user=user, session_key="")
    guest = Cart.objects.filter(county=county, owner=None, session_key=session_key).first()
    if guest is None or not session_key:
        return user_cart
    for line in guest.lines.all():
        existing = CartLine.objects.filter(cart=user_cart, sku_id=line.sku_id).first()
        if existing:
            existing.quantity = min(existing.quantity + line.quantity, MAX_QUANTITY)
            existing.save(update_fields=["quantity"])
        else:
            CartLine.objects.create(cart=user_cart, sku_id=line.sku_id, quantity=line.quantity)
    guest.delete()
    return user_cart


def hand_over_guest_cart(county: County, guest_session: str, person: User) -> None:
    """`core.signin`'s handover: the cart of the guest session joins the person's."""
    merge_guest_cart(county, session_key=guest_session, user=person)


def checkout_lines(cart: Cart) -> list[CheckoutLine]:
    return [
        CheckoutLine(sku_id=line.sku_id, quantity=line.quantity)
        for line in cart.lines.order_by("sku_id")
    ]


def clear_cart(cart: Cart) -> None:
    cart.lines.all().delete()


@transaction.atomic
def check_out_cart(
    cart: Cart,
    *,
    buyer: User,
    actor: User,
    delivery: DeliveryDetails,
    payment_method: str,
    idempotent_request: IdempotentRequest | None = None,
) -> CheckoutResult:
    """Place the cart's lines and empty the cart in the same transaction.

    A checkout that commits has emptied its cart, and one that fails leaves it as it was:
    a reload after a lost response finds nothing left to order twice.
    """
    result = place_order(
        cart.county,
        checkout_lines(cart),
        buyer=buyer,
        actor=actor,
        delivery=delivery,
        payment_method=payment_method,
        idempotent_request=idempotent_request,
    )
    if result.created:
        clear_cart(cart)
    return result
