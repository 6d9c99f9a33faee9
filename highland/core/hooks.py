"""One typed registry for what apps plug into each other.

An app that offers an extension point owns a `Hook` (ledger invariants, open-work checks
of a service point, menu entries, payment purposes, checkout line sources); other apps
register into it from their `AppConfig.ready()`, so every process (web, worker, cron)
has the same registrations. Each item has a unique key: registering the same item again
is harmless, a different item under a taken key is a programming error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar, overload

T = TypeVar("T")


class Hook(Generic[T]):
    """A named extension point holding items of one type, in registration order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._items: dict[str, T] = {}

    @overload
    def register(self, key: str, item: T) -> T: ...

    @overload
    def register(self, key: str) -> Callable[[T], T]: ...

    def register(self, key: str, item: T | None = None) -> T | Callable[[T], T]:
        """Add `item` under `key`; without `item`, a decorator that adds what it wraps."""
        if item is None:

            def decorator(wrapped: T) -> T:
                return self._add(key, wrapped)

            return decorator
        return self._add(key, item)

    def _add(self, key: str, item: T) -> T:
        registered = self._items.get(key)
        if registered is not None and registered is not item:
            raise ValueError(f"hook {self.name!r}: {key!r} is already registered")
        self._items[key] = item
        return item

    def items(self) -> list[tuple[str, T]]:
        return list(self._items.items())

    def values(self) -> list[T]:
        return list(self._items.values())

    def get(self, key: str) -> T:
        """The item under `key`; KeyError names the hook when nothing is registered."""
        try:
            return self._items[key]
        except KeyError:
            raise KeyError(f"hook {self.name!r}: nothing registered as {key!r}") from None

    def __contains__(self, key: object) -> bool:
        return key in self._items
