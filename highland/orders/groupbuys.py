"""Group buys: a township station pools its villages' orders for a window, then orders once
per supplier and hands the goods out at the village points.

Decisions (see also the docstrings below):

- Joining is a normal checkout (`services.place_order`): one payment, one order per seller,
  pickup at the villager's village point, cash at the point. Stock is reserved at joining
  by checkout's conditional UPDATE, so a window can never sell more than there is.
- Villagers pay cash at their point, when they join or when they collect. With
  `pay_on_pickup` (the default, because most herders pay when the goods are in their
  hands) unpaid orders survive the cut-off and stay reserved until `collect_by`; after
  that the normal expiry cancels them and gives the stock back. Without it, an order
  must be paid by the cut-off and the close cancels the unpaid ones.
- An order goes ahead only if every item in it reached its minimum. Cancelling an order
  can push another item below its minimum, so the close repeats until nothing changes.
  An agent who wants items to stand alone joins them as separate orders.
- Goods sold by weight are not offered: each parcel would have to be weighed, and a
  consolidated delivery is counted in units.
- A group price is written onto the order lines right after checkout, before any
  payment, so commission, seller payables and refunds all follow it.

Permission-checked reads (`access_*`) and the pick-list selector live at the end of this
module so the feature stays in one place; they follow access.py and selectors.py.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.catalog.models import Sku
from highland.core import audit
from highland.core.errors import DomainError, NotFound, ValidationFailed
from highland.core.models import County, Role, User
from highland.core.money import format_fen
from highland.core.permissions import allowed, require, roles_of
from highland.network.models import Service, ServicePoint, Tier
from highland.orders import pricing, services
from highland.orders.models import (
    GROUP_BUY_MACHINE,
    ConsolidatedPurchase,
    ConsolidatedPurchaseLine,
    Delivery,
    GroupBuy,
    GroupBuyItem,
    GroupBuyOrder,
    GroupBuyStatus,
    ItemOutcome,
    Order,
    OrderLine,
    OrderStatus,
)
from highland.payments import services as payment_services
from highland.payments.models import PaymentMethod

logger = logging.getLogger(__name__)

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


def _item_terms(group_buy: GroupBuy) -> list[ItemTerms]:
    return [
        ItemTerms(item.sku_id, item.group_price_fen, item.min_quantity)
        for item in group_buy.items.order_by("position", "pk")
    ]


# --- organising ---------------------------------------------------------------------------


@transaction.atomic
def create_group_buy(
    station: ServicePoint,
    terms: GroupBuyTerms,
    *,
    actor: User,
    now: dt.datetime | None = None,
) -> GroupBuy:
    """A station agent (or a centre operator) drafts a group buy for the station's villages."""
    now = now or timezone.now()
    require(actor, "orders.organise_group_buy", station)
    if station.tier != Tier.TOWNSHIP_STATION or not station.active:
        raise ValidationFailed(
            _("Group buys are run by an active township station."), field="station"
        )
    errors: dict[str, list[str]] = {}
    titles = _check_titles(terms, errors)
    _check_times(terms, errors, now=now, cutoff_must_be_ahead=True)
    point_ids = (
        [point.pk for point in village_points_of(station)]
        if terms.point_ids is None
        else terms.point_ids
    )
    points = _check_points(station, point_ids, errors)
    _check_items(station.county, terms.items, errors)
    _raise_if(errors)
    group_buy = GroupBuy.objects.create(
        county=station.county,
        station=station,
        organiser=actor,
        opens_at=terms.opens_at,
        closes_at=terms.closes_at,
        collect_by=terms.collect_by,
        pay_on_pickup=terms.pay_on_pickup,
        **titles,
    )
    group_buy.points.set(points)
    _write_items(group_buy, terms.items)
    audit.record(
        actor,
        "orders.group_buy.created",
        group_buy,
        {
            "station": station.code,
            "closes_at": terms.closes_at.isoformat(),
            "points": [point.code for point in points],
            "items": [item.sku_id for item in terms.items],
        },
    )
    return group_buy


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, list):
        return [_jsonable(part) for part in value]
    if isinstance(value, ItemTerms):
        return [value.sku_id, value.group_price_fen, value.min_quantity]
    return value


