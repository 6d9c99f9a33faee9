from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "highland.orders"
    label = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        from highland.ledger.invariants import register_invariant
        from highland.orders import invariants

        register_invariant("orders.paid_payments_posted", invariants.paid_payments_posted)
        register_invariant("orders.bank_not_negative", invariants.bank_not_negative)
        register_invariant("orders.payouts_within_credits", invariants.payouts_within_credits)
        register_invariant(
            "orders.payables_never_paid_below_zero", invariants.payables_never_paid_below_zero
        )
        register_invariant("orders.payouts_posted_once", invariants.payouts_posted_once)
        register_invariant(
            "orders.order_entries_match_statement", invariants.order_entries_match_statement
        )
