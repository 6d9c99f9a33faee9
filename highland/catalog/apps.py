from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "highland.catalog"
    label = "catalog"
    verbose_name = _("Catalogue")

    def ready(self) -> None:
        from highland.core.menu import MenuEntry, everyone, menu_entries
        from highland.core.models import Role

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
        from highland.core.models import County
        from highland.core.pagecache import invalidate_cached_pages_on_commit
        from highland.network.models import ServicePoint

        from .models import Category, Product, ProductPhoto, Seller, Sku

        # What the cached shop pages show (core/pagecache.py): any change drops them.
        for model in (County, ServicePoint, Category, Seller, Product, ProductPhoto, Sku):
            post_save.connect(
                invalidate_cached_pages_on_commit,
                sender=model,
                dispatch_uid=f"pagecache-{model.__name__}-save",
            )
            post_delete.connect(
                invalidate_cached_pages_on_commit,
                sender=model,
                dispatch_uid=f"pagecache-{model.__name__}-delete",
            )
