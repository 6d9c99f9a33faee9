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
