"""API for carts, checkout and orders: the same services as the pages.

One module per part, all on one router (`common.router`). Django matches the routes in
the order they are registered, so the modules are imported in this order on purpose:
the fixed paths (`/cart`, `/group-buys/...`, `/aftersales/...`) come before the
`/{order_id}` paths that would also match them, and the catch-all `/{order_id}/{step}`
comes last.
"""

from __future__ import annotations

# isort: off
from highland.orders.api.common import router
from highland.orders.api import checkout, statements, groupbuys, orders, aftersales

# isort: on

__all__ = ["aftersales", "checkout", "groupbuys", "orders", "router", "statements"]