@transaction.atomic
def update_group_buy(
    group_buy: GroupBuy,
    terms: GroupBuyTerms,
    *,
    actor: User,
    now: dt.datetime | None = None,
) -> GroupBuy:
    """Change a group buy: anything while a draft, then only titles and dates (EDITABLE).

    Unpaid orders' stock holds follow the new dates.
    """
    now = now or timezone.now()
    group_buy = _lock(group_buy.pk)
    require(actor, "orders.manage_group_buy", group_buy)
    editable = EDITABLE.get(GroupBuyStatus(group_buy.status))
    if editable is None:
        raise ValidationFailed(
            _("A group buy that is %(status)s cannot be changed.")
            % {"status": group_buy.get_status_display()},
            code="not_editable",
        )
    current_points = sorted(group_buy.points.values_list("pk", flat=True))
    current: dict[str, Any] = {
        "title_zh": group_buy.title_zh,
        "title_bo": group_buy.title_bo,
        "title_en": group_buy.title_en,
        "opens_at": group_buy.opens_at,
        "closes_at": group_buy.closes_at,
        "collect_by": group_buy.collect_by,
        "pay_on_pickup": group_buy.pay_on_pickup,
        "points": current_points,
        "items": _item_terms(group_buy),
    }
    errors: dict[str, list[str]] = {}
    titles = _check_titles(terms, errors)
    wanted: dict[str, Any] = {
        **titles,
        "opens_at": terms.opens_at,
        "closes_at": terms.closes_at,
        "collect_by": terms.collect_by,
        "pay_on_pickup": terms.pay_on_pickup,
        "points": current_points if terms.point_ids is None else sorted(set(terms.point_ids)),
        "items": list(terms.items),
    }
    changed = [name for name, value in wanted.items() if current[name] != value]
    for name in changed:
        if name not in editable:
            errors[name] = [
                _("This cannot change once the group buy is %(status)s.")
                % {"status": group_buy.get_status_display()}
            ]
    _check_times(
        terms,
        errors,
        now=now,
        cutoff_must_be_ahead="closes_at" in changed,
        collection_must_be_ahead="collect_by" in changed,
    )
    points: list[ServicePoint] = []
    if "points" in changed and "points" in editable:
        points = _check_points(group_buy.station, wanted["points"], errors)
    if "items" in changed and "items" in editable:
        _check_items(group_buy.county, terms.items, errors)
    _raise_if(errors)
    if not changed:
        return group_buy
    fields = [name for name in changed if name not in ("points", "items")]
    for name in fields:
        setattr(group_buy, name, wanted[name])
    if fields:
        group_buy.save(update_fields=fields)
    if "points" in changed:
        group_buy.points.set(points)
    if "items" in changed:
        group_buy.items.all().delete()
        _write_items(group_buy, terms.items)
    _hold_unpaid_orders(group_buy)
    audit.record(
        actor,
        "orders.group_buy.updated",
        group_buy,
        {
            name: {"from": _jsonable(current[name]), "to": _jsonable(wanted[name])}
            for name in changed
        },
    )
    return group_buy


@transaction.atomic
def open_group_buy(group_buy: GroupBuy, *, actor: User, now: dt.datetime | None = None) -> GroupBuy:
    """Publish a draft: from `opens_at` until the cut-off, agents add their villagers."""
    now = now or timezone.now()
    group_buy = _lock(group_buy.pk)
    require(actor, "orders.manage_group_buy", group_buy)
    if group_buy.closes_at <= now:
        raise ValidationFailed(
            _("The cut-off has passed; move it before opening."), field="closes_at"
        )
    if not group_buy.items.exists() or not group_buy.points.exists():
        raise ValidationFailed(
            _("A group buy needs at least one product and one village point."), code="empty"
        )
    fields = transition(group_buy, GroupBuyStatus.OPEN, now=now)
    group_buy.save(update_fields=fields)
    audit.record(actor, "orders.group_buy.opened", group_buy, {})
    return group_buy


# --- joining ------------------------------------------------------------------------------


def _check_window(group_buy: GroupBuy, now: dt.datetime) -> None:
    is_open = group_buy.status == GroupBuyStatus.OPEN
    if is_open and group_buy.opens_at <= now < group_buy.closes_at:
        return
    if group_buy.status == GroupBuyStatus.DRAFT or (is_open and now < group_buy.opens_at):
        raise ValidationFailed(_("This group buy is not open yet."), code="not_open")
    if group_buy.status == GroupBuyStatus.CANCELLED:
        raise ValidationFailed(_("This group buy was cancelled."), code="group_buy_closed")
    raise ValidationFailed(
        _("This group buy closed at %(time)s; no more orders can join.")
        % {"time": timezone.localtime(group_buy.closes_at).strftime("%Y-%m-%d %H:%M")},
        code="group_buy_closed",
    )


