from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoopsConfig(AppConfig):
    name = "highland.coops"
    label = "coops"
    verbose_name = _("Cooperatives")

    def ready(self) -> None:
        from highland.coops import (
            auditlabels,
            intake_postings,
            intake_texts,
            menu,
            settlement_invariants,
        )
        from highland.coops.models import SettlementRun, SurplusDistribution
        from highland.coops.overview import member_account_names
        from highland.coops.services import payouts
        from highland.core import audit
        from highland.core.menu import MenuEntry, menu_entries
        from highland.ledger.accounts import PARTY_NAMES
        from highland.ledger.invariants import register_invariant
        from highland.ledger.memos import MEMOS
        from highland.orders.seller_ledger import register_payable_withdrawal

        audit.register_actions(auditlabels.ACTIONS)
        PARTY_NAMES.register("coops.members", member_account_names)
        for code, memo in {**intake_postings.MEMOS, **payouts.MEMOS}.items():
            MEMOS.register(code, memo)
        intake_texts.register_kinds()
        payouts.register_kinds()
        # Settlement and surplus entries take from the cooperative's seller payable.
        register_payable_withdrawal(SettlementRun._meta.label_lower)
        register_payable_withdrawal(SurplusDistribution._meta.label_lower)
        register_invariant("coops.intake_advances_posted", intake_postings.intake_advances_posted)
        register_invariant("coops.paid_runs_posted", settlement_invariants.paid_runs_posted)
        register_invariant(
            "coops.member_payables_not_negative",
            settlement_invariants.member_payables_not_negative,
        )
        for key, entry in (
            (
                "my_households",
                MenuEntry("coops:my-households", _("My cooperative"), 350, menu.heads_a_household),
            ),
            ("intake", MenuEntry("coops:intake-start", _("Intake"), 430, menu.records_intakes)),
            (
                "lots",
                MenuEntry("coops:lots-start", _("Produce lots"), 440, menu.keeps_coop_accounts),
            ),
            (
                "cooperatives",
                MenuEntry("coops:cooperative-list", _("Cooperatives"), 450, menu.sees_cooperatives),
            ),
            (
                "settlements",
                MenuEntry(
                    "coops:settlement-list", _("Member settlement"), 520, menu.keeps_coop_accounts
                ),
            ),
            (
                "cash_payouts",
                MenuEntry(
                    "coops:cash-payouts", _("Cash payouts to members"), 530, menu.hands_over_cash
                ),
            ),
        ):
            menu_entries.register(f"coops.{key}", entry)
