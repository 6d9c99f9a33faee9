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

        from highland.orders.paying import CHECKOUT_PURPOSE
        from highland.payments.purposes import register_purpose

        register_purpose(CHECKOUT_PURPOSE)
