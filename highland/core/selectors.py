"""Reads of people and audit, scoped to one county."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from highland.core.models import ApiToken, AuditRecord, County, Role, User


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


def token_holders(county: County) -> QuerySet[User]:
    """People a device token may act as: the county's station agents."""
    return (
        User.objects.filter(
            county=county,
            is_active=True,
            memberships__role=Role.STATION_AGENT,
            memberships__active=True,
        )
        .distinct()
        .order_by("username")
    )
