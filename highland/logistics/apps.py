from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LogisticsConfig(AppConfig):
    name = "highland.logistics"
    label = "logistics"
    verbose_name = _("Logistics")

    def ready(self) -> None:
        from highland.core import audit
        from highland.logistics import (
            auditlabels,
            hub_registrations,
            plans_menu,
            roads_menu,
            tracking_setup,
        )
        from highland.logistics.coldchain.register import register as register_cold_chain

        audit.register_actions(auditlabels.ACTIONS)
        tracking_setup.register()
        roads_menu.register()
        hub_registrations.register()
        plans_menu.register()
        register_cold_chain()