def _apply_group_prices(result: services.CheckoutResult, items: dict[int, GroupBuyItem]) -> None:
    """Write the group prices onto the just-placed, unpaid orders and their payment."""
    for order in result.orders:
        lines = list(order.lines.all())
        cheaper = []
        for line in lines:
            group_price = items[line.sku_id].group_price_fen
            if group_price and group_price < line.unit_price_fen:
                line.unit_price_fen = group_price
                line.line_fen = pricing.line_amount_fen(
                    unit_price_fen=group_price, quantity=line.quantity, by_weight=False
                )
                cheaper.append(line)
        if cheaper:
            OrderLine.objects.bulk_update(cheaper, ["unit_price_fen", "line_fen"])
            order.items_fen = sum(line.line_fen for line in lines)
            order.total_fen = order.items_fen + order.shipping_fen + order.weight_allowance_fen
            order.save(update_fields=["items_fen", "total_fen"])
    payment = result.payment
    payment.amount_fen = sum(order.total_fen for order in result.orders)
    payment.save(update_fields=["amount_fen"])


def _existing_join(group_buy: GroupBuy, villager: User, key: str) -> services.CheckoutResult | None:
    links = list(
        GroupBuyOrder.objects.filter(
            group_buy=group_buy, order__buyer=villager, order__payment__idempotency_key=key
        ).select_related("order__payment")
    )
    if not links:
        return None
    return services.CheckoutResult(
        payment=links[0].order.payment,
        orders=sorted((link.order for link in links), key=lambda order: order.pk),
        created=False,
    )


@transaction.atomic
def join_group_buy(
    group_buy: GroupBuy,
    lines: Sequence[services.CheckoutLine],
    *,
    villager: User,
    point: ServicePoint,
    actor: User,
    idempotency_key: str = "",
    now: dt.datetime | None = None,
) -> services.CheckoutResult:
    """An agent adds a villager's order to an open group buy, for pickup at their point.

    A normal cash-at-the-point checkout: the stock is reserved now (never oversold) and
    held until the cut-off, or until `collect_by` when villagers pay at pickup. With an
    idempotency key, repeating the call returns the first result.
    """
    now = now or timezone.now()
    group_buy = _lock(group_buy.pk)
    require(actor, "orders.join_group_buy", point)
    if idempotency_key:
        existing = _existing_join(group_buy, villager, idempotency_key)
        if existing is not None:
            return existing
    _check_window(group_buy, now)
    if not group_buy.points.filter(pk=point.pk).exists():
        raise ValidationFailed(
            _("This village point is not part of the group buy."), field="point", code="wrong_point"
        )
    items = {item.sku_id: item for item in group_buy.items.all()}
    if not lines:
        raise ValidationFailed(_("Order at least one product."), field="lines", code="empty_cart")
    for line in lines:
        if line.quantity <= 0:
            raise ValidationFailed(_("Quantity must be at least 1."), field="quantity")
        if line.sku_id not in items:
            raise ValidationFailed(
                _("This product is not offered in the group buy."),
                field="lines",
                code="not_offered",
            )
    result = services.place_order(
        group_buy.county,
        lines,
        buyer=villager,
        actor=actor,
        delivery=services.DeliveryDetails(
            method=Delivery.PICKUP,
            recipient_name=str(villager),
            phone=villager.phone,
            pickup_point=point,
        ),
        payment_method=PaymentMethod.CASH_AT_POINT,
        idempotency_key=idempotency_key,
    )
    if not result.created:
        # The key was used for a checkout outside this group buy.
        raise ValidationFailed(_("This form was already used; reload it."), code="key_used")
    _apply_group_prices(result, items)
    hold = hold_until(group_buy)
    Order.objects.filter(pk__in=[order.pk for order in result.orders]).update(reserved_until=hold)
    for order in result.orders:
        order.reserved_until = hold
    GroupBuyOrder.objects.bulk_create(
        GroupBuyOrder(group_buy=group_buy, order=order, joined_by=actor) for order in result.orders
    )
    audit.record(
        actor,
        "orders.group_buy.joined",
        group_buy,
        {
            "orders": [order.number for order in result.orders],
            "amount_fen": result.payment.amount_fen,
            "point": point.code,
            "lines": {str(line.sku_id): line.quantity for line in lines},
        },
        on_behalf_of=villager if villager.pk != actor.pk else None,
    )
    return result


