"""The agent desk's work queue: cards that the apps above `network` fill.

`network` knows points and agents, not orders or money, so each app registers a
`DeskQueueSource` from its `AppConfig.ready()` (orders: cash to collect, parcels, pickups,
group-buy deadlines; payments: refunds to hand back, the day's cash to count). A source
answers for all of an agent's points at once with a fixed number of queries, so the desk's
query count does not grow with the points or the work.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from highland.core.hooks import Hook
from highland.core.models import User
from highland.network.models import ServicePoint

# How many items a card lists; its count covers them all.
ITEMS_PER_CARD = 8


@dataclass(frozen=True)
class DeskItem:
    """One piece of work, one tap away: `url` is where it is done."""

    text: str
    url: str
    until: dt.datetime | None = None


@dataclass(frozen=True)
class DeskCard:
    key: str
    title: str
    count: int
    url: str
    position: int
    items: list[DeskItem] = field(default_factory=list)
    empty_text: str = ""


DeskQueueSource = Callable[[User, Sequence[ServicePoint], dt.datetime], list[DeskCard]]

desk_queue_sources: Hook[DeskQueueSource] = Hook("the agent desk's work queue")


def register_desk_queue_source(key: str, source: DeskQueueSource) -> DeskQueueSource:
    """Add the cards `source` answers to every agent's desk. Call from `AppConfig.ready()`."""
    return desk_queue_sources.register(key, source)


def desk_queue(agent: User, points: Sequence[ServicePoint], now: dt.datetime) -> list[DeskCard]:
    """Every registered card for `agent`'s `points`, in their positions' order."""
    if not points:
        return []
    cards = [card for source in desk_queue_sources.values() for card in source(agent, points, now)]
    return sorted(cards, key=lambda card: (card.position, card.key))
