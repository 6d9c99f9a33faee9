import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from highland.payments.gateway_settlement import (
    RECENT_DAYS,
    SettlementReportUnavailable,
    import_gateway_settlements,
    import_recent_gateway_settlements,
)


class Command(BaseCommand):
    help = (
        "Import the payment gateway's settlement reports: post what it paid into the bank "
        "and record where the report and the ledger disagree."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=dt.date.fromisoformat, help="one day, YYYY-MM-DD")
        parser.add_argument(
            "--days", type=int, default=RECENT_DAYS, help="else the last N days before today"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["date"] is not None:
                result = import_gateway_settlements(options["date"], actor=None)
            else:
                result = import_recent_gateway_settlements(days=options["days"])
        except SettlementReportUnavailable as error:
            raise CommandError(error.message) from error
        for settlement in result.settlements:
            self.stdout.write(
                f"{settlement.county.code} {settlement.batch_id}: net {settlement.net_fen} fen"
            )
        for discrepancy in result.discrepancies:
            self.stdout.write(f"discrepancy: {discrepancy}")
        self.stdout.write(
            f"{len(result.settlements)} settlement(s) imported, "
            f"{len(result.discrepancies)} new discrepancy(ies)."
        )
