"""Check the ledger's invariants and the stock lots' invariants; exit 1 on any problem."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from highland.core.models import County
from highland.ledger.invariants import verify_ledger
from highland.orders.stock_invariants import verify_stock


class Command(BaseCommand):
    help = (
        "Check the ledger's and the stock lots' invariants for one county or all; "
        "exit 1 if any fails."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--county", help="administrative code; all counties when omitted")

    def handle(self, *args: Any, county: str | None = None, **options: Any) -> None:
        counties = County.objects.order_by("code")
        if county:
            counties = counties.filter(code=county)
            if not counties.exists():
                raise CommandError(f"No county with the code {county}.")
        problem_count = 0
        for each in counties:
            for part, check in (("ledger", verify_ledger), ("stock", verify_stock)):
                problems = check(each)
                problem_count += len(problems)
                for problem in problems:
                    self.stdout.write(f"{each.code} {part}: {problem}")
                if not problems:
                    self.stdout.write(f"{each.code}: {part} OK")
        if problem_count:
            raise CommandError(f"{problem_count} problems found.")
