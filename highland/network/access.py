"""Permission-checked fetches of service points."""

from __future__ import annotations

from django.utils.translation import gettext as _

from highland.core.errors import NotFound
from highland.core.models import User
from highland.core.permissions import allowed
from highland.network.models import ServicePoint


def access_point(user: User, point_id: int, *, for_update: bool = False) -> ServicePoint:
    """The point if `user` may see it; the same NotFound for missing and other counties."""
    queryset = ServicePoint.objects.select_related("county", "parent", "organisation")
    if for_update:
        queryset = queryset.select_for_update()
    point = queryset.filter(pk=point_id).first()
    if point is None or not allowed(user, "network.view_point", point):
        raise NotFound(_("No such service point."))
    return point
