"""Write a county's ledger as a Beancount file (or to standard output)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from highland.core.models import County
from highland.ledger.export import write_beancount


class Command(BaseCommand):
    help = "Export a county's ledger in Beancount syntax, for bean-check and Fava."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--county", help="administrative code; may be left out when there is one county"
        )
        parser.add_argument("-o", "--output", help="file to write; standard output when omitted")

    def handle(
        self, *args: Any, county: str | None = None, output: str | None = None, **options: Any
    ) -> None:
        if county:
            chosen = County.objects.filter(code=county).first()
            if chosen is None:
                raise CommandError(f"No county with the code {county}.")
        else:
            counties = list(County.objects.order_by("code")[:2])
            if len(counties) != 1:
                raise CommandError("Name the county to export with --county CODE.")
            chosen = counties[0]
        if output:
            with Path(output).open("w", encoding="utf-8") as out:
                write_beancount(chosen, out)
        else:
            write_beancount(chosen, self.stdout)
