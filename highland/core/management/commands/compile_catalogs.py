"""Compile locale/*/LC_MESSAGES/*.po to .mo with Babel, so no system gettext is needed."""

from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Compile translation catalogues with Babel (replaces compilemessages' need for msgfmt)."

    def handle(self, *args: Any, **options: Any) -> None:
        compiled = 0
        for locale_path in settings.LOCALE_PATHS:
            for po_path in sorted(Path(locale_path).glob("*/LC_MESSAGES/*.po")):
                mo_path = po_path.with_suffix(".mo")
                if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                with po_path.open("rb") as po_file:
                    try:
                        catalog = read_po(po_file, locale=po_path.parent.parent.name)
                    except Exception as error:  # a broken catalogue must stop setup loudly
                        raise CommandError(f"{po_path}: {error}") from error
                with mo_path.open("wb") as mo_file:
                    write_mo(mo_file, catalog, use_fuzzy=False)
                compiled += 1
        self.stdout.write(f"Compiled {compiled} catalogue(s).")
