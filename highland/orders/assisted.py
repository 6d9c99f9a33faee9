"""An agent's basket for a villager at the desk, kept in the agent's session.

The agent picks products for one villager at a time; each villager's basket is kept
apart (`{villager id: {sku id: quantity}}`, quantities as checkout counts them: units, or
grams by weight), so an agent can serve a queue of villagers and come back to one. The
basket writes nothing to the database: placing it goes through `services.place_order`.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from highland.catalog.models import SellingUnit, Sku
from highland.core.errors import DomainError, ValidationFailed
from highland.core.models import County
from highland.core.schemas import MAX_QUANTITY
from highland.orders import pricing, services
from highland.orders.linesources import MAX_LINES, CheckoutLine
from highland.orders.quantities import quantity_text

SESSION_KEY = "assisted_baskets"


def _baskets(session: MutableMapping[str, Any]) -> dict[str, dict[str, int]]:
    baskets = session.get(SESSION_KEY)
    return baskets if isinstance(baskets, dict) else {}


def basket_lines(session: MutableMapping[str, Any], villager_id: int) -> list[CheckoutLine]:
    """The villager's basket as checkout lines, in the order they were added."""
    basket = _baskets(session).get(str(villager_id), {})
    return [CheckoutLine(int(sku_id), int(quantity)) for sku_id, quantity in basket.items()]


def add_to_basket(
    session: MutableMapping[str, Any], villager_id: int, sku_id: int, quantity: int
) -> None:
    """Add `quantity` of a SKU; a SKU already in the basket gets the sum."""
    baskets = _baskets(session)
    basket = baskets.setdefault(str(villager_id), {})
    total = basket.get(str(sku_id), 0) + quantity
    if total > MAX_QUANTITY:
        raise ValidationFailed(
            _("Enter at most %(max)d.") % {"max": MAX_QUANTITY}, field="quantity"
        )
    if str(sku_id) not in basket and len(basket) >= MAX_LINES:
        raise ValidationFailed(_("Too many lines in one order."), field="quantity")
    basket[str(sku_id)] = total
    session[SESSION_KEY] = baskets


def remove_from_basket(session: MutableMapping[str, Any], villager_id: int, sku_id: int) -> None:
    baskets = _baskets(session)
    baskets.get(str(villager_id), {}).pop(str(sku_id), None)
    session[SESSION_KEY] = baskets


def clear_basket(session: MutableMapping[str, Any], villager_id: int) -> None:
    baskets = _baskets(session)
    baskets.pop(str(villager_id), None)
    session[SESSION_KEY] = baskets


@dataclass(frozen=True)
class SummaryLine:
    sku: Sku
    quantity: int
    quantity_text: str
    line_fen: int


@dataclass(frozen=True)
class SellerSummary:
    seller_name: str
    items_fen: int
    shipping_fen: int
    allowance_fen: int
    total_fen: int


@dataclass(frozen=True)
class BasketSummary:
    lines: list[SummaryLine]
    sellers: list[SellerSummary]
    total_fen: int
    problem: str = ""


def summarise(
    county: County, lines: Sequence[CheckoutLine], delivery: services.DeliveryDetails
) -> BasketSummary:
    """The running summary before placing: each line in the reader's language, shipping
    per seller and the total, priced as `place_order` will price them. A line checkout
    would refuse (a product withdrawn since) makes `problem` say why."""
    if not lines:
        return BasketSummary(lines=[], sellers=[], total_fen=0)
    skus = (
        Sku.objects.filter(county=county, pk__in=[line.sku_id for line in lines])
        .select_related("product__seller")
        .in_bulk()
    )
    summary_lines = [
        SummaryLine(
            sku=skus[line.sku_id],
            quantity=line.quantity,
            quantity_text=quantity_text(line.quantity, skus[line.sku_id].selling_unit),
            line_fen=_line_fen(skus[line.sku_id], line.quantity),
        )
        for line in lines
        if line.sku_id in skus
    ]
    sellers_by_id = {sku.product.seller_id: sku.product.seller for sku in skus.values()}
    try:
        quotes = services.preview_checkout(county, lines, delivery=delivery).parcels
    except DomainError as error:
        return BasketSummary(lines=summary_lines, sellers=[], total_fen=0, problem=error.message)
    sellers = [
        SellerSummary(
            seller_name=sellers_by_id[quote.seller_id].name,
            items_fen=quote.items_fen,
            shipping_fen=quote.shipping_fen,
            allowance_fen=quote.allowance_fen,
            total_fen=quote.total_fen,
        )
        for quote in quotes
    ]
    return BasketSummary(
        lines=summary_lines,
        sellers=sellers,
        total_fen=sum(quote.total_fen for quote in quotes),
    )


def _line_fen(sku: Sku, quantity: int) -> int:
    return pricing.line_amount_fen(
        unit_price_fen=int(sku.price_fen),
        quantity=quantity,
        by_weight=sku.selling_unit == SellingUnit.WEIGHT,
    )
