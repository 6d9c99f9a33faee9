"""A refund paid back is texted to the payer, once, in their language."""

from __future__ import annotations

import pytest

from highland.messaging.models import TextMessage
from highland.orders import services
from highland.payments.models import Refund
from highland.payments.refunds import REFUND_NOTICE, confirm_refund_paid


@pytest.fixture
def refund_with_phone(demo, cash_sale):
    payer = demo.user("member")
    payer.phone = "13912345678"
    payer.preferred_language = "en"
    payer.save(update_fields=["phone", "preferred_language"])
    services.cancel_order(cash_sale.orders.get(), actor=demo.user("village_agent"), reason="x")
    return Refund.objects.get(payment=cash_sale)


def test_handing_back_cash_texts_the_payer(demo, refund_with_phone):
    refund = refund_with_phone
    assert not TextMessage.objects.filter(kind=REFUND_NOTICE).exists()

    confirm_refund_paid(refund, actor=demo.user("village_agent"))

    message = TextMessage.objects.get(kind=REFUND_NOTICE)
    amount = f"¥{refund.amount_fen // 100:,}.{refund.amount_fen % 100:02d}"
    assert message.body == (
        f"Highland: {amount} has been refunded to you (Cash at a service point, refund "
        f"{refund.out_refund_no})."
    )
    assert (message.phone, message.sender) == ("13912345678", demo.user("village_agent"))


def test_a_refused_confirmation_texts_nobody(demo, refund_with_phone):
    from highland.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        confirm_refund_paid(refund_with_phone, actor=demo.user("buyer"))

    assert not TextMessage.objects.filter(kind=REFUND_NOTICE).exists()
