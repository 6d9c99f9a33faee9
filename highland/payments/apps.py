from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "highland.payments"
    label = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from highland.core import audit
        from highland.payments import auditlabels as payments_audit

        audit.register_actions(payments_audit.ACTIONS)
        for object_type, link in payments_audit.LINKS.items():
            audit.OBJECT_LINKS.register(object_type, link)
        from highland.ledger.accounts import PARTY_NAMES
        from highland.ledger.memos import MEMOS
        from highland.payments import postings as memo_source
        from highland.payments.selectors import point_account_names

        PARTY_NAMES.register("payments.points", point_account_names)

        for code, memo in memo_source.MEMOS.items():
            MEMOS.register(code, memo)
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
