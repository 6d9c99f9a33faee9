"""Group buys: a station pools its villages' orders for a window, then orders once per supplier.

A villager's share is a normal order (placed through checkout, paid in cash at their
village point); GroupBuyOrder links it to the window. At the cut-off the live orders
become one ConsolidatedPurchase per seller and a pick list per village point.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from highland.core.i18n import localized
from highland.core.models import County, User
from highland.core.statemachine import StateMachine
from highland.network.models import ServicePoint
from highland.orders.models.core import Order


class GroupBuyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open for orders")
    CLOSED = "closed", _("Closed")
    ORDERED = "ordered", _("Ordered from the suppliers")
    DELIVERED = "delivered", _("Delivered to the points")
    CANCELLED = "cancelled", _("Cancelled")


# The group buy's state machine: from each status, the statuses it may move to.
GROUP_BUY_TRANSITIONS: dict[str, frozenset[str]] = {
    GroupBuyStatus.DRAFT: frozenset({GroupBuyStatus.OPEN, GroupBuyStatus.CANCELLED}),
    GroupBuyStatus.OPEN: frozenset({GroupBuyStatus.CLOSED, GroupBuyStatus.CANCELLED}),
    GroupBuyStatus.CLOSED: frozenset({GroupBuyStatus.ORDERED, GroupBuyStatus.CANCELLED}),
    GroupBuyStatus.ORDERED: frozenset({GroupBuyStatus.DELIVERED}),
    GroupBuyStatus.DELIVERED: frozenset(),
    GroupBuyStatus.CANCELLED: frozenset(),
}


GROUP_BUY_MACHINE = StateMachine(
    GroupBuyStatus,
    GROUP_BUY_TRANSITIONS,
    stamps={
        GroupBuyStatus.OPEN: ("opened_at",),
        GroupBuyStatus.CLOSED: ("closed_at",),
        GroupBuyStatus.ORDERED: ("ordered_at",),
        GroupBuyStatus.DELIVERED: ("delivered_at",),
        GroupBuyStatus.CANCELLED: ("cancelled_at",),
    },
)


class GroupBuy(models.Model):
    """One window in which a township station collects its villages' orders."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="group_buys")
    station = models.ForeignKey(
        ServicePoint,
        verbose_name=_("station"),
        on_delete=models.PROTECT,
        related_name="group_buys",
    )
    organiser = models.ForeignKey(
        User, verbose_name=_("organiser"), on_delete=models.PROTECT, related_name="group_buys"
    )
    title_zh = models.CharField(_("title (Chinese)"), max_length=120)
    title_bo = models.CharField(_("title (Tibetan)"), max_length=200, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=120, blank=True)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("cut-off"))
    # Orders not yet paid are held (and their stock reserved) until this moment when
    # villagers pay at pickup; after it the normal expiry gives the stock back.
    collect_by = models.DateTimeField(_("collect by"))
    pay_on_pickup = models.BooleanField(_("villagers may pay when they collect"), default=True)
    status = models.CharField(
        _("status"), max_length=10, choices=GroupBuyStatus.choices, default=GroupBuyStatus.DRAFT
    )
    points = models.ManyToManyField(
        ServicePoint, verbose_name=_("village points served"), related_name="group_buys_served"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    ordered_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("group buy")
        verbose_name_plural = _("group buys")
        ordering = ["-closes_at", "-id"]
        indexes = [models.Index(fields=["status", "closes_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="group_buy_closes_after_open"
            ),
            models.CheckConstraint(
                condition=Q(collect_by__gt=models.F("closes_at")),
                name="group_buy_collect_after_cutoff",
            ),
            models.CheckConstraint(
                condition=Q(status__in=GroupBuyStatus.values), name="group_buy_status_known"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return localized(self, "title")


class ItemOutcome(models.TextChoices):
    PENDING = "", _("Not yet decided")
    GOING_AHEAD = "going_ahead", _("Going ahead")
    NO_ORDERS = "no_orders", _("Nobody ordered it")
    BELOW_MINIMUM = "below_minimum", _("Cancelled: minimum not reached")


class GroupBuyItem(models.Model):
    """A SKU on offer in the window, at its own price or a lower one the seller agreed."""

    group_buy = models.ForeignKey(GroupBuy, on_delete=models.CASCADE, related_name="items")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    group_price_fen = models.BigIntegerField(_("group price (fen)"), null=True, blank=True)
    # Units the whole group must order for the item to go ahead; empty means any.
    min_quantity = models.PositiveBigIntegerField(
        _("minimum total quantity"), null=True, blank=True
    )
    position = models.PositiveSmallIntegerField(default=0)
    outcome = models.CharField(
        _("outcome"), max_length=14, choices=ItemOutcome.choices, default="", blank=True
    )

    class Meta:
        ordering = ["group_buy", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["group_buy", "sku"], name="group_buy_item_unique_sku"),
            models.CheckConstraint(
                condition=Q(group_price_fen__isnull=True) | Q(group_price_fen__gt=0),
                name="group_buy_item_price_positive",
            ),
            models.CheckConstraint(
                condition=Q(min_quantity__isnull=True) | Q(min_quantity__gt=0),
                name="group_buy_item_minimum_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group_buy_id}: {self.sku_id}"

    def unit_price_fen(self) -> int:
        """What a villager pays per unit: the group price, unless the SKU became cheaper."""
        price = int(self.sku.price_fen)
        return min(price, self.group_price_fen) if self.group_price_fen else price


class GroupBuyOrder(models.Model):
    """A villager's order placed in a group buy."""

    group_buy = models.ForeignKey(GroupBuy, on_delete=models.PROTECT, related_name="orders")
    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="group_buy_link")
    joined_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    # Why the group buy cancelled the order at the cut-off; empty while it stands.
    dropped_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["group_buy", "id"]

    def __str__(self) -> str:
        return f"{self.group_buy_id}: {self.order_id}"


class ConsolidatedPurchase(models.Model):
    """The one purchase order a group buy sends a seller: every villager's units added up."""

    county = models.ForeignKey(
        County, on_delete=models.PROTECT, related_name="consolidated_purchases"
    )
    group_buy = models.ForeignKey(GroupBuy, on_delete=models.PROTECT, related_name="purchases")
    seller = models.ForeignKey(
        "catalog.Seller", on_delete=models.PROTECT, related_name="consolidated_purchases"
    )
    number = models.CharField(_("purchase number"), max_length=24, unique=True)
    amount_fen = models.BigIntegerField(_("goods (fen)"))
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(_("received at the station"), null=True, blank=True)
    received_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("consolidated purchase")
        verbose_name_plural = _("consolidated purchases")
        ordering = ["group_buy", "seller_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["group_buy", "seller"], name="one_purchase_per_seller_per_group_buy"
            ),
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0), name="consolidated_purchase_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class ConsolidatedPurchaseLine(models.Model):
    purchase = models.ForeignKey(
        ConsolidatedPurchase, on_delete=models.CASCADE, related_name="lines"
    )
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    # The names the villagers' order lines kept, in the three working languages.
    product_name_zh = models.CharField(_("product (Chinese)"), max_length=200)
    product_name_bo = models.CharField(_("product (Tibetan)"), max_length=200, blank=True)
    product_name_en = models.CharField(_("product (English)"), max_length=200, blank=True)
    sku_label_zh = models.CharField(_("variant (Chinese)"), max_length=200)
    sku_label_bo = models.CharField(_("variant (Tibetan)"), max_length=200, blank=True)
    sku_label_en = models.CharField(_("variant (English)"), max_length=200, blank=True)
    quantity = models.PositiveBigIntegerField()
    # The villagers' line amounts added up: the SKU's price may have changed mid-window.
    amount_fen = models.BigIntegerField()

    class Meta:
        ordering = ["purchase", "sku_id"]
        constraints = [
            models.UniqueConstraint(fields=["purchase", "sku"], name="purchase_line_unique_sku"),
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="purchase_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0), name="purchase_line_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_name} {self.sku_label} × {self.quantity}"

    @property
    def product_name(self) -> str:
        """The product's name, in the reader's language."""
        return localized(self, "product_name")

    @property
    def sku_label(self) -> str:
        """The variant's label, in the reader's language."""
        return localized(self, "sku_label")
