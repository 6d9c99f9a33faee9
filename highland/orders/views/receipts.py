"""The printable receipt of an order: 58 mm thermal paper or A4."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from highland.core.http import domain_errors_as_pages
from highland.core.permissions import allowed
from highland.orders.access import access_order
from highland.orders.quantities import quantity_text
from highland.orders.views.shared import _person

PAPERS = ("58mm", "a4")


@login_required
@domain_errors_as_pages
def order_receipt(request: HttpRequest, order_id: int) -> HttpResponse:
    """Villager, agent, point, time, lines, total, the pickup code for those who may see
    it, and until when unpaid cash is held; `?format=a4` for a sheet of A4."""
    user = _person(request)
    order = access_order(user, order_id)
    paper = request.GET.get("format", "58mm")
    if paper not in PAPERS:
        paper = "58mm"
    lines = list(order.lines.all())
    for line in lines:
        line.quantity_text = quantity_text(line.quantity, line.selling_unit)  # type: ignore[attr-defined]
    return render(
        request,
        "orders/receipt.html",
        {
            "order": order,
            "lines": lines,
            "paper": paper,
            "paper_css": f"orders/receipt-{paper}.css",
            "placed_at": timezone.localtime(order.created_at),
            "show_pickup_code": allowed(user, "orders.view_pickup_code", order),
        },
    )