# --- the cut-off ----------------------------------------------------------------------------


def _drop_order(order: Order, *, reason: str, actor: User | None, group_buy: GroupBuy) -> None:
    """Cancel a group-buy order the group buy cannot deliver: stock back, money back.

    Call inside the action's transaction with the order locked. It is `cancel_order`
    without the caller's permission check: the scheduled close has no person.
    """
    was_paid = order.status != OrderStatus.PENDING_PAYMENT
    fields = services.transition(order, OrderStatus.CANCELLED)
    order.save(update_fields=fields)
    services._release(order)
    if was_paid:
        payment_services.refund(
            order.payment,
            order.items_fen
            + order.shipping_fen
            + order.adjustment_fen
            + services._allowance_left(order),
            reason=reason,
            actor=actor,
            debit_lines=services._refund_lines_for(order),
        )
    else:
        services._cancel_payment_if_unpaid(order.payment)
    GroupBuyOrder.objects.filter(order=order).update(dropped_reason=reason[:200])
    audit.record(
        actor,
        "orders.order.cancelled",
        order,
        {"reason": reason, "refunded": was_paid, "group_buy": group_buy.pk},
        on_behalf_of=order.buyer if actor is not None else None,
    )


def _purchase_number() -> str:
    stamp = timezone.localtime().strftime("%y%m%d")
    return f"CP{stamp}{secrets.randbelow(10**10):010d}"


def _consolidate(group_buy: GroupBuy, orders: list[Order]) -> list[ConsolidatedPurchase]:
    """One purchase per seller: each SKU's units and goods value over the live orders."""
    by_seller: dict[int, dict[int, list[OrderLine]]] = defaultdict(lambda: defaultdict(list))
    for order in orders:
        for line in order.lines.all():
            by_seller[order.seller_id][line.sku_id].append(line)
    purchases = []
    for seller_id, by_sku in sorted(by_seller.items()):
        purchase = ConsolidatedPurchase.objects.create(
            county=group_buy.county,
            group_buy=group_buy,
            seller_id=seller_id,
            number=_purchase_number(),
            amount_fen=sum(line.line_fen for lines in by_sku.values() for line in lines),
        )
        ConsolidatedPurchaseLine.objects.bulk_create(
            ConsolidatedPurchaseLine(
                purchase=purchase,
                sku_id=sku_id,
                product_name=lines[0].product_name,
                sku_label=lines[0].sku_label,
                quantity=sum(line.quantity for line in lines),
                amount_fen=sum(line.line_fen for line in lines),
            )
            for sku_id, lines in sorted(by_sku.items())
        )
        purchases.append(purchase)
    return purchases


