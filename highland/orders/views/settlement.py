"""Settlement runs and seller statements."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from highland.core.access import home_county
from highland.core.errors import ValidationFailed
from highland.core.http import (
    domain_errors_as_pages,
    posted_text,
    run_action_and_redirect,
)
from highland.core.permissions import require
from highland.core.schemas import EARLIEST_DATE, LATEST_DATE
from highland.orders import settlement
from highland.orders.access import access_payout
from highland.orders.models import (
    Payout,
)
from highland.orders.views.shared import _person

# --- settlement ----------------------------------------------------------------------------------


@login_required
@domain_errors_as_pages
def settlement_page(request: HttpRequest) -> HttpResponse:
    """The operator's view of payouts, with a button for a settlement run now."""
    user = _person(request)
    county = home_county(user)
    require(user, "orders.run_settlement", county)
    if request.method == "POST":
        run = settlement.settle_sellers(county, actor=user)
        messages.success(request, _("%(count)d payout(s) made.") % {"count": len(run.payouts)})
        for held in run.held:
            messages.warning(request, held.message)
        return redirect("orders:settlements")
    return render(
        request,
        "orders/settlements.html",
        {
            "payouts": Payout.objects.filter(county=county).select_related("seller")[:100],
            "due": settlement.due_orders(county, as_of=timezone.now()).count(),
            "bank_fen": settlement.bank_balance(county),
        },
    )


@require_POST
@login_required
@domain_errors_as_pages
def payout_returned(request: HttpRequest, payout_id: int) -> HttpResponse:
    """The operator records that the bank sent a payout back."""
    user = _person(request)
    payout = access_payout(user, payout_id)
    return run_action_and_redirect(
        request,
        lambda: settlement.return_payout(payout, actor=user, reason=posted_text(request, "reason")),
        "orders:settlements",
        success=_("The payout is marked returned; its orders are due again."),
    )


@login_required
@domain_errors_as_pages
def statement_page(request: HttpRequest, seller_id: int) -> HttpResponse:
    """A seller's statement for a period (default: this month), printable."""
    try:
        start = _date_parameter(request, "start")
        end = _date_parameter(request, "end")
    except ValueError:
        raise ValidationFailed(_("Dates are written YYYY-MM-DD.")) from None
    statement = settlement.statement_for(_person(request), seller_id, start=start, end=end)
    # The commission rates of each order, shown as percentages.
    prefetch_related_objects(statement["orders"], "lines")  # type: ignore[arg-type]
    return render(request, "orders/statement.html", statement)


def _date_parameter(request: HttpRequest, name: str) -> dt.date | None:
    value = request.GET.get(name, "")
    if not value:
        return None
    day = dt.date.fromisoformat(value)
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        # Year 1 or 9999 overflows once a time zone or a day is added to it.
        raise ValidationFailed(
            _("Choose dates from %(first)s to %(last)s.")
            % {"first": EARLIEST_DATE.isoformat(), "last": LATEST_DATE.isoformat()},
            field=name,
        )
    return day
