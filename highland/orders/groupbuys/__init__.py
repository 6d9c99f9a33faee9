"""Group buys: a township station pools its villages' orders for a window, then orders once
per supplier and hands the goods out at the village points.

Decisions (see also the docstrings below):

- Joining is a normal checkout (`services.place_order`): one payment, one order per seller,
  pickup at the villager's village point, cash at the point. Stock is reserved at joining
  by checkout's conditional UPDATE, so a window can never sell more than there is.
- Villagers pay cash at their point, when they join or when they collect. With
  `pay_on_pickup` (the default, because most herders pay when the goods are in their
  hands) unpaid orders survive the cut-off and stay reserved until `collect_by`; after
  that the normal expiry cancels them and gives the stock back. Without it, an order
  must be paid by the cut-off and the close cancels the unpaid ones.
- An order goes ahead only if every item in it reached its minimum. Cancelling an order
  can push another item below its minimum, so the close repeats until nothing changes.
  An agent who wants items to stand alone joins them as separate orders.
- Goods sold by weight are not offered: each parcel would have to be weighed, and a
  consolidated delivery is counted in units.
- A group price is a checkout price rule (`linesources.PriceRule`, with the window's
  hold): the lines are priced with it before the order is written, so the checkout's
  audit record, the payment, commission, seller payables and refunds all follow it.

Permission-checked reads (`access_*`) and the pick-list selector live in `reads.py`; they
follow access.py and selectors.py.

One module per step: `terms` (what a window offers, its state machine, checks),
`organising`, `joining`, `closing` (the cut-off), `delivery` (ordering from the
suppliers, receiving, pickup) and `reads`.
"""

from __future__ import annotations

from highland.orders.groupbuys.closing import (
    close_due_group_buys,
    close_group_buy,
)
from highland.orders.groupbuys.delivery import (
    cancel_group_buy,
    hand_over,
    order_from_suppliers,
    receive_purchase,
)
from highland.orders.groupbuys.joining import (
    join_group_buy,
)
from highland.orders.groupbuys.organising import (
    create_group_buy,
    open_group_buy,
    update_group_buy,
)
from highland.orders.groupbuys.reads import (
    PickList,
    PickRow,
    access_group_buy,
    access_purchase,
    group_buys_visible_to,
    item_totals,
    pick_lists,
)
from highland.orders.groupbuys.terms import (
    CLOSE_GRACE,
    EDITABLE,
    JOIN_SCOPE,
    LINES_IN_ORDER,
    LIVE,
    MAX_ITEMS,
    TITLE_LIMITS,
    TITLES,
    CloseResult,
    GroupBuyTerms,
    ItemTerms,
    hold_until,
    item_terms_of,
    transition,
    village_points_of,
)

__all__ = [
    "CLOSE_GRACE",
    "EDITABLE",
    "JOIN_SCOPE",
    "LINES_IN_ORDER",
    "LIVE",
    "MAX_ITEMS",
    "TITLES",
    "TITLE_LIMITS",
    "CloseResult",
    "GroupBuyTerms",
    "ItemTerms",
    "PickList",
    "PickRow",
    "access_group_buy",
    "access_purchase",
    "cancel_group_buy",
    "close_due_group_buys",
    "close_group_buy",
    "create_group_buy",
    "group_buys_visible_to",
    "hand_over",
    "hold_until",
    "item_terms_of",
    "item_totals",
    "join_group_buy",
    "open_group_buy",
    "order_from_suppliers",
    "pick_lists",
    "receive_purchase",
    "transition",
    "update_group_buy",
    "village_points_of",
]
