"""The registry of text-message kinds: each kind is one whole sentence (a gettext msgid)
with named placeholders, rendered in the recipient's language when it is queued.

Apps register their kinds from `AppConfig.ready()`:

    register_kind(MessageKind("orders.receipt", gettext_noop("…%(number)s…"), family="notice"))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext

from highland.core.hooks import Hook

# Rate-limit families: codes are limited more tightly than notices.
CODE = "code"
NOTICE = "notice"


@dataclass(frozen=True)
class MessageKind:
    """`text` is the untranslated msgid (mark it with `gettext_noop`); `confidential` texts
    (codes) are shown to operators with their digits hidden."""

    key: str
    text: str
    family: str = NOTICE
    confidential: bool = False


message_kinds: Hook[MessageKind] = Hook("text message kinds")


def register_kind(kind: MessageKind) -> MessageKind:
    if kind.family not in (CODE, NOTICE):
        raise ValueError(f"unknown rate-limit family {kind.family!r}")
    return message_kinds.register(kind.key, kind)


def render(kind: MessageKind, params: Mapping[str, object], language: str) -> str:
    """The kind's sentence in `language`, with its placeholders filled from `params`."""
    with translation.override(language):
        return gettext(kind.text) % dict(params)
