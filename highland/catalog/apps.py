from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "highland.catalog"
    label = "catalog"
    verbose_name = _("Catalogue")

    def ready(self) -> None:
        from highland.catalog import auditlabels as catalog_audit
        from highland.core import audit

        audit.register_actions(catalog_audit.ACTIONS)
        for object_type, link in catalog_audit.LINKS.items():
            audit.OBJECT_LINKS.register(object_type, link)
        from highland.catalog.selectors import seller_account_names
        from highland.ledger.accounts import PARTY_NAMES

        PARTY_NAMES.register("catalog.sellers", seller_account_names)
        from highland.core.menu import MenuEntry, everyone, menu_entries
        from highland.core.models import County, Role, User
        from highland.core.workplaces import Workplace, workplace_sources

        def sellers(user: User, county: County) -> list[Workplace]:
            from highland.catalog.selectors import sellers_worked_for

            return [
                Workplace(id=seller.pk, name=seller.name)
                for seller in sellers_worked_for(user, county)
            ]

        workplace_sources.register("sellers", sellers)

        menu_entries.register(
            "catalog.shop", MenuEntry("catalog:storefront", _("Shop"), 200, everyone)
        )
        menu_entries.register(
            "catalog.my_products",
            MenuEntry(
                "catalog:my-products",
                _("My products"),
                500,
                lambda _user, _county, roles: bool(
                    roles & {Role.SELLER_STAFF, Role.COOPERATIVE_MANAGER, Role.STATION_AGENT}
                ),
            ),
        )