@transaction.atomic
def close_group_buy(
    group_buy: GroupBuy, *, actor: User | None, now: dt.datetime | None = None
) -> CloseResult:
    """Cut-off: drop what cannot go ahead, then one purchase per seller from what is left.

    Unpaid orders are dropped unless villagers pay at pickup; orders holding an item
    below its minimum are dropped, repeatedly, until every item left reached its
    minimum. `actor` None is the scheduled run, which closes only once the cut-off passed;
    an organiser may close early.
    """
    now = now or timezone.now()
    group_buy = _lock(group_buy.pk)
    if actor is not None:
        require(actor, "orders.manage_group_buy", group_buy)
    elif group_buy.closes_at > now:
        raise ValidationFailed(_("The cut-off has not come yet."), code="not_due")
    fields = transition(group_buy, GroupBuyStatus.CLOSED, now=now)
    live = list(
        Order.objects.select_for_update(of=("self",))
        .filter(LIVE, group_buy_link__group_buy=group_buy)
        .select_related("payment", "buyer")
        .prefetch_related(LINES_IN_ORDER)
        .order_by("pk")
    )
    cancelled: dict[str, str] = {}

    def drop(order: Order, reason: str) -> None:
        _drop_order(order, reason=reason, actor=actor, group_buy=group_buy)
        cancelled[order.number] = reason

    if not group_buy.pay_on_pickup:
        for order in [order for order in live if order.status == OrderStatus.PENDING_PAYMENT]:
            drop(order, _("Not paid by the group buy's cut-off."))
            live.remove(order)

    items = {item.sku_id: item for item in group_buy.items.select_related("sku__product")}
    below: set[int] = set()
    while True:
        totals = _totals(live)
        short = {
            sku_id
            for sku_id, item in items.items()
            if item.min_quantity and totals.get(sku_id, 0) < item.min_quantity
        }
        below |= short
        hit = [order for order in live if any(line.sku_id in short for line in order.lines.all())]
        if not hit:
            break
        for order in hit:
            item = items[next(line.sku_id for line in order.lines.all() if line.sku_id in short)]
            drop(
                order,
                _(
                    "%(product)s did not reach the group buy's minimum of %(minimum)d "
                    "(%(ordered)d ordered)."
                )
                % {
                    "product": item.sku.product.name_zh,
                    "minimum": item.min_quantity,
                    "ordered": totals.get(item.sku_id, 0),
                },
            )
            live.remove(order)
    totals = _totals(live)
    for sku_id, item in items.items():
        item.outcome = (
            ItemOutcome.BELOW_MINIMUM
            if sku_id in below
            else ItemOutcome.GOING_AHEAD
            if totals.get(sku_id)
            else ItemOutcome.NO_ORDERS
        )
    GroupBuyItem.objects.bulk_update(items.values(), ["outcome"])
    purchases = _consolidate(group_buy, live)
    group_buy.save(update_fields=fields)
    audit.record(
        actor,
        "orders.group_buy.closed",
        group_buy,
        {
            "scheduled": actor is None,
            "cancelled": cancelled,
            "purchases": {purchase.number: purchase.amount_fen for purchase in purchases},
            "quantities": {str(sku_id): quantity for sku_id, quantity in sorted(totals.items())},
        },
    )
    return CloseResult(group_buy=group_buy, cancelled=cancelled, purchases=purchases)


def _totals(orders: Sequence[Order]) -> dict[int, int]:
    totals: dict[int, int] = defaultdict(int)
    for order in orders:
        for line in order.lines.all():
            totals[line.sku_id] += line.quantity
    return dict(totals)


def close_due_group_buys(*, now: dt.datetime | None = None) -> int:
    """Close every open group buy whose cut-off passed, each in its own transaction."""
    now = now or timezone.now()
    closed = 0
    due = GroupBuy.objects.filter(status=GroupBuyStatus.OPEN, closes_at__lte=now)
    for group_buy in due.order_by("closes_at", "pk"):
        try:
            close_group_buy(group_buy, actor=None, now=now)
        except DomainError:
            # Closed by hand meanwhile, or refused: the next run sees the fresh state.
            logger.exception("group buy %s was not closed", group_buy.pk)
        else:
            closed += 1
    return closed


# --- ordering, delivery and pickup -----------------------------------------------------------


@transaction.atomic
def order_from_suppliers(
    group_buy: GroupBuy, *, actor: User, now: dt.datetime | None = None
) -> GroupBuy:
    """The organiser sends the consolidated purchases; sellers see them from now on."""
    now = now or timezone.now()
    group_buy = _lock(group_buy.pk)
    require(actor, "orders.manage_group_buy", group_buy)
    numbers = list(group_buy.purchases.order_by("pk").values_list("number", flat=True))
    if group_buy.status == GroupBuyStatus.CLOSED and not numbers:
        raise ValidationFailed(
            _("Nothing to order: no order went ahead. Cancel the group buy instead."),
            code="nothing_to_order",
        )
    fields = transition(group_buy, GroupBuyStatus.ORDERED, now=now)
    group_buy.save(update_fields=fields)
    audit.record(actor, "orders.group_buy.ordered", group_buy, {"purchases": numbers})
    return group_buy


def _arrive(order: Order) -> None:
    """A paid order's goods reached its point: packed (unless the seller packed it on its
    own page already) and shipped, ready for pickup."""
    fields = []
    if order.status == OrderStatus.PAID:
        fields += services.transition(order, OrderStatus.PACKED)
    fields += services.transition(order, OrderStatus.SHIPPED)
    order.save(update_fields=sorted(set(fields)))


