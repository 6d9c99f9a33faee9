"""Choosing a group buy's products with the desk's product picker, not by typing codes.

The organiser picks products before (or while) filling in the group-buy form; the picks
are kept in their session per group buy ("new" for one not yet drafted) and become the
form's product rows, where the group price and minimum are set.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from highland.catalog.models import ProductStatus, Sku
from highland.core.access import home_county
from highland.core.errors import NotFound, PermissionDenied
from highland.core.http import domain_errors_as_pages
from highland.core.models import County, User
from highland.core.permissions import require
from highland.orders import groupbuys
from highland.orders.models import GroupBuy
from highland.orders.views.assisted import picker_context
from highland.orders.views.shared import _organised_stations, _person

PICKS_KEY = "group_buy_picks"
NEW = "new"


def picks_of(session: MutableMapping[str, Any], target: str) -> list[int]:
    """The SKU ids picked for a group buy (`NEW` or its id), in the order picked."""
    picks = session.get(PICKS_KEY)
    chosen = picks.get(target, []) if isinstance(picks, dict) else []
    return [int(sku_id) for sku_id in chosen]


def set_picks(session: MutableMapping[str, Any], target: str, sku_ids: list[int]) -> None:
    picks = session.get(PICKS_KEY)
    picks = picks if isinstance(picks, dict) else {}
    if sku_ids:
        picks[target] = sku_ids[: groupbuys.MAX_ITEMS]
    else:
        picks.pop(target, None)
    session[PICKS_KEY] = picks


def _target(request: HttpRequest, user: User, county: County) -> tuple[str, GroupBuy | None]:
    """Which group buy the picks are for, after checking the person may set its products."""
    raw = request.POST.get("group_buy") or request.GET.get("group_buy") or NEW
    if raw == NEW:
        if not _organised_stations(user, county):
            raise PermissionDenied(_("You are not allowed to do this."))
        return NEW, None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise NotFound(_("No such group buy."))
    group_buy = groupbuys.access_group_buy(user, int(raw))
    require(user, "orders.manage_group_buy", group_buy)
    return str(group_buy.pk), group_buy


@login_required
@domain_errors_as_pages
def group_buy_products(request: HttpRequest) -> HttpResponse:
    """The product picker for a group buy: add or remove products, then back to its form."""
    user = _person(request)
    county = home_county(user)
    target, group_buy = _target(request, user, county)
    if request.method == "POST":
        raw = request.POST.get("sku", "")
        sku_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else 0
        picks = picks_of(request.session, target)
        if request.POST.get("action") == "remove":
            picks = [pick for pick in picks if pick != sku_id]
        elif sku_id not in picks:
            on_sale = Sku.objects.filter(
                county=county,
                pk=sku_id,
                active=True,
                product__status=ProductStatus.ACTIVE,
                product__seller__active=True,
            ).exists()
            if not on_sale:
                raise NotFound(_("Unknown product variant."))
            picks.append(sku_id)
        set_picks(request.session, target, picks)
        params = {"group_buy": target}
        for name in ("q", "category"):
            value = request.POST.get(name, "")
            if value and "\x00" not in value:
                params[name] = value[:100]
        return redirect(f"{reverse('orders:group-buy-products')}?{urlencode(params)}")
    picked = Sku.objects.filter(county=county, pk__in=picks_of(request.session, target))
    context = {
        "group_buy": group_buy,
        "target": target,
        "picked": list(picked.select_related("product").order_by("product__name_zh", "pk")),
        "back": reverse("orders:group-buy-edit", args=[group_buy.pk])
        if group_buy
        else reverse("orders:group-buy-create"),
        **picker_context(
            request,
            county,
            page_url=reverse("orders:group-buy-products"),
            action_url=reverse("orders:group-buy-products"),
            hidden={"group_buy": target},
            quantities=False,
        ),
    }
    if request.headers.get("HX-Request"):
        return render(request, "orders/partials/picker_results.html", context)
    return render(request, "orders/groupbuys/products.html", context)
