"""The cash page of a service point (refunds to hand back, the end-of-day count) and the
operator's gateway settlements."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from highland.core.access import home_county
from highland.core.errors import DomainError
from highland.core.http import domain_errors_as_pages
from highland.core.models import User
from highland.core.money import format_fen
from highland.core.permissions import allowed, require
from highland.ledger import accounts
from highland.ledger.selectors import balance
from highland.network.access import access_point
from highland.payments.access import access_refund
from highland.payments.cash import expected_cash, reconcile_cash
from highland.payments.forms import CashCountForm, SettlementDayForm
from highland.payments.gateway_settlement import import_gateway_settlements
from highland.payments.models import GatewaySettlement, SettlementDiscrepancy
from highland.payments.refunds import confirm_refund_paid
from highland.payments.selectors import refunds_to_hand_back


@login_required
@domain_errors_as_pages
def cash_page(request: HttpRequest, point_id: int) -> HttpResponse:
    assert isinstance(request.user, User)
    user = request.user
    point = access_point(user, point_id)
    require(user, "payments.reconcile_cash", point)
    form = CashCountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reconcile_cash(
                point,
                actor=user,
                counted_fen=form.cleaned_data["counted"],
                handed_over_fen=form.cleaned_data["handed_over"],
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            for field, field_messages in error.errors.items():
                target = {"counted_fen": "counted", "handed_over_fen": "handed_over"}.get(
                    field, field
                )
                form.add_error(target if target in form.fields else None, field_messages)
            if not error.errors:
                form.add_error(None, error.message)
        else:
            messages.success(request, _("The day's cash is recorded."))
            return redirect("payments:cash", point.pk)
    return render(
        request,
        "payments/cash.html",
        {
            "point": point,
            "form": form,
            "expected_fen": expected_cash(point),
            "history": point.cash_reconciliations.select_related("counted_by")[:30],
            "refunds_to_hand_back": list(refunds_to_hand_back(point))
            if allowed(user, "payments.hand_back_cash", point)
            else [],
        },
    )


@require_POST
@login_required
@domain_errors_as_pages
def refund_handed_back(request: HttpRequest, refund_id: int) -> HttpResponse:
    """The agent handed a cash refund back over the counter."""
    assert isinstance(request.user, User)
    refund = access_refund(request.user, refund_id)
    try:
        confirm_refund_paid(refund, actor=request.user)
    except DomainError as error:
        if error.status_code in (403, 404):
            raise
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Recorded: %(amount)s handed back to %(payer)s.")
            % {"amount": format_fen(refund.amount_fen), "payer": refund.payment.payer},
        )
    if refund.point_id is None:
        return redirect("/")
    return redirect("payments:cash", refund.point_id)


@transaction.non_atomic_requests
@login_required
@domain_errors_as_pages
def gateway_settlements_page(request: HttpRequest) -> HttpResponse:
    """What the gateway paid into the bank, where its reports and the ledger disagree, and
    a button to import a day's report now (the scheduled job does it every few hours)."""
    assert isinstance(request.user, User)
    user = request.user
    county = home_county(user)
    require(user, "payments.import_gateway_settlements", county)
    form = SettlementDayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            # Outside any transaction: the service fetches the report, then posts.
            result = import_gateway_settlements(
                form.cleaned_data["settle_date"], actor=user, county=county
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _(
                    "%(settlements)d settlement(s) imported; %(discrepancies)d new "
                    "discrepancy(ies) found."
                )
                % {
                    "settlements": len(result.settlements),
                    "discrepancies": len(result.discrepancies),
                },
            )
            return redirect("payments:gateway-settlements")
    return render(
        request,
        "payments/gateway_settlements.html",
        {
            "form": form,
            "settlements": GatewaySettlement.objects.filter(county=county)[:60],
            "discrepancies": SettlementDiscrepancy.objects.filter(county=county)[:100],
            "bank_fen": balance(county, accounts.BANK),
            "gateway_fen": balance(county, accounts.GATEWAY),
        },
    )
