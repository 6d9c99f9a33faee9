"""Permission-checked fetches: a parcel, zone or vehicle the person may not see is the
same 404 as one that does not exist (STYLE 15)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from highland.core.access import home_county
from highland.core.errors import NotFound
from highland.core.gs1 import normalise_sscc
from highland.core.models import User
from highland.core.permissions import allowed
from highland.logistics.models import Parcel


def access_parcel(user: User, parcel_id: int) -> Parcel:
    """A parcel of the person's county they may see; NotFound otherwise."""
    parcel = (
        Parcel.objects.select_related("county", "order", "destination_point", "origin_point")
        .filter(pk=parcel_id, county=home_county(user))
        .first()
    )
    if parcel is None or not allowed(user, "logistics.view_parcel", parcel):
        raise NotFound(_("No such parcel."))
    return parcel


def access_parcel_by_sscc(user: User, sscc: str) -> Parcel:
    """The parcel with this SSCC (spaces and "(00)" allowed) in the person's county."""
    parcel = (
        Parcel.objects.select_related("county", "order", "destination_point", "origin_point")
        .filter(sscc=normalise_sscc(sscc), county=home_county(user))
        .first()
    )
    if parcel is None or not allowed(user, "logistics.view_parcel", parcel):
        raise NotFound(_("No parcel has this SSCC."))
    return parcel
