from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "highland.network"
    label = "network"
    verbose_name = _("Service network")

    def ready(self) -> None:
        from highland.core import audit
        from highland.network import auditlabels as network_audit

        audit.register_actions(network_audit.ACTIONS)
        for object_type, link in network_audit.LINKS.items():
            audit.OBJECT_LINKS.register(object_type, link)
        from highland.core.menu import MenuEntry, menu_entries
        from highland.core.models import County, Role, User
        from highland.core.permissions import allowed
        from highland.core.workplaces import Workplace, workplace_sources

        def service_points(user: User, county: County) -> list[Workplace]:
            return [
                Workplace(id=point.pk, name=point.name, code=point.code)
                for point in user.service_points.filter(county=county, active=True).order_by(
                    "tier", "code"
                )
            ]

        workplace_sources.register("service_points", service_points)

        def may_view(user: User, county: County | None, _roles: frozenset[str]) -> bool:
            return allowed(user, "network.view_point", county)

        menu_entries.register(
            "network.points",
            MenuEntry("network:point-list", _("Service network"), 100, may_view),
        )
        menu_entries.register("network.map", MenuEntry("network:map", _("Map"), 110, may_view))
        menu_entries.register(
            "network.desk",
            MenuEntry(
                "network:desk",
                _("My desk"),
                400,
                lambda _user, _county, roles: Role.STATION_AGENT in roles,
            ),
        )
