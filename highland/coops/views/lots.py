"""Cooperative pages for the manager: produce lots (close, reopen, move an intake, receive
into stock) and processing runs (record one, see inputs → outputs and the yield)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from highland.catalog.models import Sku
from highland.coops.intake_access import access_lots_cooperative
from highland.coops.intake_forms import MoveIntakeForm, ProcessingRunForm, ReceiveLotForm
from highland.coops.models import Intake, LotStatus, ProcessingRun, ProduceLot
from highland.coops.services import lots as lot_services
from highland.coops.services.intake import intake_by_check_code
from highland.core.access import home_county
from highland.core.errors import DomainError, NotFound
from highland.core.http import domain_errors_as_pages, run_action_and_redirect
from highland.core.models import Membership, Organisation, OrganisationType, User
from highland.core.permissions import allowed


def _person(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _coop_skus(cooperative: Organisation) -> QuerySet[Sku]:
    return (
        Sku.objects.filter(
            county_id=cooperative.county_id, product__seller__organisation=cooperative
        )
        .select_related("product")
        .order_by("code")
    )


def _lot(cooperative: Organisation, lot_id: int) -> ProduceLot:
    lot = lot_services.lots_with_totals(cooperative).filter(pk=lot_id).first()
    if lot is None:
        raise NotFound(_("No such lot."))
    return lot


@login_required
@domain_errors_as_pages
def lots_start(request: HttpRequest) -> HttpResponse:
    user = _person(request)
    county = home_county(user)
    ids = Membership.objects.filter(user=user, active=True).values("organisation_id")
    cooperatives = [
        cooperative
        for cooperative in Organisation.objects.filter(
            county=county, type=OrganisationType.COOPERATIVE, pk__in=ids
        ).order_by("pk")
        if allowed(user, "coops.manage_lots", cooperative)
    ]
    if len(cooperatives) == 1:
        return redirect("coops:lot-list", cooperatives[0].pk)
    return render(request, "coops/intake/lots_start.html", {"cooperatives": cooperatives})


@login_required
@domain_errors_as_pages
def lot_list(request: HttpRequest, cooperative_id: int) -> HttpResponse:
    """Lots by status (`?status=`), newest collection day first."""
    user = _person(request)
    cooperative = access_lots_cooperative(user, home_county(user), cooperative_id)
    status = request.GET.get("status", "")
    lots = lot_services.lots_with_totals(cooperative)
    if status in LotStatus.values:
        lots = lots.filter(status=status)
    return render(
        request,
        "coops/intake/lot_list.html",
        {
            "cooperative": cooperative,
            "lots": lots.order_by("-collected_on", "code")[:200],
            "status": status,
            "statuses": LotStatus.choices,
        },
    )


@login_required
@domain_errors_as_pages
def lot_detail(request: HttpRequest, cooperative_id: int, lot_id: int) -> HttpResponse:
    user = _person(request)
    cooperative = access_lots_cooperative(user, home_county(user), cooperative_id)
    lot = _lot(cooperative, lot_id)
    intakes = (
        Intake.objects.filter(lot=lot).select_related("member", "grade", "point").order_by("pk")
    )
    return render(
        request,
        "coops/intake/lot_detail.html",
        {
            "cooperative": cooperative,
            "lot": lot,
            "intakes": intakes,
            "receive_form": ReceiveLotForm(skus=_coop_skus(cooperative)),
            "move_form": MoveIntakeForm(),
            "left_g": lot.net_g - lot.used_g,  # type: ignore[attr-defined]
        },
    )


@require_POST
@login_required
@domain_errors_as_pages
def lot_action(request: HttpRequest, cooperative_id: int, lot_id: int, action: str) -> HttpResponse:
    """close, reopen: one-button actions."""
    user = _person(request)
    cooperative = access_lots_cooperative(user, home_county(user), cooperative_id)
    lot = _lot(cooperative, lot_id)
    actions = {
        "close": (lambda: lot_services.close_lot(lot, actor=user), _("The lot is closed.")),
        "reopen": (lambda: lot_services.reopen_lot(lot, actor=user), _("The lot is open again.")),
    }
    if action not in actions:
        raise NotFound(_("No such action."))
    run, done = actions[action]
    return run_action_and_redirect(
        request, run, "coops:lot-detail", cooperative.pk, lot.pk, success=str(done)
    )


@require_POST
@login_required
@domain_errors_as_pages
def lot_receive(request: HttpRequest, cooperative_id: int, lot_id: int) -> HttpResponse:
    user = _person(request)
    cooperative = access_lots_cooperative(user, home_county(user), cooperative_id)
    lot = _lot(cooperative, lot_id)
    form = ReceiveLotForm(request.POST, skus=_coop_skus(cooperative))
    if not form.is_valid():
        messages.error(request, _("Choose a product variant and a quantity."))
        return redirect("coops:lot-detail", cooperative.pk, lot.pk)
    data = form.cleaned_data

    def receive() -> ProduceLot:
        return lot_services.receive_lot_into_stock(
            lot,
            sku=data["sku"],
            quantity=data["quantity"],
            best_before=data.get("best_before"),
            logistics_cost_fen=data.get("logistics_cost") or 0,
            actor=user,
        )

    return run_action_and_redirect(
        request,
        receive,
        "coops:lot-detail",
        cooperative.pk,
        lot.pk,
        success=_("The lot is received into stock."),
    )


@require_POST
@login_required
@domain_errors_as_pages
def lot_move_intake(request: HttpRequest, cooperative_id: int, lot_id: int) -> HttpResponse:
    """Move the intake with the check code typed into this (open) lot."""
    user = _person(request)
    cooperative = access_lots_cooperative(user, home_county(user), cooperative_id)
    lot = _lot(cooperative, lot_id)
    form = MoveIntakeForm(request.POST)
    intake = (
        intake_by_check_code(cooperative.county_id, form.cleaned_data["check_code"])
        if form.is_valid()
        else None
    )
    if intake is None or intake.cooperative_id != cooperative.pk:
        messages.error(request, _("No intake of this cooperative has that check code."))
        return redirect("coops:lot-detail", cooperative.pk, lot.pk)
    return run_action_and_redirect(
        request,
        lambda: lot_services.move_intake_to_lot(intake, lot, actor=user),
        "coops:lot-detail",
        cooperative.pk,
        lot.pk,
        success=_("The intake is moved into this lot."),
    )


def _run_rows(run: ProcessingRun) -> dict[str, Any]:
    inputs = list(run.inputs.select_related("lot"))
    outputs = list(run.outputs.select_related("stock_lot__sku__product"))
    ratio = lot_services.run_yield(run)
    return {
        "run": run,
        "inputs": inputs,
        "outputs": outputs,
        "input_g": sum(item.grams for item in inputs),
        "yield_pct": f"{float(ratio) * 100:.1f}" if ratio is not None else "",
    }


@login_required
@domain_errors_as_pages
def run_list(request: HttpRequest, cooperative_id: int) -> HttpResponse:
    """The runs, each with its inputs → outputs and yield, and the form to record one."""
    user = _person(request)
    cooperative = access_lots_cooperative(user, home_county(user), cooperative_id)
    closed = lot_services.lots_with_totals(cooperative).filter(status=LotStatus.CLOSED)
    form = ProcessingRunForm(
        request.POST or None,
        lots=closed,
        skus=_coop_skus(cooperative),
        initial={"ran_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        inputs, outputs = form.rows()
        try:
            run = lot_services.record_processing_run(
                cooperative,
                inputs=inputs,
                outputs=outputs,
                processing_cost_fen=form.cleaned_data.get("processing_cost") or 0,
                ran_on=form.cleaned_data["ran_on"],
                note=form.cleaned_data.get("note") or "",
                actor=user,
            )
        except DomainError as error:
            if error.status_code in (403, 404):
                raise
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Run %(code)s is recorded.") % {"code": run.code})
            return redirect("coops:run-list", cooperative.pk)
    runs = ProcessingRun.objects.filter(
        county_id=cooperative.county_id, cooperative=cooperative
    ).order_by("-ran_on", "-pk")[:50]
    return render(
        request,
        "coops/intake/run_list.html",
        {
            "cooperative": cooperative,
            "runs": [_run_rows(run) for run in runs],
            "form": form,
            "closed_lots": closed,
        },
    )


urlpatterns = [
    path("lots/", lots_start, name="lots-start"),
    path("<int:cooperative_id>/lots/", lot_list, name="lot-list"),
    path("<int:cooperative_id>/lots/<int:lot_id>/", lot_detail, name="lot-detail"),
    path("<int:cooperative_id>/lots/<int:lot_id>/receive/", lot_receive, name="lot-receive"),
    path(
        "<int:cooperative_id>/lots/<int:lot_id>/move-intake/",
        lot_move_intake,
        name="lot-move-intake",
    ),
    path("<int:cooperative_id>/lots/<int:lot_id>/<slug:action>/", lot_action, name="lot-action"),
    path("<int:cooperative_id>/runs/", run_list, name="run-list"),
]