@transaction.atomic
def receive_purchase(
    purchase: ConsolidatedPurchase, *, actor: User, now: dt.datetime | None = None
) -> ConsolidatedPurchase:
    """The seller's delivery reached the station and its points: paid orders are ready
    for pickup. When every purchase is in, the group buy is delivered."""
    now = now or timezone.now()
    group_buy = _lock(purchase.group_buy_id)
    require(actor, "orders.manage_group_buy", group_buy)
    purchase = ConsolidatedPurchase.objects.select_for_update().get(pk=purchase.pk)
    if group_buy.status != GroupBuyStatus.ORDERED:
        raise ValidationFailed(
            _("Only a purchase ordered from its supplier can be received."), code="not_ordered"
        )
    if purchase.delivered_at is not None:
        raise ValidationFailed(_("This delivery was already received."), code="already_received")
    purchase.delivered_at, purchase.received_by = now, actor
    purchase.save(update_fields=["delivered_at", "received_by"])
    ready = []
    for order in (
        Order.objects.select_for_update(of=("self",))
        .filter(group_buy_link__group_buy=group_buy, seller_id=purchase.seller_id)
        .filter(status__in=[OrderStatus.PAID, OrderStatus.PACKED])
        .order_by("pk")
    ):
        _arrive(order)
        ready.append(order.number)
    delivered = not group_buy.purchases.filter(delivered_at__isnull=True).exists()
    if delivered:
        group_buy.save(update_fields=transition(group_buy, GroupBuyStatus.DELIVERED, now=now))
    audit.record(
        actor,
        "orders.consolidated_purchase.received",
        purchase,
        {"ready_for_pickup": ready, "group_buy_delivered": delivered},
    )
    return purchase


@transaction.atomic
def hand_over(order: Order, *, agent: User, pickup_code: str) -> Order:
    """A villager collects a group-buy order at their point with the code on the receipt;
    an unpaid order is paid in cash there first."""
    link = GroupBuyOrder.objects.filter(order_id=order.pk).first()
    if link is None:
        raise ValidationFailed(_("This order is not part of a group buy."), code="not_group_buy")
    group_buy = _lock(link.group_buy_id)
    order = Order.objects.select_related("payment", "pickup_point").get(pk=order.pk)
    require(agent, "orders.collect_cash", order.pickup_point)
    delivered_sellers = set(
        group_buy.purchases.filter(delivered_at__isnull=False).values_list("seller_id", flat=True)
    )
    if order.seller_id not in delivered_sellers:
        raise ValidationFailed(_("The goods have not reached the point yet."), code="not_arrived")
    if not secrets.compare_digest(order.pickup_code.encode(), pickup_code.strip().encode()):
        raise ValidationFailed(_("The pickup code does not match."), field="pickup_code")
    cash_collected = order.status == OrderStatus.PENDING_PAYMENT
    if cash_collected:
        assert order.pickup_point is not None
        services.collect_cash(order.payment, agent=agent, point=order.pickup_point)
    # Paid just now, or at the desk after the delivery came in: the goods are here.
    for ready in Order.objects.select_for_update(of=("self",)).filter(
        payment_id=order.payment_id,
        status__in=[OrderStatus.PAID, OrderStatus.PACKED],
        group_buy_link__group_buy=group_buy,
        seller_id__in=delivered_sellers,
    ):
        _arrive(ready)
    order = services.record_pickup(order, agent=agent, pickup_code=pickup_code)
    audit.record(
        agent,
        "orders.group_buy.handed_over",
        group_buy,
        {"order": order.number, "cash_collected": cash_collected},
        on_behalf_of=order.buyer,
    )
    return order


@transaction.atomic
def cancel_group_buy(
    group_buy: GroupBuy, *, actor: User, reason: str, now: dt.datetime | None = None
) -> GroupBuy:
    """Call a group buy off before anything is ordered: every order is cancelled, paid ones
    refunded, and the stock goes back."""
    now = now or timezone.now()
    group_buy = _lock(group_buy.pk)
    require(actor, "orders.manage_group_buy", group_buy)
    if not reason.strip():
        raise ValidationFailed(_("Say why the group buy is cancelled."), field="reason")
    fields = transition(group_buy, GroupBuyStatus.CANCELLED, now=now)
    group_buy.cancel_reason = reason.strip()[:200]
    group_buy.save(update_fields=[*fields, "cancel_reason"])
    why = _("The group buy was cancelled: %(reason)s") % {"reason": reason.strip()}
    numbers = []
    for order in (
        Order.objects.select_for_update(of=("self",))
        .filter(LIVE, group_buy_link__group_buy=group_buy)
        .select_related("payment", "buyer")
        .prefetch_related(LINES_IN_ORDER)
        .order_by("pk")
    ):
        _drop_order(order, reason=why, actor=actor, group_buy=group_buy)
        numbers.append(order.number)
    audit.record(
        actor,
        "orders.group_buy.cancelled",
        group_buy,
        {"reason": reason.strip(), "cancelled_orders": numbers},
    )
    return group_buy


