"""Checkout line sources: what a checkout sells, priced and reserved through one interface.

A source turns the lines a buyer asked for into priced lines before anything is written,
so the payment, the orders and the checkout's audit record all state the amount charged;
it then reserves each line with one conditional UPDATE (ADR 0001), at the end of the
checkout's transaction. SKUs are the one source today; room-nights, tickets and bundles
register theirs the same way, from their `AppConfig.ready()`.

A caller with agreed terms (a group buy's lower prices, its longer hold) passes them as a
`PriceRule`; the source applies them while pricing, never after the order is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from django.utils.translation import gettext as _

from highland.catalog import services as catalog_services
from highland.catalog.models import SellingUnit, Sku
from highland.core.errors import NotFound, ValidationFailed
from highland.core.i18n import active_suffix
from highland.core.models import County
from highland.orders import pricing

SKU = "sku"
WEIGHT_TOLERANCE_PERCENT = 5
MIN_WEIGHT_GRAMS = 50
MAX_LINES = 50
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
    "product__seller__commission_override_bp",
    "product__category__commission_bp",
)


@dataclass(frozen=True)
class CheckoutLine:
    sku_id: int  # the item's id within its source (a SKU for "sku")
    quantity: int  # units, or grams for a SKU sold by weight
    source: str = SKU


@dataclass(frozen=True)
class PriceRule:
    """Terms agreed before checkout: lower unit prices per item, a longer hold."""

    # Item id -> unit price; applied only where it is lower than the item's own price.
    unit_prices_fen: Mapping[int, int] = field(default_factory=dict)
    # How long unpaid stock is held; None for checkout's usual hold.
    reserved_until: dt.datetime | None = None

    def unit_price(self, item_id: int, own_price_fen: int) -> int:
        agreed = self.unit_prices_fen.get(item_id)
        return min(own_price_fen, agreed) if agreed else own_price_fen


NO_RULE = PriceRule()


@dataclass(frozen=True)
class PricedLine:
    """One line as it will be written and charged."""

    source: str
    item_id: int
    seller_id: int
    product_name: str  # in Chinese; with `label`, what the order line keeps in three languages
    label: str
    selling_unit: str
    quantity: int
    unit_price_fen: int
    line_fen: int
    # The 5 % paid on top of a by-weight line, settled at packing (ADR 0002).
    allowance_fen: int
    weight_g: int
    storage_class: str
    # The commission rate in force at checkout; commission follows it (ADR 0006).
    commission_bp: int
    # The name and label in Tibetan and English, by "bo" and "en"; empty when unknown.
    product_names: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def commission_fen(self) -> int:
        return pricing.commission_fen(self.line_fen, self.commission_bp)

    @property
    def shown_name(self) -> str:
        """The product's name in the reader's language, Chinese when it has none."""
        return self.product_names.get(active_suffix()) or self.product_name


class LineSource(Protocol):
    name: str

    def price(
        self, county: County, lines: Sequence[CheckoutLine], rule: PriceRule
    ) -> list[PricedLine]:
        """Check and price `lines` (all of this source) or raise a DomainError; no writes."""
        ...

    def reserve(self, line: PricedLine) -> bool:
        """Take the line's quantity with one conditional UPDATE; False when too little is
        left. Call inside the checkout's transaction."""
        ...


_sources: dict[str, LineSource] = {}


def register_line_source(source: LineSource) -> None:
    """Let checkout sell what `source` prices. Call from `AppConfig.ready()`."""
    if source.name in _sources:
        raise ValueError(f"checkout line source {source.name!r} is registered already")
    _sources[source.name] = source


def line_source(name: str) -> LineSource:
    source = _sources.get(name)
    if source is None:
        raise ValidationFailed(_("Unknown kind of item."), field="lines")
    return source


