from typing import Any

from django.core.management.base import BaseCommand

from highland.orders.groupbuys import close_due_group_buys


class Command(BaseCommand):
    help = "Close the group buys whose cut-off passed and produce their consolidated purchases."

    def handle(self, *args: Any, **options: Any) -> None:
        count = close_due_group_buys()
        self.stdout.write(f"Closed {count} group buy(s).")
