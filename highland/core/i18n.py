"""Names stored in the three working languages, read in the active one."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

LANGUAGE_FIELD_SUFFIX = {"zh-hans": "zh", "bo": "bo", "en": "en"}


def active_suffix() -> str:
    language = (get_language() or "zh-hans").lower()
    return LANGUAGE_FIELD_SUFFIX.get(language, "zh")


def localized(obj: object, stem: str) -> str:
    """Value of `<stem>_<lang>` for the active language, falling back to Chinese."""
    value = getattr(obj, f"{stem}_{active_suffix()}", "") or ""
    return value or (getattr(obj, f"{stem}_zh", "") or "")


class TrilingualName(models.Model):
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    name_bo = models.CharField(_("name (Tibetan)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=120)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self, "name")
