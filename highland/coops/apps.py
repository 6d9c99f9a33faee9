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
