from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "highland.orders"
    label = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        from highland.ledger.invariants import register_invariant
        from highland.orders.invariants import paid_payments_posted, seller_payables_match

        register_invariant("orders.paid_payments_posted", paid_payments_posted)
        register_invariant("orders.seller_payables_match", seller_payables_match)

        from highland.network.services import register_open_work_check
        from highland.orders import openwork

        register_open_work_check(openwork.cash_to_collect)
        register_open_work_check(openwork.pickups_waiting)
        register_open_work_check(openwork.open_group_buys)

        from highland.orders.linesources import SkuLineSource, register_line_source

        register_line_source(SkuLineSource())
