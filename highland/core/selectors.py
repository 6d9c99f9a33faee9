"""Reads of people and audit, scoped to one county."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet

from highland.core.models import ApiToken, AuditRecord, County, Membership, User
from highland.core.permissions import manageable_roles


@dataclass(frozen=True)
class AuditFilters:
    action: str = ""
    actor: str = ""
    object_type: str = ""
    since: dt.date | None = None
    until: dt.date | None = None


def county_audit(county: County, filters: AuditFilters | None = None) -> QuerySet[AuditRecord]:
    filters = filters or AuditFilters()
    records = AuditRecord.objects.filter(county=county).select_related("actor", "on_behalf_of")
    if filters.action:
        records = records.filter(action__startswith=filters.action)
    if filters.actor:
        records = records.filter(actor__username=filters.actor)
    if filters.object_type:
        records = records.filter(object_type=filters.object_type)
    if filters.since:
        records = records.filter(created_at__date__gte=filters.since)
    if filters.until:
        records = records.filter(created_at__date__lte=filters.until)
    return records.order_by("-created_at", "-id")


def audit_object_types(county: County) -> list[str]:
    return list(
        AuditRecord.objects.filter(county=county)
        .values_list("object_type", flat=True)
        .distinct()
        .order_by("object_type")
    )


def county_tokens(county: County) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(county=county).select_related("user", "created_by")


def token_holders(county: County, issuer: User) -> QuerySet[User]:
    """People of `county` a device token from `issuer` may act as.

    Active people holding at least one role in the county and only roles the issuer
    manages; never staff or superusers, whose powers reach past one county.
    """
    roles_in_county = Membership.objects.filter(user=OuterRef("pk"), county=county, active=True)
    return (
        User.objects.filter(county=county, is_active=True, is_staff=False, is_superuser=False)
        .filter(Exists(roles_in_county))
        .exclude(Exists(roles_in_county.exclude(role__in=manageable_roles(issuer, county))))
        .order_by("username")
    )
