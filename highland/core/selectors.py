"""Reads of people and audit, scoped to one county."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from highland.core.audit import action_label
from highland.core.auditdisplay import object_type_label
from highland.core.models import ApiToken, AuditRecord, County, Membership, Organisation, User
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
        records = records.filter(action=filters.action)
    if filters.actor:
        records = records.filter(actor__username=filters.actor)
    if filters.object_type:
        records = records.filter(object_type=filters.object_type)
    if filters.since:
        records = records.filter(created_at__date__gte=filters.since)
    if filters.until:
        records = records.filter(created_at__date__lte=filters.until)
    return records.order_by("-created_at", "-id")


def audit_object_types(county: County) -> list[tuple[str, str]]:
    """The object types of the county's records with their names, in the reader's language."""
    types = (
        AuditRecord.objects.filter(county=county)
        .values_list("object_type", flat=True)
        .distinct()
        .order_by("object_type")
    )
    return sorted(((code, object_type_label(code)) for code in types), key=lambda pair: pair[1])


def audit_actions(county: County) -> list[tuple[str, str]]:
    """The actions recorded in the county with their labels, in the reader's language."""
    actions = (
        AuditRecord.objects.filter(county=county)
        .values_list("action", flat=True)
        .distinct()
        .order_by("action")
    )
    return sorted(((code, action_label(code)) for code in actions), key=lambda pair: pair[1])


def audit_actors(county: County) -> list[tuple[str, str]]:
    """The people who did something in the county, by username, with their names."""
    people = User.objects.filter(
        Exists(AuditRecord.objects.filter(county=county, actor=OuterRef("pk")))
    ).order_by("display_name", "username")
    return [(person.username, str(person)) for person in people]


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


def organisations_worked_for(user: User, county: County) -> list[tuple[Organisation, set[str]]]:
    """The active organisations of `user`'s active memberships in `county`, each with the
    roles held there, by name."""
    by_organisation: dict[int, tuple[Organisation, set[str]]] = {}
    memberships = Membership.objects.filter(
        user=user,
        county=county,
        active=True,
        organisation__isnull=False,
        organisation__active=True,
    ).select_related("organisation")
    for membership in memberships:
        organisation = membership.organisation
        assert organisation is not None
        by_organisation.setdefault(organisation.pk, (organisation, set()))[1].add(membership.role)
    return sorted(by_organisation.values(), key=lambda item: (item[0].name_zh, item[0].pk))


@dataclass(frozen=True)
class PeopleFilters:
    text: str = ""  # part of a username, display name or phone number
    role: str = ""  # an active role in the county


def county_people(county: County, filters: PeopleFilters | None = None) -> QuerySet[User]:
    """The people of `county`, by display name, with their active memberships here."""
    filters = filters or PeopleFilters()
    people = User.objects.filter(county=county)
    text = filters.text.strip()
    if text:
        people = people.filter(
            Q(username__icontains=text) | Q(display_name__icontains=text) | Q(phone__contains=text)
        )
    if filters.role:
        people = people.filter(
            Exists(
                Membership.objects.filter(
                    user=OuterRef("pk"), county=county, active=True, role=filters.role
                )
            )
        )
    memberships = Membership.objects.filter(county=county, active=True).select_related(
        "organisation"
    )
    return people.prefetch_related(
        Prefetch("memberships", queryset=memberships, to_attr="county_memberships")
    ).order_by("display_name", "username", "pk")
