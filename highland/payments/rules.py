"""Who may count a point's cash and pay online (loaded by rules' autodiscovery)."""

from __future__ import annotations

from typing import Any

import rules

from highland.core.permissions import add_rule, is_centre_operator
from highland.network.selectors import may_act_for


@rules.predicate
def serves_at_point(user: Any, point: Any) -> bool:
    return bool(point is not None and point.agents.filter(pk=user.pk).exists())


@rules.predicate
def is_payer(user: Any, payment: Any) -> bool:
    return bool(getattr(payment, "payer_id", None) == user.pk)


@rules.predicate
def acts_for_payer(user: Any, payment: Any) -> bool:
    """The agent who serves the payer as one of their villagers."""
    payer = getattr(payment, "payer", None)
    return bool(payer is not None and may_act_for(user, payer))


add_rule("payments.reconcile_cash", serves_at_point | is_centre_operator)
# Taking cash for a payment and handing a cash refund back happen at the point.
add_rule("payments.collect_cash", serves_at_point | is_centre_operator)
add_rule("payments.hand_back_cash", serves_at_point | is_centre_operator)
add_rule("payments.confirm_transfer", is_centre_operator)
add_rule("payments.view_refunds", is_centre_operator)
add_rule("payments.import_gateway_settlements", is_centre_operator)
# Seeing a payment (anyone who may see one of its orders) is not paying it: only the
# payer, or the agent of a villager payer, opens the gateway's pay page.
add_rule("payments.pay_online", is_payer | acts_for_payer)
