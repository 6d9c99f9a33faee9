"""The seller's queue: orders to pack and to ship, after-sale requests waiting for an
answer, and the way to their statement."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from highland.core.access import home_county
from highland.core.errors import PermissionDenied
from highland.core.http import domain_errors_as_pages
from highland.core.models import County, User
from highland.core.permissions import roles_of
from highland.orders import fulfilment
from highland.orders.forms import ShipForm
from highland.orders.lot_allocation import attach_lot_choices
from highland.orders.models import GroupBuyOrder, Order, OrderLine, OrderStatus
from highland.orders.views.shared import _person

QUEUE_LIMIT = 100


def _seller_and_county(request: HttpRequest) -> tuple[User, County]:
    """The person and their county; a 403 page for anyone who sells nothing."""
    user = _person(request)
    county = home_county(user)
    if not fulfilment.is_seller(user, county, roles_of(user, county)):
        raise PermissionDenied(
            _("This page is for the people who sell: staff of a seller or its agent."),
            code="not_a_seller",
        )
    return user, county


@require_GET
@login_required
@domain_errors_as_pages
def to_pack_page(request: HttpRequest) -> HttpResponse:
    """Paid orders to pack (oldest first, one tap each) and packed orders to ship."""
    user, county = _seller_and_county(request)
    lines = Prefetch("lines", queryset=OrderLine.objects.order_by("pk"))
    to_pack = list(fulfilment.orders_to_pack(user, county).prefetch_related(lines)[:QUEUE_LIMIT])
    attach_lot_choices([line for order in to_pack for line in order.lines.all()])
    to_ship = list(
        Order.objects.filter(
            county=county,
            status=OrderStatus.PACKED,
            seller__in=fulfilment.fulfilled_sellers(user, county),
        )
        .exclude(pk__in=GroupBuyOrder.objects.values("order_id"))
        .select_related("seller", "pickup_point")
        .prefetch_related(lines)
        .order_by("packed_at", "pk")[:QUEUE_LIMIT]
    )
    return render(
        request,
        "orders/to_pack.html",
        {"to_pack": to_pack, "to_ship": to_ship, "ship_form": ShipForm()},
    )


@require_GET
@login_required
@domain_errors_as_pages
def seller_aftersale_list(request: HttpRequest) -> HttpResponse:
    """After-sale requests waiting for the seller, nearest deadline first."""
    user, county = _seller_and_county(request)
    return render(
        request,
        "orders/seller_aftersales.html",
        {"aftersales": list(fulfilment.seller_aftersales(user, county)[:QUEUE_LIMIT])},
    )


@require_GET
@login_required
@domain_errors_as_pages
def my_statements(request: HttpRequest) -> HttpResponse:
    """The menu's way to a statement: straight to it for one seller, else a choice."""
    user, county = _seller_and_county(request)
    sellers = list(fulfilment.fulfilled_sellers(user, county).order_by("name_zh")[:QUEUE_LIMIT])
    if len(sellers) == 1:
        return redirect("orders:statement", sellers[0].pk)
    return render(request, "orders/my_statements.html", {"sellers": sellers})
