"""A group buy's terms: limits, the state machine, the checks every action shares."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.catalog.models import Sku
from highland.core.errors import NotFound, ValidationFailed
from highland.core.models import County
from highland.core.money import format_fen
from highland.network.models import Service, ServicePoint, Tier
from highland.orders.models import (
    GROUP_BUY_MACHINE,
    ConsolidatedPurchase,
    GroupBuy,
    GroupBuyItem,
    GroupBuyStatus,
    Order,
    OrderLine,
    OrderStatus,
)

JOIN_SCOPE = "orders.groupbuy.join"
MAX_ITEMS = 30
TITLE_LIMITS = {"title_zh": 120, "title_bo": 200, "title_en": 120}
# Orders that must be paid by the cut-off are held a little past it, so the close (which
# says why) cancels them rather than the minute-by-minute expiry.
CLOSE_GRACE = dt.timedelta(minutes=15)
# What may change in each status; a draft is free, later only dates and titles move.
TITLES = frozenset(TITLE_LIMITS)
EDITABLE: dict[str, frozenset[str]] = {
    GroupBuyStatus.DRAFT: TITLES
    | {"opens_at", "closes_at", "collect_by", "pay_on_pickup", "points", "items"},
    GroupBuyStatus.OPEN: TITLES | {"closes_at", "collect_by"},
    GroupBuyStatus.CLOSED: TITLES | {"collect_by"},
    GroupBuyStatus.ORDERED: TITLES | {"collect_by"},
}
LIVE = ~Q(status=OrderStatus.CANCELLED)
LINES_IN_ORDER = Prefetch("lines", queryset=OrderLine.objects.order_by("pk"))


@dataclass(frozen=True)
class ItemTerms:
    sku_id: int
    group_price_fen: int | None = None  # lower than the SKU's price, as the seller agreed
    min_quantity: int | None = None  # units the group must reach to go ahead


@dataclass(frozen=True)
class GroupBuyTerms:
    title_zh: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    collect_by: dt.datetime
    items: Sequence[ItemTerms]
    title_bo: str = ""
    title_en: str = ""
    pay_on_pickup: bool = True
    # None: on create, the station's active village points; on update, unchanged.
    point_ids: Sequence[int] | None = None


@dataclass(frozen=True)
class CloseResult:
    group_buy: GroupBuy
    cancelled: dict[str, str]  # order number -> why
    purchases: list[ConsolidatedPurchase]


# --- the state machine ---------------------------------------------------------------------


def transition(group_buy: GroupBuy, new_status: str, *, now: dt.datetime) -> list[str]:
    """Move `group_buy` to `new_status` or raise; returns the fields to save."""
    return GROUP_BUY_MACHINE.move(group_buy, new_status, now=now)


def _lock(group_buy_id: int) -> GroupBuy:
    """The group buy's row, locked: joins, the close and deliveries take turns on it.

    Taken first in every action here, before orders and SKUs, so the lock order is fixed.
    """
    return (
        GroupBuy.objects.select_for_update(of=("self",))
        .select_related("county", "station")
        .get(pk=group_buy_id)
    )


def hold_until(group_buy: GroupBuy) -> dt.datetime:
    """How long an unpaid order of the group buy keeps its stock."""
    if group_buy.pay_on_pickup:
        return group_buy.collect_by
    return group_buy.closes_at + CLOSE_GRACE


def _hold_unpaid_orders(group_buy: GroupBuy) -> int:
    return Order.objects.filter(
        group_buy_link__group_buy=group_buy, status=OrderStatus.PENDING_PAYMENT
    ).update(reserved_until=hold_until(group_buy))


# --- checking terms -----------------------------------------------------------------------


def _check_titles(terms: GroupBuyTerms, errors: dict[str, list[str]]) -> dict[str, str]:
    titles = {name: str(getattr(terms, name) or "").strip() for name in TITLE_LIMITS}
    if not titles["title_zh"]:
        errors["title_zh"] = [_("Give the group buy a title in Chinese.")]
    for name, limit in TITLE_LIMITS.items():
        if len(titles[name]) > limit:
            errors[name] = [_("At most %(limit)d characters.") % {"limit": limit}]
    return titles


def _check_times(
    terms: GroupBuyTerms,
    errors: dict[str, list[str]],
    *,
    now: dt.datetime,
    cutoff_must_be_ahead: bool,
    collection_must_be_ahead: bool = False,
) -> None:
    for name in ("opens_at", "closes_at", "collect_by"):
        if timezone.is_naive(getattr(terms, name)):
            errors[name] = [_("Give the time with its time zone.")]
    if errors.keys() & {"opens_at", "closes_at", "collect_by"}:
        return
    if cutoff_must_be_ahead and terms.closes_at <= now:
        errors["closes_at"] = [_("The cut-off must be in the future.")]
    elif terms.closes_at <= terms.opens_at:
        errors["closes_at"] = [_("The cut-off must come after the opening time.")]
    if terms.collect_by <= terms.closes_at:
        errors["collect_by"] = [_("Villagers need time after the cut-off to collect.")]
    elif collection_must_be_ahead and terms.collect_by <= now:
        errors["collect_by"] = [_("The collection date must be in the future.")]


def village_points_of(station: ServicePoint) -> list[ServicePoint]:
    """The station's active village points where parcels can be picked up."""
    return [
        point
        for point in ServicePoint.objects.filter(
            parent=station, tier=Tier.VILLAGE_POINT, active=True
        ).order_by("code")
        if Service.PARCEL_PICKUP in (point.services or [])
    ]


