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


@dataclass(frozen=True)
class MenuEntry:
    """One menu link; `position` orders the menu (lower first)."""

    url_name: str
    label: str | Promise
    position: int
    visible: Callable[[User, County | None, frozenset[str]], bool]

    def url(self) -> str:
        return reverse(self.url_name)


menu_entries: Hook[MenuEntry] = Hook("menu entries")


def menu_for(user: User, county: County | None, roles: frozenset[str]) -> list[tuple[str, str]]:
    """The (url, label) pairs this person sees, in menu order."""
    visible = [entry for entry in menu_entries.values() if entry.visible(user, county, roles)]
    return [(entry.url(), str(entry.label)) for entry in sorted(visible, key=lambda e: e.position)]


def everyone(_user: User, _county: County | None, _roles: frozenset[str]) -> bool:
    return True
