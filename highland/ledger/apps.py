from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "highland.ledger"
    label = "ledger"
    verbose_name = _("Ledger")

    def ready(self) -> None:
        from highland.core.menu import MenuEntry, menu_entries
        from highland.core.permissions import allowed

        menu_entries.register(
            "ledger.overview",
            MenuEntry(
                "ledger:overview",
                _("Ledger"),
                700,
                lambda user, county, _roles: allowed(user, "ledger.view_ledger", county),
            ),
        )
