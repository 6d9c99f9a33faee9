from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LogisticsConfig(AppConfig):
    name = "highland.logistics"
    label = "logistics"
    verbose_name = _("Logistics")

    def ready(self) -> None:
        from highland.core import audit
        from highland.logistics import auditlabels

        audit.register_actions(auditlabels.ACTIONS)
        from highland.logistics.coldchain.register import register as register_cold_chain

        register_cold_chain()
