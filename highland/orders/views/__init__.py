"""Pages: cart, checkout, payment, orders, the seller's packing and the agent's assisted order.

One module per part: `checkout` (cart, checkout, paying), `orders` (lists, detail,
actions, assisted ordering), `settlement`, `aftersales` and `groupbuys`; `shared` holds
the helpers they have in common. `urls.py` names the views through this package.
"""

from __future__ import annotations

from highland.orders.views.aftersales import (
    AFTERSALE_ACTIONS,
    AfterSaleForm,
    EvidencePhotoForm,
    aftersale_action,
    aftersale_create,
    aftersale_detail,
    aftersale_photo,
    escalated_aftersale_list,
)
from highland.orders.views.assisted import assisted_basket, assisted_order
from highland.orders.views.checkout import (
    cart_add,
    cart_page,
    cart_update,
    checkout_page,
    collect_cash,
    pay_online,
    payment_page,
    payment_returned,
)
from highland.orders.views.groupbuy_products import group_buy_products
from highland.orders.views.groupbuys import (
    DATETIME_INPUT,
    GROUP_BUY_ACTIONS,
    GroupBuyForm,
    GroupBuyItemForm,
    GroupBuyItemFormSet,
    GroupBuyJoinForm,
    group_buy_action,
    group_buy_create,
    group_buy_detail,
    group_buy_edit,
    group_buy_hand_over,
    group_buy_join,
    group_buy_list,
    group_buy_pick_lists,
    group_buy_pickup,
    group_buy_purchases,
    group_buy_receive,
)
from highland.orders.views.orders import (
    ORDER_ACTIONS,
    order_action,
    order_detail,
    order_list,
)
from highland.orders.views.receipts import order_receipt
from highland.orders.views.seller import (
    my_statements,
    seller_aftersale_list,
    to_pack_page,
)
from highland.orders.views.settlement import (
    payout_returned,
    settlement_page,
    statement_page,
)
from highland.orders.views.shared import (
    pickup_points,
)

__all__ = [
    "AFTERSALE_ACTIONS",
    "DATETIME_INPUT",
    "GROUP_BUY_ACTIONS",
    "ORDER_ACTIONS",
    "AfterSaleForm",
    "EvidencePhotoForm",
    "GroupBuyForm",
    "GroupBuyItemForm",
    "GroupBuyItemFormSet",
    "GroupBuyJoinForm",
    "aftersale_action",
    "aftersale_create",
    "aftersale_detail",
    "aftersale_photo",
    "assisted_basket",
    "assisted_order",
    "cart_add",
    "cart_page",
    "cart_update",
    "checkout_page",
    "collect_cash",
    "escalated_aftersale_list",
    "group_buy_action",
    "group_buy_create",
    "group_buy_detail",
    "group_buy_edit",
    "group_buy_hand_over",
    "group_buy_join",
    "group_buy_list",
    "group_buy_pick_lists",
    "group_buy_pickup",
    "group_buy_products",
    "group_buy_purchases",
    "group_buy_receive",
    "my_statements",
    "order_action",
    "order_detail",
    "order_list",
    "order_receipt",
    "pay_online",
    "payment_page",
    "payment_returned",
    "payout_returned",
    "pickup_points",
    "seller_aftersale_list",
    "settlement_page",
    "statement_page",
    "to_pack_page",
]
