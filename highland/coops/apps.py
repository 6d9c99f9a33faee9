from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoopsConfig(AppConfig):
    name = "highland.coops"
    label = "coops"
    verbose_name = _("Cooperatives")

    def ready(self) -> None:
        from highland.coops import auditlabels
        from highland.core import audit

        audit.register_actions(auditlabels.ACTIONS)
        # members and rules
        # intake, lots, processing
        # settlement, payouts, surplus
        from highland.coops import settlement_invariants
        from highland.coops.models import SettlementRun, SurplusDistribution
        from highland.coops.services import payouts
        from highland.ledger.invariants import register_invariant
        from highland.ledger.memos import MEMOS
        from highland.orders.seller_ledger import register_payable_withdrawal

        for code, memo in payouts.MEMOS.items():
            MEMOS.register(code, memo)
        payouts.register_kinds()
        register_payable_withdrawal(SettlementRun._meta.label_lower)
        register_payable_withdrawal(SurplusDistribution._meta.label_lower)
        register_invariant("coops.paid_runs_posted", settlement_invariants.paid_runs_posted)
        register_invariant(
            "coops.member_payables_not_negative",
            settlement_invariants.member_payables_not_negative,
        )
        from highland.core.menu import MenuEntry, menu_entries
        from highland.core.models import Role

        def keeps_coop_accounts(_user: object, _county: object, roles: frozenset[str]) -> bool:
            return bool(roles & {Role.COOPERATIVE_MANAGER, Role.COOPERATIVE_ACCOUNTANT})

        def is_agent(_user: object, _county: object, roles: frozenset[str]) -> bool:
            return Role.STATION_AGENT in roles

        menu_entries.register(
            "coops.settlements",
            MenuEntry("coops:settlement-list", _("Member settlement"), 520, keeps_coop_accounts),
        )
        menu_entries.register(
            "coops.cash_payouts",
            MenuEntry("coops:cash-payouts", _("Cash payouts to members"), 530, is_agent),
        )
        # member self-service
