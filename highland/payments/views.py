"""The end-of-day cash page of a service point, and the operator's gateway settlements."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from highland.core.access import home_county
from highland.core.errors import DomainError
from highland.core.models import User
from highland.core.permissions import require
from highland.ledger import accounts
from highland.ledger.selectors import balance
from highland.network.access import access_point
from highland.payments.cash import expected_cash, reconcile_cash
from highland.payments.forms import CashCountForm, SettlementDayForm
from highland.payments.gateway_settlement import import_gateway_settlements
from highland.payments.models import GatewaySettlement, SettlementDiscrepancy
from highland.web.http import domain_errors_as_pages


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
        },
    )


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
