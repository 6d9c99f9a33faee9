"""One mechanism for every status field: a table of allowed moves and one `move()`.

Each model with a status declares a `StateMachine` beside its choices (the table of moves,
which timestamp each status stamps) and services call `machine.move(obj, new_status)`.
The machine checks the move, sets the status and its timestamps, and returns the fields to
save; it neither saves nor audits, so the service keeps its one transaction and its one
audit record. A refused move raises `ValidationFailed` with code `bad_transition` and
changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.core.errors import ValidationFailed


@dataclass(frozen=True)
class StateMachine:
    """Allowed moves of one status field.

    `moves` maps each status to the statuses it may become; a status missing from the
    table is final. `stamps` maps a status to the datetime fields set when it is reached.
    """

    choices: type[models.TextChoices]
    moves: Mapping[str, frozenset[str]]
    stamps: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    status_field: str = "status"

    def __post_init__(self) -> None:
        known = set(self.choices.values)
        for source, targets in self.moves.items():
            unknown = ({source} | set(targets)) - known
            if unknown:
                raise ValueError(f"{self.choices.__name__}: unknown statuses {sorted(unknown)}")
        stray = set(self.stamps) - known
        if stray:
            raise ValueError(f"{self.choices.__name__}: stamps for unknown {sorted(stray)}")

    def allowed(self, current: str) -> frozenset[str]:
        """The statuses `current` may become."""
        return self.moves.get(current, frozenset())

    def can_move(self, obj: models.Model, new_status: str) -> bool:
        return new_status in self.allowed(getattr(obj, self.status_field))

    def is_final(self, status: str) -> bool:
        return not self.allowed(status)

    def move(
        self, obj: models.Model, new_status: str, *, now: dt.datetime | None = None
    ) -> list[str]:
        """Set `obj`'s status to `new_status` and stamp its time; returns the fields to save.

        Raises ValidationFailed (`bad_transition`) and changes nothing for a move the table
        does not allow.
        """
        current = getattr(obj, self.status_field)
        if new_status not in self.allowed(current):
            raise ValidationFailed(
                _("This %(thing)s is %(current)s and cannot become %(new)s.")
                % {
                    "thing": obj._meta.verbose_name,
                    "current": self.label(current),
                    "new": self.label(new_status),
                },
                code="bad_transition",
            )
        setattr(obj, self.status_field, new_status)
        fields = [self.status_field]
        stamps: Iterable[str] = self.stamps.get(new_status, ())
        if stamps:
            moment = now or timezone.now()
            for stamp in stamps:
                setattr(obj, stamp, moment)
                fields.append(stamp)
        return fields

    def label(self, status: str) -> str:
        labels = dict(self.choices.choices)
        return str(labels.get(status, status))
