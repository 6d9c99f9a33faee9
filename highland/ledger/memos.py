"""Entry memos as codes with parameters, rendered in the reader's language.

An entry stores `memo_code` and `memo_params` (JSON), never a sentence in one language.
Each money app registers its memo codes in `MEMOS` from its `AppConfig.ready()`: a
gettext message with named placeholders and the parameters it takes. A parameter is
plain data (a number, an order number, a person's own words) or a name in the three
working languages (`trilingual(...)`: `{"zh": ..., "bo": ..., "en": ...}`), shown in the
reader's. A `choices` parameter holds a code translated through its choices' labels.
`render()` writes the sentence in the active language; the entry also keeps one rendering
in the default language (`Entry.description`) for the Beancount export.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from highland.core.hooks import Hook
from highland.core.i18n import active_suffix

# Entries posted before memos had codes keep their text under this code.
LEGACY = "legacy"
REVERSAL = "ledger.entry.reversed"
TRILINGUAL_KEYS = frozenset({"zh", "bo", "en"})


@dataclass(frozen=True)
class Memo:
    """One memo code: a gettext message with named placeholders, and the parameters it takes.

    `choices` maps a parameter to its code's labels (a TextChoices' `choices`), so a stored
    code such as 'gateway' reads as the label in the reader's language.
    """

    message: str | Promise
    params: tuple[str, ...]
    choices: Mapping[str, Any] = field(default_factory=dict)


MEMOS: Hook[Memo] = Hook("ledger memos")
MEMOS.register(REVERSAL, Memo(gettext_lazy("Reversal of entry #%(entry)s"), ("entry",)))


def trilingual(obj: object, stem: str = "name") -> dict[str, str]:
    """A trilingual name of `obj` (`<stem>_zh/_bo/_en`) as a memo parameter."""
    return {suffix: getattr(obj, f"{stem}_{suffix}", "") or "" for suffix in ("zh", "bo", "en")}


def _param_text(memo: Memo, name: str, value: Any) -> str:
    if isinstance(value, dict) and value.keys() <= TRILINGUAL_KEYS:
        return str(value.get(active_suffix()) or value.get("zh") or "")
    if name in memo.choices:
        return str(dict(memo.choices[name]).get(value, value))
    return str(value)


def check(code: str, params: Mapping[str, Any]) -> None:
    """Raise ValueError unless `code` is registered and `params` are exactly its parameters."""
    if code == LEGACY:
        if set(params) != {"text"}:
            raise ValueError("a legacy memo has one parameter, 'text'")
        return
    memo = MEMOS.get(code)
    if set(params) != set(memo.params):
        raise ValueError(f"memo {code!r} takes {sorted(memo.params)}, not {sorted(params)}")


def render(code: str, params: Mapping[str, Any]) -> str:
    """The memo as a sentence in the active language; unknown codes show code and params."""
    if code == LEGACY:
        return str(params.get("text", ""))
    if code not in MEMOS:
        return " ".join([code, *(f"{key}={value}" for key, value in sorted(params.items()))])
    memo = MEMOS.get(code)
    values = {name: _param_text(memo, name, params.get(name, "")) for name in memo.params}
    return str(memo.message) % values


def render_default(code: str, params: Mapping[str, Any]) -> str:
    """The memo in the site's default language, as kept for the Beancount export."""
    with translation.override(settings.LANGUAGE_CODE):
        return render(code, params)
