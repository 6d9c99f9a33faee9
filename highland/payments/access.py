"""Permission-checked fetches of payments and refunds."""

from __future__ import annotations

from django.utils.translation import gettext as _

from highland.core.errors import NotFound
from highland.core.models import User
from highland.core.permissions import allowed
from highland.payments.models import Payment, PaymentMethod, Refund
from highland.payments.purposes import purpose_of


def access_payment(user: User, payment_id: int) -> Payment:
    """A payment its payer, or whoever its purpose lets see it (the agent who placed its
    orders, a centre operator), may see; missing and not-yours give the same 404."""
    payment = Payment.objects.select_related("county", "collected_at").filter(pk=payment_id).first()
    if payment is None or not (
        payment.payer_id == user.pk or purpose_of(payment).may_view(user, payment)
    ):
        raise NotFound(_("No such payment."))
    return payment


def access_refund(user: User, refund_id: int) -> Refund:
    """A refund the person who pays it back may see: the point's agent for cash, a centre
    operator for any."""
    refund = (
        Refund.objects.select_related("county", "point", "payment").filter(pk=refund_id).first()
    )
    if refund is None:
        raise NotFound(_("No such refund."))
    if allowed(user, "payments.view_refunds", refund.county) or (
        refund.method == PaymentMethod.CASH_AT_POINT
        and allowed(user, "payments.hand_back_cash", refund.point)
    ):
        return refund
    raise NotFound(_("No such refund."))
