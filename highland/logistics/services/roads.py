"""Roads: closures entered and lifted, the graph in force at a moment, travel matrices.

`travel_matrices` is what the planner uses: shortest paths by travel time over the
graph in force (closures removed), and the distance along each fastest path. Results
are cached under a key holding the county's road version (bumped by every change to a
node, edge or closure, in the same transaction), the set of closures in force at the
moment asked about (so a seasonal closure's first and last day, and an ad hoc closure's
start and end, change the key without any write), and the places.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import networkx as nx
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.core import audit, idempotency
from highland.core.errors import ValidationFailed
from highland.core.idempotency import IdempotentRequest
from highland.core.models import County, User
from highland.core.permissions import require
from highland.logistics.models import ClosureKind, RoadClosure, RoadEdge, RoadNetwork, RoadNode
from highland.logistics.planning.problem import UNREACHABLE
from highland.network.models import ServicePoint

# A place the planner visits: a service point; the hub stands at the county centre point.
Place = ServicePoint

CACHE_SECONDS = 24 * 60 * 60
CLOSE_ROAD_SCOPE = "logistics.close_road"
# Seasonal days are checked against a leap year, so 29 February may be entered.
_LEAP_YEAR = 2024


@dataclass(frozen=True)
class Matrices:
    """Metres and seconds between places, in the order given; UNREACHABLE where no road."""

    distance_m: list[list[int]]
    duration_s: list[list[int]]
    unreachable: set[tuple[int, int]] = field(default_factory=set)


# --- the road version ------------------------------------------------------------------


def road_version(county: County) -> int:
    version = RoadNetwork.objects.filter(county=county).values_list("version", flat=True).first()
    return int(version or 0)


def note_road_change(county: County) -> None:
    """Bump the county's road version: cached matrices of older versions are never used.
    Call in the transaction that changes a node, edge or closure."""
    updated = RoadNetwork.objects.filter(county=county).update(version=F("version") + 1)
    if not updated:
        RoadNetwork.objects.get_or_create(county=county, defaults={"version": 1})


# --- closures --------------------------------------------------------------------------


@dataclass(frozen=True)
class ClosedRoad:
    closure: RoadClosure
    created: bool  # False: the same request came again and got the first closure


def close_road(
    edge: RoadEdge,
    *,
    actor: User,
    reason: str,
    starts_at: datetime.datetime | None = None,
    ends_at: datetime.datetime | None = None,
) -> RoadClosure:
    """Close `edge` from `starts_at` (now) until `ends_at`, or until lifted when None."""
    return close_road_once(
        edge, actor=actor, reason=reason, starts_at=starts_at, ends_at=ends_at
    ).closure


def close_road_once(
    edge: RoadEdge,
    *,
    actor: User,
    reason: str,
    starts_at: datetime.datetime | None = None,
    ends_at: datetime.datetime | None = None,
    idempotent_request: IdempotentRequest | None = None,
) -> ClosedRoad:
    """`close_road` for pages and devices: with `idempotent_request`, the same request
    again returns the first closure instead of closing the road twice."""
    require(actor, "logistics.manage_roads", edge)
    reason = _clean_reason(reason)
    now = timezone.now()
    starts_at = starts_at or now
    if ends_at is not None and ends_at <= now:
        raise ValidationFailed(
            _("This closure would already be over; give a time in the future."),
            code="closure_in_past",
            field="ends_at",
        )
    if ends_at is not None and ends_at <= starts_at:
        raise ValidationFailed(
            _("A closure must end after it starts."), code="closure_ends_first", field="ends_at"
        )
    with transaction.atomic():
        claim = None
        if idempotent_request is not None:
            claim = idempotency.claim(
                CLOSE_ROAD_SCOPE, caller=idempotency.caller_of(actor), request=idempotent_request
            )
            if claim.replayed:
                return ClosedRoad(claim.stored_object(RoadClosure), created=False)
        closure = RoadClosure.objects.create(
            county=edge.county,
            edge=edge,
            kind=ClosureKind.AD_HOC,
            reason=reason,
            starts_at=starts_at,
            ends_at=ends_at,
            created_by=actor,
        )
        note_road_change(edge.county)
        audit.record(
            actor,
            "logistics.road_closure.added",
            closure,
            {
                "edge": str(edge),
                "kind": closure.kind,
                "reason": reason,
                "starts_at": starts_at.isoformat(),
                "ends_at": ends_at.isoformat() if ends_at else None,
            },
        )
        if claim is not None:
            claim.complete(obj=closure)
    return ClosedRoad(closure, created=True)


def close_road_seasonally(
    edge: RoadEdge,
    *,
    actor: User,
    reason: str,
    from_month: int,
    from_day: int,
    until_month: int,
    until_day: int,
) -> RoadClosure:
    """Close `edge` every year from one day to another, both included (may wrap the year)."""
    require(actor, "logistics.manage_roads", edge)
    reason = _clean_reason(reason)
    for name, month, day in (("from", from_month, from_day), ("until", until_month, until_day)):
        try:
            datetime.date(_LEAP_YEAR, month, day)
        except (ValueError, TypeError):
            raise ValidationFailed(
                _("%(month)s/%(day)s is not a day of the year.") % {"month": month, "day": day},
                code="closure_day_invalid",
                field=f"{name}_month",
            ) from None
    with transaction.atomic():
        closure = RoadClosure.objects.create(
            county=edge.county,
            edge=edge,
            kind=ClosureKind.SEASONAL,
            reason=reason,
            from_month=from_month,
            from_day=from_day,
            until_month=until_month,
            until_day=until_day,
            created_by=actor,
        )
        note_road_change(edge.county)
        audit.record(
            actor,
            "logistics.road_closure.added",
            closure,
            {
                "edge": str(edge),
                "kind": closure.kind,
                "reason": reason,
                "from_month": from_month,
                "from_day": from_day,
                "until_month": until_month,
                "until_day": until_day,
            },
        )
    return closure


def lift_closure(closure: RoadClosure, *, actor: User) -> RoadClosure:
    """Open the road again now. A seasonal closure opens for the rest of this season."""
    require(actor, "logistics.manage_roads", closure)
    now = timezone.now()
    with transaction.atomic():
        locked = RoadClosure.objects.select_for_update().select_related("edge").get(pk=closure.pk)
        if not locked.in_force(now):
            raise ValidationFailed(
                _("This closure is not in force; there is nothing to lift."),
                code="closure_not_in_force",
            )
        locked.lifted_at = now
        locked.lifted_by = actor
        locked.save(update_fields=["lifted_at", "lifted_by", "updated_at"])
        note_road_change(locked.county)
        audit.record(
            actor,
            "logistics.road_closure.lifted",
            locked,
            {"edge": str(locked.edge), "reason": locked.reason},
        )
    return locked


def _clean_reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationFailed(
            _("Say why the road is closed."), code="closure_reason_missing", field="reason"
        )
    if len(reason) > 200:
        raise ValidationFailed(
            _("The reason is too long: at most 200 characters."),
            code="closure_reason_too_long",
            field="reason",
        )
    return reason


# --- reading the network ---------------------------------------------------------------


def closures_in_force(county: County, at: datetime.datetime) -> list[RoadClosure]:
    candidates = RoadClosure.objects.filter(county=county).select_related(
        "edge__from_node", "edge__to_node"
    )
    return [closure for closure in candidates if closure.in_force(at)]


@dataclass(frozen=True)
class ClosureOverview:
    in_force: list[RoadClosure]
    upcoming: list[RoadClosure]  # not in force now, will be: seasonal, or ad hoc to come


def closure_overview(county: County, at: datetime.datetime | None = None) -> ClosureOverview:
    """Closures in force at `at` (now) and those still to come, for the roads page."""
    at = at or timezone.now()
    closures = RoadClosure.objects.filter(county=county).select_related(
        "edge__from_node", "edge__to_node", "created_by"
    )
    in_force, upcoming = [], []
    for closure in closures:
        if closure.in_force(at):
            in_force.append(closure)
        elif not closure.ended(at):
            upcoming.append(closure)
    return ClosureOverview(in_force, upcoming)


def road_graph(county: County, at: datetime.datetime | None = None) -> nx.Graph:
    """The county's roads open at `at` (now): nodes by primary key, edges weighted by
    `seconds` and `length_m` (the faster of two parallel edges), closures removed."""
    at = at or timezone.now()
    closed = {closure.edge_id for closure in closures_in_force(county, at)}
    return _graph(county, closed)


def _graph(county: County, closed: set[int]) -> nx.Graph:
    graph = nx.Graph()
    for node in RoadNode.objects.filter(county=county):
        graph.add_node(node.pk, code=node.code, point_id=node.point_id, altitude=node.altitude_m)
    edges = RoadEdge.objects.filter(county=county).select_related("from_node", "to_node")
    for edge in edges:
        if edge.pk in closed:
            continue
        seconds = edge.travel_seconds(
            from_altitude_m=edge.from_node.altitude_m, to_altitude_m=edge.to_node.altitude_m
        )
        a, b = edge.from_node_id, edge.to_node_id
        if graph.has_edge(a, b) and graph[a][b]["seconds"] <= seconds:
            continue
        graph.add_edge(a, b, seconds=seconds, length_m=edge.length_m, edge_id=edge.pk)
    return graph


def travel_matrices(
    county: County, places: Sequence[Place], *, at: datetime.datetime | None = None
) -> Matrices:
    """Fastest-path seconds and the metres along them between `places` at `at` (now)."""
    at = at or timezone.now()
    in_force = closures_in_force(county, at)
    point_ids = [place.pk for place in places]
    key = _cache_key(county, road_version(county), {c.pk for c in in_force}, point_ids)
    cached = cache.get(key)
    if cached is not None:
        return Matrices(cached[0], cached[1], {tuple(pair) for pair in cached[2]})
    matrices = _compute(county, {c.edge_id for c in in_force}, point_ids)
    cache.set(
        key,
        (matrices.distance_m, matrices.duration_s, sorted(matrices.unreachable)),
        CACHE_SECONDS,
    )
    return matrices


def _cache_key(county: County, version: int, closure_ids: set[int], point_ids: list[int]) -> str:
    places = hashlib.sha256(",".join(map(str, point_ids)).encode()).hexdigest()[:24]
    closed = ",".join(map(str, sorted(closure_ids)))
    return f"logistics:roads:matrices:{county.pk}:v{version}:c{closed}:p{places}"


def _compute(county: County, closed_edges: set[int], point_ids: list[int]) -> Matrices:
    graph = _graph(county, closed_edges)
    node_of = dict(
        RoadNode.objects.filter(county=county, point_id__in=point_ids).values_list("point_id", "pk")
    )
    size = len(point_ids)
    distance = [[0 if i == j else UNREACHABLE for j in range(size)] for i in range(size)]
    duration = [[0 if i == j else UNREACHABLE for j in range(size)] for i in range(size)]
    targets: dict[int, list[int]] = {}
    for index, point_id in enumerate(point_ids):
        if point_id in node_of:
            targets.setdefault(node_of[point_id], []).append(index)
    for i, point_id in enumerate(point_ids):
        source = node_of.get(point_id)
        if source is None:
            continue
        seconds, paths = nx.single_source_dijkstra(graph, source, weight="seconds")
        for node, indices in targets.items():
            if node not in seconds:
                continue
            path = paths[node]
            metres = sum(graph[u][v]["length_m"] for u, v in itertools.pairwise(path))
            for j in indices:
                duration[i][j] = int(seconds[node])
                distance[i][j] = int(metres)
    unreachable = {
        (i, j) for i in range(size) for j in range(size) if duration[i][j] >= UNREACHABLE
    }
    return Matrices(distance, duration, unreachable)


def closures_cutting(
    county: County, origin: Place, destination: Place, *, at: datetime.datetime | None = None
) -> list[RoadClosure]:
    """The closures in force on the fastest way from `origin` to `destination` with every
    road open: why a place is cut off or reached only by a detour. Empty when the closures
    are not to blame (no road at all, or the fastest way is open)."""
    at = at or timezone.now()
    in_force = {closure.edge_id: closure for closure in closures_in_force(county, at)}
    if not in_force:
        return []
    nodes = dict(
        RoadNode.objects.filter(
            county=county, point_id__in=[origin.pk, destination.pk]
        ).values_list("point_id", "pk")
    )
    if origin.pk not in nodes or destination.pk not in nodes:
        return []
    graph = _graph(county, set())
    try:
        path = nx.shortest_path(graph, nodes[origin.pk], nodes[destination.pk], weight="seconds")
    except nx.NetworkXNoPath:
        return []
    edge_ids = {graph[u][v]["edge_id"] for u, v in itertools.pairwise(path)}
    return [closure for edge_id, closure in in_force.items() if edge_id in edge_ids]


def node_path(
    county: County, places: Sequence[Place], *, at: datetime.datetime | None = None
) -> list[int]:
    """Road nodes along the fastest roads through `places` in order, for drawing a route;
    a leg with no open road is skipped (the line jumps)."""
    graph = road_graph(county, at)
    nodes = dict(
        RoadNode.objects.filter(county=county, point__in=[p.pk for p in places]).values_list(
            "point_id", "pk"
        )
    )
    path: list[int] = []
    stops = [nodes[p.pk] for p in places if p.pk in nodes]
    for a, b in itertools.pairwise(stops):
        try:
            leg = nx.shortest_path(graph, a, b, weight="seconds")
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            leg = [a, b]
        path.extend(leg if not path else leg[1:])
    return path or stops


@dataclass(frozen=True)
class RoadNetworkView:
    nodes: list[RoadNode]
    edges: list[RoadEdge]
    closed_edge_ids: set[int]


def road_network(county: County, at: datetime.datetime | None = None) -> RoadNetworkView:
    """Every node (with its point) and edge (with its ends) and which edges are closed."""
    at = at or timezone.now()
    return RoadNetworkView(
        nodes=list(RoadNode.objects.filter(county=county).select_related("point")),
        edges=list(RoadEdge.objects.filter(county=county).select_related("from_node", "to_node")),
        closed_edge_ids={closure.edge_id for closure in closures_in_force(county, at)},
    )
