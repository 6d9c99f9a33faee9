from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "highland.core"
    label = "core"
    verbose_name = _("Counties, people and audit")

    def ready(self) -> None:
        from highland.core import audit
        from highland.core import auditlabels as core_audit

        audit.register_actions(core_audit.ACTIONS)
        from highland.core import events, pagecache

        events.subscribe(pagecache.SHOP_CHANGED, "core.pagecache.drop", pagecache.drop_cached_pages)
        from highland.core import checks  # noqa: F401 - registers the deploy checks
        from highland.core.menu import MenuEntry, everyone, menu_entries
        from highland.core.permissions import allowed

        menu_entries.register("core.home", MenuEntry("home", _("Home"), 0, everyone))
        menu_entries.register(
            "core.audit",
            MenuEntry(
                "audit-list",
                _("Audit"),
                900,
                lambda user, county, _roles: allowed(user, "core.view_audit", county),
            ),
        )
        menu_entries.register(
            "core.tokens",
            MenuEntry(
                "token-list",
                _("Device tokens"),
                910,
                lambda user, county, _roles: allowed(user, "core.manage_api_tokens", county),
            ),
        )
        menu_entries.register(
            "core.locked_logins",
            MenuEntry(
                "locked-logins",
                _("Locked logins"),
                920,
                lambda user, county, _roles: allowed(user, "core.manage_people", county),
            ),
        )
