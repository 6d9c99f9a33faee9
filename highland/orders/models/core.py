"""Carts, orders (one per seller per checkout), their lines and the shipping rate table."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from highland.catalog.models import SellingUnit
from highland.core.i18n import localized
from highland.core.models import County, User
from highland.core.statemachine import StateMachine
from highland.network.models import ServicePoint
from highland.payments.models import Payment


class Cart(models.Model):
    """A guest's cart is keyed by session; it becomes the person's cart at login."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="carts")
    owner = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="carts"
    )
    session_key = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["county", "owner"],
                condition=Q(owner__isnull=False),
                name="one_cart_per_owner",
            ),
            models.UniqueConstraint(
                fields=["county", "session_key"],
                condition=~Q(session_key=""),
                name="one_cart_per_session",
            ),
        ]

    def __str__(self) -> str:
        return f"cart {self.pk} ({self.owner or 'guest'})"


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.CASCADE, related_name="+")
    # Units, or grams for a SKU sold by weight.
    quantity = models.PositiveBigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cart", "sku"], name="cart_line_unique_sku"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="cart_line_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id} × {self.quantity}"


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("Awaiting payment")
    PAID = "paid", _("Paid")
    PACKED = "packed", _("Packed")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


# The order state machine: from each status, the statuses it may move to.
ORDER_TRANSITIONS: dict[str, frozenset[str]] = {
    OrderStatus.PENDING_PAYMENT: frozenset({OrderStatus.PAID, OrderStatus.CANCELLED}),
    OrderStatus.PAID: frozenset({OrderStatus.PACKED, OrderStatus.CANCELLED}),
    OrderStatus.PACKED: frozenset({OrderStatus.SHIPPED, OrderStatus.CANCELLED}),
    OrderStatus.SHIPPED: frozenset({OrderStatus.DELIVERED}),
    OrderStatus.DELIVERED: frozenset({OrderStatus.COMPLETED}),
    OrderStatus.COMPLETED: frozenset(),
    # Only a late payment of an expired hold reopens an order (orders.paying), and only
    # after its stock was taken again.
    OrderStatus.CANCELLED: frozenset({OrderStatus.PENDING_PAYMENT}),
}


ORDER_MACHINE = StateMachine(
    OrderStatus,
    ORDER_TRANSITIONS,
    stamps={
        OrderStatus.PAID: ("paid_at",),
        OrderStatus.PACKED: ("packed_at",),
        OrderStatus.SHIPPED: ("shipped_at",),
        OrderStatus.DELIVERED: ("delivered_at",),
        OrderStatus.COMPLETED: ("completed_at",),
        OrderStatus.CANCELLED: ("cancelled_at",),
    },
)


class Delivery(models.TextChoices):
    ADDRESS = "address", _("Delivery to an address")
    PICKUP = "pickup", _("Pickup at a village point")


class Carrier(models.TextChoices):
    """Who carries a shipped parcel: the common express companies, the county's own
    delivery to its points, or another company named on the order."""

    SF = "sf", _("SF Express")
    EMS = "ems", _("China Post EMS")
    JD = "jd", _("JD Logistics")
    ZTO = "zto", _("ZTO Express")
    YTO = "yto", _("YTO Express")
    STO = "sto", _("STO Express")
    YUNDA = "yunda", _("Yunda Express")
    JT = "jt", _("J&T Express")
    COUNTY = "county", _("County delivery network")
    OTHER = "other", _("Other carrier")


