"""Reads of text messages, scoped to one county and to what the reader may see."""

from __future__ import annotations

from django.db.models import QuerySet

from highland.core.models import County, Role, User
from highland.core.permissions import allowed
from highland.messaging.models import TextMessage


def visible_messages(user: User, county: County) -> QuerySet[TextMessage]:
    """The county's messages for an operator; for anyone else, the ones they sent."""
    messages = TextMessage.objects.filter(county=county)
    if not allowed(user, "messaging.view_county_messages", county):
        messages = messages.filter(sender=user)
    return messages.order_by("-created_at", "-id")


SENDING_ROLES = frozenset({Role.CENTRE_OPERATOR, Role.STATION_AGENT})


def may_see_messages(user: User, county: County | None, roles: frozenset[str]) -> bool:
    """The menu: operators, and agents whose actions text the villagers they serve."""
    return county is not None and bool(roles & SENDING_ROLES)


def already_queued(county: County, dedupe_key: str) -> bool:
    """Whether a message for this cause exists (queued, sent or refused) in the county."""
    return TextMessage.objects.filter(county=county, dedupe_key=dedupe_key).exists()
