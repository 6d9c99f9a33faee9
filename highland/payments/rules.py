"""Who may count a point's cash (loaded by rules' autodiscovery)."""

from __future__ import annotations

from typing import Any

import rules

from highland.core.permissions import add_rule, is_centre_operator


@rules.predicate
def serves_at_point(user: Any, point: Any) -> bool:
    return bool(point is not None and point.agents.filter(pk=user.pk).exists())


add_rule("payments.reconcile_cash", serves_at_point | is_centre_operator)
# Taking cash for a payment and handing a cash refund back happen at the point.
add_rule("payments.collect_cash", serves_at_point | is_centre_operator)
add_rule("payments.hand_back_cash", serves_at_point | is_centre_operator)
add_rule("payments.confirm_transfer", is_centre_operator)
add_rule("payments.view_refunds", is_centre_operator)
add_rule("payments.import_gateway_settlements", is_centre_operator)
