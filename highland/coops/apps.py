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
        from highland.coops.selectors import member_account_names
        from highland.core.menu import MenuEntry, menu_entries
        from highland.ledger.accounts import PARTY_NAMES

        PARTY_NAMES.register("coops.members", member_account_names)
        menu_entries.register(
            "coops.cooperatives",
            MenuEntry("coops:cooperative-list", _("Cooperatives"), 450, sees_cooperatives),
        )
        # intake, lots, processing
        # settlement, payouts, surplus
        # member self-service
