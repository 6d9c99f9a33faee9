"""Orders' models, one module per part: core (carts, orders, shipping, payouts),
aftersales and groupbuys."""

from highland.orders.models.core import (
    ORDER_TRANSITIONS,
    Cart,
    CartLine,
    Delivery,
    Order,
    OrderLine,
    OrderStatus,
    Payout,
    ShippingRate,
    ShippingZone,
)

__all__ = [
    "ORDER_TRANSITIONS",
    "Cart",
    "CartLine",
    "Delivery",
    "Order",
    "OrderLine",
    "OrderStatus",
    "Payout",
    "ShippingRate",
    "ShippingZone",
]
