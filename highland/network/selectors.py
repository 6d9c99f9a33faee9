"""Reads of the service network, always scoped to one county."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from highland.core.i18n import active_suffix
from highland.core.models import County, Membership, Role, User
from highland.core.permissions import roles_of
from highland.network.models import ServicePoint


@dataclass(frozen=True)
class PointFilters:
    tier: str = ""
    connectivity: str = ""
    service: str = ""
    township: str = ""
    query: str = ""
    active: bool | None = True


def county_points(county: County, filters: PointFilters | None = None) -> QuerySet[ServicePoint]:
    filters = filters or PointFilters()
    points = ServicePoint.objects.filter(county=county).select_related("parent", "organisation")
    if filters.active is not None:
        points = points.filter(active=filters.active)
    if filters.tier:
        points = points.filter(tier=filters.tier)
    if filters.connectivity:
        points = points.filter(connectivity=filters.connectivity)
    if filters.township:
        points = points.filter(
            Q(township_zh=filters.township) | Q(township_en__iexact=filters.township)
        )
    if filters.query:
        text = filters.query.strip()
        points = points.filter(
            Q(name_zh__icontains=text)
            | Q(name_en__icontains=text)
            | Q(name_bo__icontains=text)
            | Q(code__iexact=text)
            | Q(village_zh__icontains=text)
            | Q(village_en__icontains=text)
        )
    points = points.order_by("code")
    if filters.service:
        # JSON containment is not portable to SQLite, and a county has a few hundred
        # points at most: filter the service list in Python.
        wanted = filters.service
        ids = [
            pk
            for pk, services in points.values_list("pk", "services")
            if wanted in (services or [])
        ]
        points = points.filter(pk__in=ids)
    return points


def townships(county: County) -> list[tuple[str, str]]:
    """(Chinese name, name in the reader's language) of every township that has a point."""
    suffix = active_suffix()
    names: dict[str, str] = {}
    rows = (
        ServicePoint.objects.filter(county=county)
        .values_list("township_zh", f"township_{suffix}")
        .distinct()
        .order_by("township_zh")
    )
    for chinese, readers in rows:
        names[chinese] = names.get(chinese) or readers or chinese
    return list(names.items())


def points_served_by(agent: User) -> QuerySet[ServicePoint]:
    """The points an agent serves, with their parent and opening hours."""
    return (
        agent.service_points.filter(county=agent.county)
        .select_related("parent", "county")
        .prefetch_related("opening_hours")
        .order_by("tier", "code")
    )


# What a villager an agent acts for may otherwise be: someone who buys, or a member of a
# cooperative. Anyone with a working role (operator, seller, agent ...) acts for themself.
VILLAGER_ROLES = frozenset({Role.BUYER, Role.MEMBER})


def villagers_served_by(actor: User, county: County) -> QuerySet[User]:
    """The villagers `actor` may act for in `county` (order, join a group buy, pay).

    A station agent serves the residents registered at their points and at the village
    points under their stations. Nobody else acts for anyone: not a centre operator (who
    would otherwise see every villager's pickup code), and never for staff, superusers,
    or people holding a role beyond buying and cooperative membership. The one answer
    for the pages, the API and the services.
    """
    if Role.STATION_AGENT not in roles_of(actor, county):
        return User.objects.none()
    residents = (
        User.objects.filter(county=county, is_active=True, is_staff=False, is_superuser=False)
        .filter(residence__county=county)
        .exclude(pk=actor.pk)
        .exclude(
            pk__in=Membership.objects.filter(county=county, active=True)
            .exclude(role__in=VILLAGER_ROLES)
            .values("user_id")
        )
    )
    points = actor.service_points.filter(county=county, active=True).values("pk")
    return (
        residents.filter(Q(residence__point__in=points) | Q(residence__point__parent__in=points))
        .distinct()
        .order_by("display_name", "username")
    )


def may_act_for(actor: User, person: User) -> bool:
    """Whether `actor` may act on behalf of `person` (see `villagers_served_by`)."""
    county = person.county
    if county is None or actor.pk == person.pk:
        return False
    return villagers_served_by(actor, county).filter(pk=person.pk).exists()
