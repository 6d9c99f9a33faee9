from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def sees_cooperatives(_user: object, _county: object, roles: frozenset[str]) -> bool:
    from highland.core.models import Role

    return bool(
        roles
        & {
            Role.COOPERATIVE_MANAGER,
            Role.COOPERATIVE_ACCOUNTANT,
            Role.CENTRE_OPERATOR,
            Role.COUNTY_OFFICIAL,
        }
    )


class CoopsConfig(AppConfig):
    name = "highland.coops"
    label = "coops"
    verbose_name = _("Cooperatives")

    def ready(self) -> None:
        from highland.coops import auditlabels
        from highland.core import audit

        audit.register_actions(auditlabels.ACTIONS)
        # members and rules
        from highland.coops.overview import member_account_names
        from highland.core.menu import MenuEntry, menu_entries
        from highland.ledger.accounts import PARTY_NAMES

        PARTY_NAMES.register("coops.members", member_account_names)
        menu_entries.register(
            "coops.cooperatives",
            MenuEntry("coops:cooperative-list", _("Cooperatives"), 450, sees_cooperatives),
        )
        # intake, lots, processing
        from highland.coops import intake_postings, intake_texts
        from highland.ledger.invariants import register_invariant
        from highland.ledger.memos import MEMOS

        for code, memo in intake_postings.MEMOS.items():
            MEMOS.register(code, memo)
        register_invariant("coops.intake_advances_posted", intake_postings.intake_advances_posted)
        intake_texts.register_kinds()
        from highland.coops.intake_access import may_manage_lots, may_record_intakes
        from highland.core.menu import MenuEntry, menu_entries

        menu_entries.register(
            "coops.intake", MenuEntry("coops:intake-start", _("Intake"), 430, may_record_intakes)
        )
        menu_entries.register(
            "coops.lots", MenuEntry("coops:lots-start", _("Produce lots"), 440, may_manage_lots)
        )
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
        from highland.coops import selectors
        from highland.core.menu import MenuEntry, menu_entries
        from highland.core.models import County, User

        def heads_a_household(user: User, _county: County | None, _roles: frozenset[str]) -> bool:
            return selectors.heads_a_household(user)

        menu_entries.register(
            "coops.my_households",
            MenuEntry("coops:my-households", _("My cooperative"), 350, heads_a_household),
        )
