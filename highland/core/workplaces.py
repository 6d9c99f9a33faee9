"""Where a person works: the organisations of their roles here, and what other apps add
(the sellers they sell for, the service points they serve), for `GET /api/v1/me`.

`core` knows organisations only; `catalog` and `network` register a source each in
their `AppConfig.ready()`, so core never imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from highland.core.hooks import Hook
from highland.core.models import County, User


@dataclass(frozen=True)
class Workplace:
    """One place a person works for, named in the active language."""

    id: int
    name: str
    code: str = ""


# key (the list's name in /me: "sellers", "service_points") → the places of a person there.
WorkplaceSource = Callable[[User, County], list[Workplace]]
workplace_sources: Hook[WorkplaceSource] = Hook("workplace sources")


def workplaces_of(user: User, county: County) -> dict[str, list[Workplace]]:
    """Each registered kind of workplace, with the places `user` works for in `county`."""
    return {key: source(user, county) for key, source in workplace_sources.items()}
