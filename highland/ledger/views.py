"""Ledger pages: the trial balance with the latest entries, and one account's statement."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from highland.core.access import home_county
from highland.core.http import domain_errors_as_pages
from highland.core.models import User
from highland.core.permissions import require
from highland.ledger import accounts, selectors
from highland.ledger.access import access_account
from highland.ledger.models import AccountKind

ENTRIES_PER_PAGE = 25
POSTINGS_PER_PAGE = 50


def _person(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
@domain_errors_as_pages
def overview(request: HttpRequest) -> HttpResponse:
    user = _person(request)
    county = home_county(user)
    require(user, "ledger.view_ledger", county)
    rows = selectors.trial_balance(county)
    kind_labels = dict(AccountKind.choices)
    page = Paginator(selectors.county_entries(county), ENTRIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    codes = {row.code for row in rows}
    return render(
        request,
        "ledger/overview.html",
        {
            "names": accounts.describe_all(county, codes),
            "rows": [(row, kind_labels[row.kind]) for row in rows],
            "debit_total": sum(row.debit_fen for row in rows),
            "credit_total": sum(row.credit_fen for row in rows),
            "page": page,
        },
    )


@login_required
@domain_errors_as_pages
def account_statement(request: HttpRequest, code: str) -> HttpResponse:
    account = access_account(_person(request), code)
    page = Paginator(selectors.account_statement(account), POSTINGS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "ledger/account_statement.html",
        {
            "account": account,
            "account_label": accounts.describe_all(account.county, [account.code])[account.code],
            "balance": selectors.balance(account.county, account.code),
            "page": page,
        },
    )
