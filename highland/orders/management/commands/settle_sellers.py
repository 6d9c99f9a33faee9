from typing import Any

from django.core.management.base import BaseCommand

from highland.core.models import County
from highland.orders.settlement import settle_sellers


class Command(BaseCommand):
    help = "Pay sellers for orders delivered at least seven days ago (the scheduled run)."

    def handle(self, *args: Any, **options: Any) -> None:
        for county in County.objects.order_by("code"):
            run = settle_sellers(county, actor=None)
            self.stdout.write(f"{county.code}: {len(run.payouts)} payout(s), {run.total_fen} fen")
            for held in run.held:
                self.stdout.write(f"{county.code}: held: {held.message}")
