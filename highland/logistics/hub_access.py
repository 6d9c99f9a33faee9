"""Permission-checked fetches for the hub's pages and API: a zone, location, lot or order
of another county is the same 404 as one that does not exist (STYLE 15); a person who
may not see the hub at all gets 403."""

from __future__ import annotations

from django.utils.translation import gettext as _

from highland.catalog.models import Sku, StockLot
from highland.core.access import home_county
from highland.core.errors import NotFound
from highland.core.models import County, User
from highland.core.permissions import require
from highland.logistics.models import HubLocation, HubZone
from highland.network.models import ServicePoint
from highland.orders.models import Order

MAX_CODE = 40


def hub_county(user: User) -> County:
    """The person's county, if they may see its hub (PermissionDenied otherwise)."""
    county = home_county(user)
    require(user, "logistics.view_hub", county)
    return county


def access_zone(user: User, zone_id: int) -> HubZone:
    zone = HubZone.objects.filter(pk=zone_id, county=hub_county(user)).first()
    if zone is None:
        raise NotFound(_("No such zone."))
    return zone


def access_location(user: User, location_id: int) -> HubLocation:
    location = (
        HubLocation.objects.select_related("zone")
        .filter(pk=location_id, county=hub_county(user))
        .first()
    )
    if location is None:
        raise NotFound(_("No such location."))
    return location


def location_by_code(county: County, code: str, *, field: str = "location") -> HubLocation:
    """The county's location with this code (scanned or typed, any case)."""
    location = (
        HubLocation.objects.select_related("zone")
        .filter(county=county, code=code.strip().upper()[:MAX_CODE])
        .first()
    )
    if location is None:
        raise NotFound(
            _("No location has the code %(code)s.") % {"code": code.strip()[:MAX_CODE]},
            field=field,
        )
    return location


def access_lot(user: User, lot_id: int) -> StockLot:
    lot = (
        StockLot.objects.select_related("sku__product", "county")
        .filter(pk=lot_id, county=hub_county(user))
        .first()
    )
    if lot is None:
        raise NotFound(_("No such lot."))
    return lot


def sku_by_code(county: County, code: str) -> Sku:
    sku = (
        Sku.objects.select_related("product", "county")
        .filter(county=county, code=code.strip()[:MAX_CODE])
        .first()
    )
    if sku is None:
        raise NotFound(_("No product variant has this code."), field="sku_code")
    return sku


def order_by_number(county: County, number: str, *, field: str = "order") -> Order:
    order = Order.objects.filter(county=county, number=number.strip()[:24]).first()
    if order is None:
        raise NotFound(_("No order has this number."), field=field)
    return order


def access_order(user: User, order_id: int) -> Order:
    order = Order.objects.filter(pk=order_id, county=hub_county(user)).first()
    if order is None:
        raise NotFound(_("No such order."))
    return order


def point_by_code(county: County, code: str) -> ServicePoint:
    point = ServicePoint.objects.filter(county=county, code=code.strip()[:20]).first()
    if point is None:
        raise NotFound(_("No point has this code."), field="point")
    return point
