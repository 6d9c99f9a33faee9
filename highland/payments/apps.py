from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "highland.payments"
    label = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from highland.core import events
        from highland.ledger.invariants import register_invariant
        from highland.payments import refunds, services
        from highland.payments.invariants import refunds_due_match

        register_invariant("payments.refunds_due_match", refunds_due_match)
        refunds.register_kinds()

        from highland.network.desk import register_desk_queue_source
        from highland.payments import deskwork

        register_desk_queue_source("payments.refunds_to_hand_back", deskwork.refunds_to_hand_back)
        register_desk_queue_source("payments.cash_to_count", deskwork.cash_to_count)

        events.subscribe(
            refunds.REFUND_REQUESTED, "payments.send_gateway_refund", refunds.send_gateway_refund
        )
        events.subscribe(
            services.PAYMENT_CLOSED, "payments.close_gateway_charge", services.close_gateway_charge
        )
