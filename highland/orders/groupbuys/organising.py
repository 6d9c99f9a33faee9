"""Organising a group buy: create, edit, open and cancel a window."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.core import audit
from highland.core.errors import ValidationFailed
from highland.core.models import User
from highland.core.permissions import require
from highland.network.models import ServicePoint, Tier
from highland.orders.groupbuys.terms import (
    EDITABLE,
    GroupBuyTerms,
    ItemTerms,
    _check_items,
    _check_points,
    _check_times,
    _check_titles,
    _hold_unpaid_orders,
    _lock,
    _raise_if,
    _write_items,
    item_terms_of,
    transition,
    village_points_of,
)
from highland.orders.models import (
    GroupBuy,
    GroupBuyStatus,
)

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
        "items": item_terms_of(group_buy),
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