# --- reads ---------------------------------------------------------------------------------


def access_group_buy(user: User, group_buy_id: int) -> GroupBuy:
    """The group buy if `user` may see it; missing and not-yours give the same 404."""
    group_buy = (
        GroupBuy.objects.select_related("county", "station", "organiser")
        .filter(pk=group_buy_id)
        .first()
    )
    if group_buy is None or not allowed(user, "orders.view_group_buy", group_buy):
        raise NotFound(_("No such group buy."))
    return group_buy


def access_purchase(user: User, purchase_id: int) -> ConsolidatedPurchase:
    purchase = (
        ConsolidatedPurchase.objects.select_related(
            "county", "seller", "group_buy__station", "group_buy__county"
        )
        .filter(pk=purchase_id)
        .first()
    )
    if purchase is None or not allowed(user, "orders.view_consolidated_purchase", purchase):
        raise NotFound(_("No such purchase."))
    return purchase


def group_buys_visible_to(user: User) -> QuerySet[GroupBuy]:
    """The group buys of the person's county they organise, serve, supply or joined."""
    county = user.county
    base = GroupBuy.objects.filter(county=county).select_related("station", "organiser")
    if user.is_superuser or roles_of(user, county) & {Role.CENTRE_OPERATOR, Role.COUNTY_OFFICIAL}:
        return base
    ids = GroupBuy.objects.filter(
        Q(station__agents=user) | Q(points__agents=user) | Q(orders__order__buyer=user),
        county=county,
    ).values("pk")
    return base.filter(pk__in=ids)


def item_totals(group_buy: GroupBuy) -> dict[int, int]:
    """Units ordered so far per SKU, over the orders still standing."""
    totals: dict[int, int] = defaultdict(int)
    for sku_id, quantity in (
        OrderLine.objects.filter(order__group_buy_link__group_buy=group_buy)
        .exclude(order__status=OrderStatus.CANCELLED)
        .values_list("sku_id", "quantity")
    ):
        totals[sku_id] += quantity
    return dict(totals)


@dataclass
class PickRow:
    order: Order
    villager: str
    to_collect_fen: int
    lines: list[OrderLine]


@dataclass
class PickList:
    point: ServicePoint
    rows: list[PickRow] = field(default_factory=list)
    totals: list[tuple[str, str, int]] = field(default_factory=list)


def pick_lists(group_buy: GroupBuy, *, point_ids: set[int] | None = None) -> list[PickList]:
    """Per village point, which villager gets what (orders still standing), by code."""
    orders = (
        Order.objects.filter(LIVE, group_buy_link__group_buy=group_buy)
        .select_related("buyer", "pickup_point")
        .prefetch_related(LINES_IN_ORDER)
        .order_by("pickup_point__code", "recipient_name", "pk")
    )
    if point_ids is not None:
        orders = orders.filter(pickup_point_id__in=point_ids)
    lists: dict[int, PickList] = {}
    for order in orders:
        assert order.pickup_point is not None
        pick_list = lists.setdefault(order.pickup_point.pk, PickList(point=order.pickup_point))
        pick_list.rows.append(
            PickRow(
                order=order,
                villager=str(order.buyer),
                to_collect_fen=order.total_fen
                if order.status == OrderStatus.PENDING_PAYMENT
                else 0,
                lines=list(order.lines.all()),
            )
        )
    for pick_list in lists.values():
        quantities: dict[tuple[str, str], int] = defaultdict(int)
        for row in pick_list.rows:
            for line in row.lines:
                quantities[(line.product_name, line.sku_label)] += line.quantity
        pick_list.totals = [(name, label, qty) for (name, label), qty in sorted(quantities.items())]
    return list(lists.values())