class Order(models.Model):
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="orders")
    number = models.CharField(_("order number"), max_length=24, unique=True)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="orders")
    buyer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="orders")
    # The agent who placed it for a villager; empty when the buyer ordered alone.
    placed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="orders_placed"
    )
    seller = models.ForeignKey("catalog.Seller", on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(
        _("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING_PAYMENT
    )
    items_fen = models.BigIntegerField(_("goods (fen)"))
    shipping_fen = models.BigIntegerField(_("shipping (fen)"))
    total_fen = models.BigIntegerField(_("total (fen)"))
    # Fixed at checkout with the prices (the lines' rates), then moved by catch-weight
    # packing to the commission on the packed amount (ADR 0006).
    commission_fen = models.BigIntegerField(_("commission (fen)"), default=0)
    # By-weight lines are paid with a 5 % allowance on top; after packing the
    # allowance covers a heavier parcel and what is left is refunded, so the
    # difference is settled automatically whatever the payment method.
    weight_allowance_fen = models.BigIntegerField(_("weight allowance (fen)"), default=0)
    # Catch-weight difference once packed (+ the buyer owed more, - less).
    adjustment_fen = models.BigIntegerField(_("weight adjustment (fen)"), default=0)
    delivery = models.CharField(_("delivery"), max_length=10, choices=Delivery.choices)
    pickup_point = models.ForeignKey(
        ServicePoint, null=True, blank=True, on_delete=models.PROTECT, related_name="pickup_orders"
    )
    pickup_code = models.CharField(_("pickup code"), max_length=8, blank=True)
    recipient_name = models.CharField(_("recipient"), max_length=60)
    recipient_phone = models.CharField(_("mobile phone"), max_length=11, blank=True)
    province = models.CharField(_("province"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=30, blank=True)
    district = models.CharField(_("county or district"), max_length=30, blank=True)
    township = models.CharField(_("township"), max_length=30, blank=True)
    address_detail = models.CharField(_("address"), max_length=120, blank=True)
    reserved_until = models.DateTimeField(_("stock held until"))
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    packed_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    picked_up_at = models.DateTimeField(null=True, blank=True)
    payout = models.ForeignKey(
        "orders.Payout", null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    # Recorded by the shipping action (orders.fulfilment.ship_order).
    carrier = models.CharField(_("carrier"), max_length=10, choices=Carrier.choices, blank=True)
    carrier_name = models.CharField(_("carrier's name"), max_length=30, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["county", "status", "reserved_until"]),
            models.Index(fields=["seller", "status"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(items_fen__gt=0), name="order_items_positive"),
            models.CheckConstraint(
                condition=Q(shipping_fen__gte=0), name="order_shipping_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(
                    total_fen=models.F("items_fen")
                    + models.F("shipping_fen")
                    + models.F("weight_allowance_fen")
                ),
                name="order_total_is_items_shipping_allowance",
            ),
            models.CheckConstraint(
                condition=(Q(delivery="pickup") & Q(pickup_point__isnull=False))
                | (Q(delivery="address") & Q(pickup_point__isnull=True)),
                name="order_delivery_has_its_place",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def commission_rates(self) -> list[int]:
        """The lines' commission rates in basis points, each once, lowest first."""
        return sorted({line.commission_bp for line in self.lines.all()})


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    # What the buyer saw, in the three working languages, kept even if the product is
    # renamed later; `product_name` and `sku_label` read them in the reader's language.
    product_name_zh = models.CharField(_("product (Chinese)"), max_length=200)
    product_name_bo = models.CharField(_("product (Tibetan)"), max_length=200, blank=True)
    product_name_en = models.CharField(_("product (English)"), max_length=200, blank=True)
    sku_label_zh = models.CharField(_("variant (Chinese)"), max_length=200)
    sku_label_bo = models.CharField(_("variant (Tibetan)"), max_length=200, blank=True)
    sku_label_en = models.CharField(_("variant (English)"), max_length=200, blank=True)
    selling_unit = models.CharField(max_length=10, choices=SellingUnit.choices)
    # Units, or grams for a SKU sold by weight.
    quantity = models.PositiveBigIntegerField()
    # Per unit, or per 500 g for a SKU sold by weight.
    unit_price_fen = models.BigIntegerField()
    line_fen = models.BigIntegerField()
    packed_grams = models.PositiveBigIntegerField(null=True, blank=True)
    adjustment_fen = models.BigIntegerField(default=0)
    # The seller's commission rate in force at checkout, kept whatever the category's rate
    # becomes, and the commission on the line: on `line_fen`, or once packed on
    # `line_fen + adjustment_fen` (ADR 0006).
    commission_bp = models.PositiveIntegerField(default=0)
    commission_fen = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="order_line_quantity_positive"
            ),
            models.CheckConstraint(condition=Q(line_fen__gt=0), name="order_line_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.product_name} {self.sku_label} × {self.quantity}"

    @property
    def product_name(self) -> str:
        """The product's name at checkout, in the reader's language."""
        return localized(self, "product_name")

    @property
    def sku_label(self) -> str:
        """The variant's label at checkout, in the reader's language."""
        return localized(self, "sku_label")


class ShippingZone(models.TextChoices):
    LOCAL = "local", _("Within the county")
    PROVINCE = "province", _("Within Sichuan")
    NEAR = "near", _("Neighbouring provinces")
    FAR = "far", _("Rest of China")


class ShippingRate(models.Model):
    """Fee for a parcel: the first weight step, then each further step or part of one."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="shipping_rates")
    zone = models.CharField(max_length=10, choices=ShippingZone.choices)
    storage_class = models.CharField(max_length=10)
    first_weight_g = models.PositiveIntegerField()
    first_fee_fen = models.BigIntegerField()
    step_weight_g = models.PositiveIntegerField()
    step_fee_fen = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["county", "zone", "storage_class"], name="one_rate_per_zone_class"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.zone}/{self.storage_class}"


class PayoutStatus(models.TextChoices):
    PAID = "paid", _("Paid out")
    RETURNED = "returned", _("Returned by the bank")


# A payout is recorded when the bank transfer leaves; the bank may send it back (a closed
# account, a wrong name), and then the seller is owed again.
PAYOUT_MACHINE = StateMachine(
    PayoutStatus,
    {PayoutStatus.PAID: frozenset({PayoutStatus.RETURNED})},
    stamps={PayoutStatus.RETURNED: ("returned_at",)},
)


class Payout(models.Model):
    """Money paid to one seller for the orders that became due, minus commission, net of
    the debt the seller ran up by refunds made after earlier payouts."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="payouts")
    seller = models.ForeignKey("catalog.Seller", on_delete=models.PROTECT, related_name="payouts")
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    goods_fen = models.BigIntegerField(_("goods (fen)"))
    commission_fen = models.BigIntegerField(_("commission (fen)"))
    adjustment_fen = models.BigIntegerField(_("weight adjustments (fen)"))
    # After-sale refunds on these orders, already taken out of the seller's payable.
    refunds_fen = models.BigIntegerField(_("after-sale refunds (fen)"), default=0)
    # What the seller owed from refunds after earlier payouts, taken out of this one.
    debt_recovered_fen = models.BigIntegerField(_("debt recovered (fen)"), default=0)
    order_count = models.PositiveIntegerField()
    due_before = models.DateTimeField(_("orders delivered before"))
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PayoutStatus.choices, default=PayoutStatus.PAID
    )
    returned_at = models.DateTimeField(_("returned"), null=True, blank=True)
    return_reason = models.CharField(_("why the bank returned it"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="payout_amount_positive"),
            models.CheckConstraint(
                condition=Q(
                    amount_fen=models.F("goods_fen")
                    - models.F("commission_fen")
                    + models.F("adjustment_fen")
                    - models.F("refunds_fen")
                    - models.F("debt_recovered_fen")
                ),
                name="payout_amount_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(debt_recovered_fen__gte=0), name="payout_debt_recovered_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"payout {self.pk} to {self.seller_id}: {self.amount_fen}"
