"""Rebuild every product's search text and the search index (e.g. after points were renamed)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from highland.catalog.search import backend_name, rebuild_search_index
from highland.core.models import County


class Command(BaseCommand):
    help = "Rebuild the catalogue search index, for one county or all."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--county", help="administrative code of one county")

    def handle(self, *args: Any, **options: Any) -> None:
        county = None
        if options.get("county"):
            county = County.objects.get(code=options["county"])
        with transaction.atomic():
            count = rebuild_search_index(county)
        self.stdout.write(f"Indexed {count} products ({backend_name()}).")
