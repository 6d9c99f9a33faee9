from typing import Any

from django.core.management.base import BaseCommand

from highland.orders.aftersales import escalate_overdue_aftersales


class Command(BaseCommand):
    help = "Hand after-sale requests the seller left unanswered for 48 hours to the centre."

    def handle(self, *args: Any, **options: Any) -> None:
        count = escalate_overdue_aftersales()
        self.stdout.write(f"Escalated {count} request(s).")
