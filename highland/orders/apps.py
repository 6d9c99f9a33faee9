from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "highland.orders"
    label = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        from highland.core.signin import guest_handovers
        from highland.orders.cart import hand_over_guest_cart

        guest_handovers.register("orders.cart", hand_over_guest_cart)
        from highland.core import audit
        from highland.orders import auditlabels as orders_audit

        audit.register_actions(orders_audit.ACTIONS)
        for object_type, link in orders_audit.LINKS.items():
            audit.OBJECT_LINKS.register(object_type, link)
        from highland.ledger.memos import MEMOS
        from highland.orders import postings as memo_source

        for code, memo in memo_source.MEMOS.items():
            MEMOS.register(code, memo)
        from highland.core.menu import MenuEntry, everyone, menu_entries
        from highland.core.models import County, Role, User
        from highland.core.permissions import allowed

        def is_agent(_user: User, _county: County | None, roles: frozenset[str]) -> bool:
            return Role.STATION_AGENT in roles

        menu_entries.register(
            "orders.orders", MenuEntry("orders:order-list", _("Orders"), 300, everyone)
        )
        from highland.orders import fulfilment

        menu_entries.register(
            "orders.to_pack",
            MenuEntry(
                "orders:to-pack",
                _("To pack"),
                310,
                fulfilment.is_seller,
                badge=fulfilment.to_pack_badge,
            ),
        )
        menu_entries.register(
            "orders.seller_aftersales",
            MenuEntry(
                "orders:seller-aftersales",
                _("After-sale requests"),
                320,
                fulfilment.is_seller,
                badge=fulfilment.aftersale_badge,
            ),
        )
        menu_entries.register(
            "orders.my_statements",
            MenuEntry("orders:my-statements", _("Statement"), 330, fulfilment.is_seller),
        )
        menu_entries.register(
            "orders.assisted",
            MenuEntry("orders:assisted", _("Order for a villager"), 410, is_agent),
        )
        menu_entries.register(
            "orders.group_buys",
            MenuEntry("orders:group-buy-list", _("Group buys"), 420, is_agent),
        )
        menu_entries.register(
            "orders.settlements",
            MenuEntry(
                "orders:settlements",
                _("Settlements"),
                600,
                lambda user, county, _roles: allowed(user, "orders.run_settlement", county),
            ),
        )
        from highland.ledger.invariants import register_invariant
        from highland.orders import invariants, texts

        texts.register_kinds()

        register_invariant("orders.paid_payments_posted", invariants.paid_payments_posted)
        register_invariant("orders.bank_not_negative", invariants.bank_not_negative)
        register_invariant("orders.payouts_within_credits", invariants.payouts_within_credits)
        register_invariant(
            "orders.payables_never_paid_below_zero", invariants.payables_never_paid_below_zero
        )
        register_invariant("orders.payouts_posted_once", invariants.payouts_posted_once)
        register_invariant(
            "orders.order_entries_match_statement", invariants.order_entries_match_statement
        )

        from highland.orders.paying import CHECKOUT_PURPOSE
        from highland.payments.purposes import register_purpose

        register_purpose(CHECKOUT_PURPOSE)

        from highland.network.services import register_open_work_check
        from highland.orders import openwork

        register_open_work_check(openwork.cash_to_collect)
        register_open_work_check(openwork.pickups_waiting)
        register_open_work_check(openwork.open_group_buys)

        from highland.network.desk import register_desk_queue_source
        from highland.orders import deskwork

        register_desk_queue_source("orders.cash_to_collect", deskwork.cash_to_collect)
        register_desk_queue_source("orders.parcels_waiting", deskwork.parcels_waiting)
        register_desk_queue_source("orders.pickups_due_today", deskwork.pickups_due_today)
        register_desk_queue_source("orders.group_buy_deadlines", deskwork.group_buy_deadlines)

        from highland.orders.linesources import SkuLineSource, register_line_source

        register_line_source(SkuLineSource())
