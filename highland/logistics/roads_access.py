"""Permission-checked fetches for the roads pages and API: the same 404 for a road or a
closure that does not exist and one of another county."""

from __future__ import annotations

from django.utils.translation import gettext as _

from highland.core.access import home_county
from highland.core.errors import NotFound
from highland.core.models import County, User
from highland.core.permissions import require
from highland.logistics.models import RoadClosure, RoadEdge


def roads_county(user: User) -> County:
    """The county whose roads `user` may look at (dispatchers, the centre, officials,
    drivers); PermissionDenied for anyone else."""
    county = home_county(user)
    require(user, "logistics.view_plans", county)
    return county


def access_road_edge(user: User, edge_id: int) -> RoadEdge:
    county = roads_county(user)
    edge = (
        RoadEdge.objects.filter(county=county, pk=edge_id)
        .select_related("from_node", "to_node", "county")
        .first()
    )
    if edge is None:
        raise NotFound(_("No such road."), field="edge_id")
    return edge


def access_road_closure(user: User, closure_id: int) -> RoadClosure:
    county = roads_county(user)
    closure = (
        RoadClosure.objects.filter(county=county, pk=closure_id)
        .select_related("edge__from_node", "edge__to_node", "county")
        .first()
    )
    if closure is None:
        raise NotFound(_("No such closure."))
    return closure