def _check_points(
    station: ServicePoint, point_ids: Sequence[int], errors: dict[str, list[str]]
) -> list[ServicePoint]:
    allowed_points = {point.pk: point for point in village_points_of(station)}
    if not point_ids:
        errors["points"] = [_("Choose at least one village point.")]
        return []
    if any(point_id not in allowed_points for point_id in point_ids):
        # Another station's point, another county's and a missing one read the same.
        errors["points"] = [_("Choose active village points of this station that offer pickup.")]
        return []
    return [allowed_points[point_id] for point_id in dict.fromkeys(point_ids)]


def _check_items(
    county: County, items: Sequence[ItemTerms], errors: dict[str, list[str]]
) -> dict[int, Sku]:
    if not items:
        errors["items"] = [_("Offer at least one product.")]
        return {}
    if len(items) > MAX_ITEMS:
        errors["items"] = [_("At most %(count)d products in one group buy.") % {"count": MAX_ITEMS}]
        return {}
    if len({item.sku_id for item in items}) != len(items):
        errors["items"] = [_("Each product variant may appear once.")]
        return {}
    skus = {
        sku.pk: sku
        for sku in Sku.objects.filter(
            pk__in=[item.sku_id for item in items], county=county
        ).select_related("product")
    }
    problems: list[str] = []
    for item in items:
        sku = skus.get(item.sku_id)
        if sku is None:
            # Missing and another county's SKU look the same.
            raise NotFound(_("Unknown product variant."), field="items")
        names = {"product": sku.product.name_zh, "sku": sku.label_zh}
        if not sku.active or sku.product.status != "active":
            problems.append(_("%(product)s %(sku)s is not for sale.") % names)
        elif sku.sold_by_weight:
            problems.append(
                _("%(product)s is sold by weight; a group buy counts whole units.") % names
            )
        if item.group_price_fen is not None and not 0 < item.group_price_fen <= sku.price_fen:
            problems.append(
                _(
                    "The group price of %(product)s must be more than ¥0.00 and at most "
                    "its price, %(price)s."
                )
                % {**names, "price": format_fen(sku.price_fen)}
            )
        if item.min_quantity is not None and item.min_quantity <= 0:
            problems.append(_("The minimum of %(product)s must be at least 1.") % names)
    if problems:
        errors["items"] = problems
    return skus


def _raise_if(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), errors=errors)


def _write_items(group_buy: GroupBuy, items: Sequence[ItemTerms]) -> None:
    GroupBuyItem.objects.bulk_create(
        GroupBuyItem(
            group_buy=group_buy,
            sku_id=item.sku_id,
            group_price_fen=item.group_price_fen,
            min_quantity=item.min_quantity,
            position=position,
        )
        for position, item in enumerate(items)
    )


def item_terms_of(group_buy: GroupBuy) -> list[ItemTerms]:
    return [
        ItemTerms(item.sku_id, item.group_price_fen, item.min_quantity)
        for item in group_buy.items.order_by("position", "pk")
    ]
