"""Sellers: organisations, and households listed by their agent with recorded consent."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from highland.catalog.models import (
    Seller,
    SellerKind,
)
from highland.catalog.services.fields import _basis_points, _merge, _raise_if, _save, _text
from highland.core import audit
from highland.core.errors import ValidationFailed
from highland.core.models import County, Organisation, OrganisationType, Role, User
from highland.core.pagecache import shop_changed
from highland.core.permissions import require, roles_of

# --- sellers ---------------------------------------------------------------------------------


def _check_seller_parties(
    county: County,
    kind: str,
    organisation: Organisation | None,
    member: User | None,
    represented_by: User | None,
) -> None:
    errors: dict[str, list[str]] = {}
    if kind == SellerKind.ORGANISATION:
        if organisation is None:
            errors["organisation"] = [_("Choose the cooperative or enterprise.")]
        elif organisation.county_id != county.pk:
            errors["organisation"] = [_("The organisation belongs to another county.")]
        elif organisation.type not in (OrganisationType.COOPERATIVE, OrganisationType.ENTERPRISE):
            errors["organisation"] = [_("Only a cooperative or an enterprise can sell.")]
        if member is not None:
            errors["member"] = [_("An organisation seller has no individual member.")]
    elif kind == SellerKind.INDIVIDUAL:
        if member is None:
            errors["member"] = [_("Choose the farmer or herder who sells.")]
        elif member.county_id != county.pk:
            errors["member"] = [_("This person belongs to another county.")]
        if organisation is not None:
            errors["organisation"] = [_("An individual seller has no organisation.")]
    else:
        errors["kind"] = [_("Unknown kind of seller.")]
    if represented_by is not None:
        if kind != SellerKind.INDIVIDUAL:
            errors["represented_by"] = [_("Only individual sellers are represented by an agent.")]
        elif Role.STATION_AGENT not in roles_of(represented_by, county):
            errors["represented_by"] = [_("This person is not a station agent of the county.")]
    _raise_if(errors)


@transaction.atomic
def register_seller(
    county: County,
    *,
    actor: User,
    kind: str,
    name_zh: str,
    name_bo: str = "",
    name_en: str = "",
    organisation: Organisation | None = None,
    member: User | None = None,
    represented_by: User | None = None,
    commission_override_bp: int | None = None,
) -> Seller:
    """Let an organisation, or a household represented by a station agent, sell."""
    require(actor, "catalog.manage_catalogue", county)
    errors: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for field_name, value in (("name_zh", name_zh), ("name_bo", name_bo), ("name_en", name_en)):
        try:
            names[field_name] = _text(field_name, value)
        except ValidationFailed as error:
            _merge(errors, error)
    try:
        _check_seller_parties(county, kind, organisation, member, represented_by)
    except ValidationFailed as error:
        _merge(errors, error)
    commission: int | None = None
    if commission_override_bp is not None:
        try:
            commission = _basis_points("commission_override_bp", commission_override_bp)
        except ValidationFailed as error:
            _merge(errors, error)
    _raise_if(errors)
    if organisation is not None and Seller.objects.filter(organisation=organisation).exists():
        raise ValidationFailed(
            _("This organisation is already registered as a seller."), field="organisation"
        )
    if member is not None and Seller.objects.filter(member=member).exists():
        raise ValidationFailed(_("This person is already registered as a seller."), field="member")
    seller = Seller(
        county=county,
        kind=kind,
        organisation=organisation,
        member=member,
        represented_by=represented_by,
        commission_override_bp=commission,
        **names,
    )
    _save(
        seller,
        unique_field="organisation" if organisation else "member",
        unique_message=_("This seller is already registered."),
    )
    audit.record(
        actor,
        "catalog.seller.registered",
        seller,
        {
            "kind": kind,
            "organisation": organisation.pk if organisation else None,
            "member": member.pk if member else None,
            "represented_by": represented_by.pk if represented_by else None,
        },
        on_behalf_of=member,
    )
    shop_changed(county)
    return seller


@transaction.atomic
def update_seller(seller: Seller, changes: dict[str, Any], *, actor: User) -> Seller:
    """Rename a seller, change its agent or commission, or (de)activate it."""
    require(actor, "catalog.manage_catalogue", seller)
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, value in changes.items():
        try:
            if name in ("name_zh", "name_bo", "name_en"):
                cleaned[name] = _text(name, value)
            elif name == "represented_by":
                _check_seller_parties(
                    seller.county, seller.kind, seller.organisation, seller.member, value
                )
                cleaned[name] = value
            elif name == "commission_override_bp":
                cleaned[name] = None if value is None else _basis_points(name, value)
            elif name == "active":
                cleaned[name] = bool(value)
            else:
                raise ValidationFailed(_("This field cannot be changed here."), field=name)
        except ValidationFailed as error:
            _merge(errors, error)
    _raise_if(errors)
    audit.save_changes(seller, cleaned, actor=actor, action="catalog.seller.updated")
    shop_changed(seller.county)
    return seller
