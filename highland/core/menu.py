"""The page menu, built from what each app registers (`web` shows it, apps fill it).

Apps add entries from `AppConfig.ready()`; `web`'s chrome asks each entry whether the
person sees it. Domain apps import this module, never `web`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise

from highland.core.hooks import Hook
from highland.core.models import County, User

Visibility = Callable[[User, County | None, frozenset[str]], bool]
# What waits behind a link ("3", or a count and a deadline), or "" for nothing. It runs on
# every page for everyone who sees the entry, so it is one cheap query at most.
Badge = Callable[[User, County | None, frozenset[str]], str]


@dataclass(frozen=True)
class MenuEntry:
    """One menu link; `position` orders the menu (lower first); `badge` says what waits."""

    url_name: str
    label: str | Promise
    position: int
    visible: Visibility
    badge: Badge | None = None

    def url(self) -> str:
        return reverse(self.url_name)


class MenuLink(tuple[str, str]):
    """A shown entry: unpacks as (url, label) and carries its `badge` text ("" for none)."""

    badge: str

    def __new__(cls, url: str, label: str, badge: str = "") -> MenuLink:
        link = super().__new__(cls, (url, label))
        link.badge = badge
        return link


menu_entries: Hook[MenuEntry] = Hook("menu entries")


def menu_for(user: User, county: County | None, roles: frozenset[str]) -> list[MenuLink]:
    """The links this person sees, in menu order, each with its badge."""
    visible = [entry for entry in menu_entries.values() if entry.visible(user, county, roles)]
    return [
        MenuLink(
            entry.url(),
            str(entry.label),
            entry.badge(user, county, roles) if entry.badge is not None else "",
        )
        for entry in sorted(visible, key=lambda e: e.position)
    ]


def everyone(_user: User, _county: County | None, _roles: frozenset[str]) -> bool:
    return True
