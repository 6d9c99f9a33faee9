"""The routing problem and its plan, in plain integers and without Django.

One shape serves the dispatcher's day and the benchmark files (`manage.py solve_vrp`):
matrices in whatever units the caller chose (metres and seconds for a county; the
instance's own rounded units for VRPLIB and Solomon files), loads as tuples of dimensions
(grams and millilitres for a county; one demand dimension for a file), time windows in
the duration unit from the start of the day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

# A matrix entry at or above this is "no road": the pair is cut off (a closure, an island).
UNREACHABLE = 10**9


@dataclass(frozen=True)
class Stop:
    """A place to visit once: drop `delivery`, collect `pickup`."""

    key: str
    location: int  # index into the matrices
    name: str = ""  # for messages ("unreachable: 然乌村")
    delivery: tuple[int, ...] = ()
    pickup: tuple[int, ...] = ()
    needs_refrigeration: bool = False
    window_start: int = 0
    window_end: int = UNREACHABLE
    service_duration: int = 0


@dataclass(frozen=True)
class VehicleType:
    """`count` identical vehicles starting and ending at `depot`."""

    key: str
    count: int
    capacity: tuple[int, ...]
    depot: int = 0
    refrigerated: bool = False
    shift_start: int = 0
    shift_end: int = UNREACHABLE
    max_duration: int = UNREACHABLE
    unit_distance_cost: int = 1
    unit_duration_cost: int = 0
    fixed_cost: int = 0
    name: str = ""


@dataclass(frozen=True)
class Problem:
    distance: Sequence[Sequence[int]]
    duration: Sequence[Sequence[int]]
    depots: tuple[int, ...]
    stops: tuple[Stop, ...]
    vehicle_types: tuple[VehicleType, ...]
    # Dimension names, for messages ("too heavy": grams).
    dimensions: tuple[str, ...] = ("weight",)


@dataclass(frozen=True)
class Visit:
    stop_key: str
    arrival: int
    start_service: int
    departure: int
    # What the vehicle carries when it leaves this stop, per dimension.
    load_after: tuple[int, ...]


@dataclass(frozen=True)
class Route:
    vehicle_type_key: str
    visits: tuple[Visit, ...]
    distance: int
    duration: int
    cost: int
    start: int  # leaves the depot
    end: int  # back at the depot
    load_at_start: tuple[int, ...]


class UnservedReason:
    UNREACHABLE = "unreachable"
    WINDOW_IMPOSSIBLE = "window_impossible"
    TOO_HEAVY = "too_heavy"
    NEEDS_REFRIGERATION = "needs_refrigeration"
    NO_ROOM = "no_room"


@dataclass(frozen=True)
class Unserved:
    stop_key: str
    reason: str  # an UnservedReason
    detail: str = ""


@dataclass(frozen=True)
class Progress:
    best_cost: int | None
    elapsed: float
    iterations: int


@dataclass(frozen=True)
class Plan:
    routes: tuple[Route, ...]
    unserved: tuple[Unserved, ...]
    cost: int
    feasible: bool
    seconds: float
    iterations: int = 0
    notes: tuple[str, ...] = field(default=())
