"""The seller's side of an order after payment: what waits to be packed, the after-sale
requests waiting for an answer, the menu's badges for both, and shipping with a carrier
and a tracking number."""

from __future__ import annotations

import re

from django.db import transaction
from django.db.models import Count, Min, Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from highland.catalog.models import Seller
from highland.core import audit
from highland.core.errors import ValidationFailed
from highland.core.models import County, Membership, Role, User
from highland.core.permissions import require
from highland.orders import paying
from highland.orders.models import (
    ORDER_MACHINE,
    AfterSale,
    AfterSaleStatus,
    Carrier,
    Delivery,
    GroupBuyOrder,
    Order,
    OrderStatus,
)

SELLER_ROLES = (Role.SELLER_STAFF, Role.COOPERATIVE_MANAGER)
TRACKING_NUMBER = re.compile(r"[A-Za-z0-9]{8,30}")
# Requests the seller must act on: answer an open one, receive the returned goods.
SELLER_AFTERSALE_STATUSES = (AfterSaleStatus.OPEN, AfterSaleStatus.AWAITING_RETURN)


# --- reads -------------------------------------------------------------------------------------


def fulfilled_sellers(user: User, county: County) -> QuerySet[Seller]:
    """The sellers whose orders `user` packs and ships in `county`: the organisations they
    staff or manage, and the households they represent (as `works_for_order_seller`)."""
    organisations = Membership.objects.filter(
        user=user, county=county, active=True, role__in=SELLER_ROLES
    ).values("organisation_id")
    return Seller.objects.filter(county=county).filter(
        Q(represented_by=user) | Q(organisation_id__in=organisations)
    )


def orders_to_pack(user: User, county: County) -> QuerySet[Order]:
    """Paid orders of the person's sellers not yet packed, oldest payment first.

    Group-buy orders are left out: their goods go to the station in one delivery.
    """
    return (
        Order.objects.filter(
            county=county,
            status=OrderStatus.PAID,
            seller__in=fulfilled_sellers(user, county),
        )
        .exclude(pk__in=GroupBuyOrder.objects.values("order_id"))
        .select_related("seller", "pickup_point", "county")
        .order_by("paid_at", "pk")
    )


def seller_aftersales(user: User, county: County) -> QuerySet[AfterSale]:
    """After-sale requests of the person's sellers that wait for them, nearest deadline first."""
    return (
        AfterSale.objects.filter(
            order__county=county,
            status__in=SELLER_AFTERSALE_STATUSES,
            order__seller__in=fulfilled_sellers(user, county),
        )
        .select_related("order", "order__seller")
        .order_by("answer_by", "pk")
    )


# --- menu badges -------------------------------------------------------------------------------


def is_seller(_user: User, _county: County | None, roles: frozenset[str]) -> bool:
    """Whether the menu shows the seller's entries: staff, managers and station agents (who
    represent household sellers)."""
    return bool(roles & {*SELLER_ROLES, Role.STATION_AGENT})


def to_pack_badge(user: User, county: County | None, _roles: frozenset[str]) -> str:
    """How many orders wait to be packed, or "" for none (one COUNT query)."""
    if county is None:
        return ""
    count = orders_to_pack(user, county).count()
    return str(count) if count else ""


def aftersale_badge(user: User, county: County | None, _roles: frozenset[str]) -> str:
    """How many after-sale requests wait, and the nearest answer deadline (one query)."""
    if county is None:
        return ""
    waiting = (
        seller_aftersales(user, county)
        .order_by()
        .aggregate(
            count=Count("pk"), nearest=Min("answer_by", filter=Q(status=AfterSaleStatus.OPEN))
        )
    )
    if not waiting["count"]:
        return ""
    if waiting["nearest"] is None:
        return str(waiting["count"])
    return _("%(count)d · answer by %(deadline)s") % {
        "count": waiting["count"],
        "deadline": formats.date_format(
            timezone.localtime(waiting["nearest"]), "SHORT_DATETIME_FORMAT"
        ),
    }


# --- shipping ----------------------------------------------------------------------------------


@transaction.atomic
def ship_order(
    order: Order, *, carrier: str, tracking_number: str, carrier_name: str = "", actor: User
) -> Order:
    """The seller hands a packed parcel to a carrier and records its tracking number.

    Express carriers need a tracking number (8 to 30 letters and digits); the county's own
    delivery to a pickup point may go without one; "other" needs the carrier's name.
    """
    order = paying.lock_order(order.pk)
    require(actor, "orders.fulfil_order", order)
    tracking_number = tracking_number.strip().upper()
    carrier_name = carrier_name.strip()
    errors: dict[str, list[str]] = {}
    if carrier not in Carrier.values:
        errors["carrier"] = [_("Choose the carrier.")]
    elif carrier == Carrier.COUNTY and order.delivery != Delivery.PICKUP:
        errors["carrier"] = [
            _("The county's own delivery goes to pickup points; choose an express carrier.")
        ]
    elif carrier == Carrier.OTHER and not carrier_name:
        errors["carrier_name"] = [_("Name the carrier.")]
    if carrier != Carrier.OTHER:
        carrier_name = ""
    # Only the county's own delivery may go without one; one given is always checked.
    needs_tracking = bool(tracking_number) or carrier != Carrier.COUNTY
    if needs_tracking and not TRACKING_NUMBER.fullmatch(tracking_number):
        errors["tracking_number"] = [
            _("A tracking number is 8 to 30 letters and digits, without spaces.")
        ]
    if errors:
        raise ValidationFailed(_("Please correct the shipping details."), errors=errors)
    fields = ORDER_MACHINE.move(order, OrderStatus.SHIPPED)
    order.carrier = carrier
    order.carrier_name = carrier_name
    order.tracking_number = tracking_number
    order.save(update_fields=[*fields, "carrier", "carrier_name", "tracking_number"])
    audit.record(
        actor,
        "orders.order.shipped",
        order,
        {"carrier": carrier, "carrier_name": carrier_name, "tracking_number": tracking_number},
    )
    return order


@transaction.atomic
def ship_with_county_delivery(order: Order, *, actor: User) -> Order:
    """The county's own delivery takes a packed pickup order on its way to the point (a
    driver loads it, a bus driver takes it): shipped, carrier "county", no tracking number.

    For logistics' tracking events; the seller's own shipping is `ship_order`.
    """
    order = paying.lock_order(order.pk)
    require(actor, "orders.carry_order", order)
    if order.delivery != Delivery.PICKUP:
        raise ValidationFailed(
            _("The county's own delivery goes to pickup points; choose an express carrier."),
            code="not_pickup",
        )
    fields = ORDER_MACHINE.move(order, OrderStatus.SHIPPED)
    order.carrier = Carrier.COUNTY
    order.carrier_name = ""
    order.tracking_number = ""
    order.save(update_fields=[*fields, "carrier", "carrier_name", "tracking_number"])
    audit.record(
        actor,
        "orders.order.shipped",
        order,
        {"carrier": Carrier.COUNTY, "carrier_name": "", "tracking_number": ""},
    )
    return order


def carrier_label(order: Order) -> str:
    """The carrier's name as the reader sees it: the company's name for "other"."""
    if order.carrier == Carrier.OTHER:
        return order.carrier_name
    return str(order.get_carrier_display()) if order.carrier else ""