def check_lines(lines: Sequence[CheckoutLine]) -> None:
    """What every source needs: some lines, not too many, positive, each item once."""
    if not lines:
        raise ValidationFailed(_("The cart is empty."), field="lines", code="empty_cart")
    if len(lines) > MAX_LINES:
        raise ValidationFailed(_("Too many lines in one order."), field="lines")
    seen: set[tuple[str, int]] = set()
    for line in lines:
        if line.quantity <= 0:
            raise ValidationFailed(_("Quantity must be at least 1."), field="quantity")
        if (line.source, line.sku_id) in seen:
            raise ValidationFailed(_("Each product variant may appear once."), field="lines")
        seen.add((line.source, line.sku_id))


def price_lines(
    county: County, lines: Sequence[CheckoutLine], rule: PriceRule = NO_RULE
) -> list[PricedLine]:
    """Every line priced by its source, in the order asked."""
    check_lines(lines)
    by_source: dict[str, list[CheckoutLine]] = {}
    for line in lines:
        by_source.setdefault(line.source, []).append(line)
    priced: dict[tuple[str, int], PricedLine] = {}
    for name, source_lines in by_source.items():
        for priced_line in line_source(name).price(county, source_lines, rule):
            priced[(name, priced_line.item_id)] = priced_line
    return [priced[(line.source, line.sku_id)] for line in lines]


class SkuLineSource:
    """Products' variants (SKUs) from the catalogue, by unit or by weight."""

    name = SKU

    def price(
        self, county: County, lines: Sequence[CheckoutLine], rule: PriceRule
    ) -> list[PricedLine]:
        skus = {
            sku.pk: sku
            for sku in Sku.objects.filter(pk__in=[line.sku_id for line in lines], county=county)
            .select_related("product__seller", "product__category")
            # Only what a checkout reads: the trilingual texts and stories stay behind.
            .only(*CHECKOUT_SKU_FIELDS)
        }
        return [self._priced(skus.get(line.sku_id), line, rule) for line in lines]

    def _priced(self, sku: Sku | None, line: CheckoutLine, rule: PriceRule) -> PricedLine:
        if sku is None:
            # Missing and another county's SKU look the same.
            raise NotFound(_("Unknown product variant."), field="sku_id")
        product = sku.product
        if not sku.active or product.status != "active":
            raise ValidationFailed(
                _("%(product)s is no longer for sale.") % {"product": product.name},
                field="sku_id",
                code="not_for_sale",
            )
        by_weight = sku.selling_unit == SellingUnit.WEIGHT
        if by_weight and line.quantity < MIN_WEIGHT_GRAMS:
            raise ValidationFailed(
                _("Order at least %(grams)d g of goods sold by weight.")
                % {"grams": MIN_WEIGHT_GRAMS},
                field="quantity",
            )
        unit_price = rule.unit_price(sku.pk, int(sku.price_fen))
        amount = pricing.line_amount_fen(
            unit_price_fen=unit_price, quantity=line.quantity, by_weight=by_weight
        )
        allowance = 0
        if by_weight:
            upper = line.quantity * (100 + WEIGHT_TOLERANCE_PERCENT) // 100
            allowance = (
                pricing.line_amount_fen(unit_price_fen=unit_price, quantity=upper, by_weight=True)
                - amount
            )
        override = product.seller.commission_override_bp
        return PricedLine(
            source=self.name,
            item_id=sku.pk,
            seller_id=product.seller_id,
            product_name=product.name_zh,
            label=sku.label_zh,
            selling_unit=sku.selling_unit,
            quantity=line.quantity,
            unit_price_fen=unit_price,
            line_fen=amount,
            allowance_fen=allowance,
            weight_g=line.quantity if by_weight else (sku.unit_weight_g or 0) * line.quantity,
            storage_class=product.storage_class,
            commission_bp=int(override if override is not None else product.category.commission_bp),
            product_names={"bo": product.name_bo, "en": product.name_en},
            labels={"bo": sku.label_bo, "en": sku.label_en},
        )

    def reserve(self, line: PricedLine) -> bool:
        return catalog_services.reserve_stock(line.item_id, line.quantity)
