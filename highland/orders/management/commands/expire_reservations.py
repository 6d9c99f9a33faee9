from typing import Any

from django.core.management.base import BaseCommand

from highland.orders.services import expire_reservations


class Command(BaseCommand):
    help = "Cancel unpaid orders whose stock hold ran out and give the stock back."

    def handle(self, *args: Any, **options: Any) -> None:
        count = expire_reservations()
        self.stdout.write(f"Expired {count} order(s).")
