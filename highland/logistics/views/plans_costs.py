"""The cost per parcel report: per village point and month, from the days' plans in force
(cards on phones; CSV or Excel to download)."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.core.http import domain_errors_as_pages
from highland.core.models import User
from highland.core.money import format_fen
from highland.logistics.plans_access import planning_county
from highland.logistics.plans_forms import CostReportForm
from highland.logistics.services.costs import CostRow, cost_per_parcel_report

DEFAULT_MONTHS = 6


def _person(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _period(form: CostReportForm) -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    until = today + dt.timedelta(days=14)
    since = (today.replace(day=1) - dt.timedelta(days=31 * (DEFAULT_MONTHS - 1))).replace(day=1)
    if form.is_valid():
        since = form.cleaned_data.get("since") or since
        until = form.cleaned_data.get("until") or until
    return since, until


def _headings() -> list[str]:
    return [
        _("Month"),
        _("Point code"),
        _("Point"),
        _("Parcels"),
        _("By van"),
        _("By bus"),
        _("Total cost (yuan)"),
        _("Cost per parcel (yuan)"),
    ]


def _cells(row: CostRow) -> list[object]:
    return [
        f"{row.month:%Y-%m}",
        row.point_code,
        row.point_name,
        row.parcels,
        row.van_parcels,
        row.bus_parcels,
        format_fen(row.total_fen).removeprefix("¥"),
        format_fen(row.per_parcel_fen).removeprefix("¥"),
    ]


def _csv(rows: list[CostRow]) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(_headings())
    for row in rows:
        writer.writerow(_cells(row))
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="cost-per-parcel.csv"'
    return response


def _xlsx(rows: list[CostRow]) -> HttpResponse:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "cost per parcel"
    sheet.append(_headings())
    for row in rows:
        cells = _cells(row)
        cells[6] = row.total_fen / 100
        cells[7] = row.per_parcel_fen / 100
        sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="cost-per-parcel.xlsx"'
    return response


@login_required
@domain_errors_as_pages
def cost_report(request: HttpRequest) -> HttpResponse:
    county = planning_county(_person(request), "logistics.view_costs")
    form = CostReportForm(request.GET or None)
    since, until = _period(form)
    rows = cost_per_parcel_report(county, since=since, until=until)
    download = request.GET.get("format")
    if download == "csv":
        return _csv(rows)
    if download == "xlsx":
        return _xlsx(rows)
    query = f"since={since.isoformat()}&until={until.isoformat()}"
    return render(
        request,
        "logistics/plans/costs.html",
        {"form": form, "rows": rows, "since": since, "until": until, "query": query},
    )


urlpatterns: list[URLPattern] = [path("costs/", cost_report, name="cost-report")]
