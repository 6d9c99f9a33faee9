"""Cooperative pages: settlement runs (the accountant's list, draft form, detail with its
buttons), member statements (58 mm or A4), the agent's cash payouts to hand over, and the
annual surplus. Thin: the services decide and refuse."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from highland.coops.access import access_cooperative
from highland.coops.models import (
    LotStatus,
    MemberPayout,
    PayoutStatus,
    ProduceLot,
    SettlementLot,
    SettlementRun,
    SettlementStatus,
    SurplusDistribution,
)
from highland.coops.services import payouts, settlement, surplus
from highland.coops.settlement_access import (
    access_distribution,
    access_run,
    access_share,
    staff_cooperatives,
)
from highland.core.errors import NotFound, ValidationFailed
from highland.core.http import domain_errors_as_pages, posted_text, run_action_and_redirect
from highland.core.models import Organisation, User
from highland.core.money import parse_yuan
from highland.core.permissions import allowed, require

PAPERS = ("58mm", "a4")


def _person(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _cooperative(request: HttpRequest, user: User) -> Organisation:
    """The cooperative named by `?cooperative=` (the cooperative's home page links with
    it; the centre and the county's officials reach any of theirs this way), or the
    first one `user` keeps the accounts of."""
    named = str(request.GET.get("cooperative", ""))
    if named.isdigit():
        return access_cooperative(user, int(named))
    cooperatives = staff_cooperatives(user)
    if not cooperatives:
        raise NotFound(_("You keep the accounts of no cooperative."))
    require(user, "coops.view_cooperative", cooperatives[0])
    return cooperatives[0]


def settleable_lots(cooperative: Organisation) -> list[ProduceLot]:
    """Lots the draft form offers: closed, stocked or processed, not settled in full and
    not in a run waiting to be paid."""
    taken = SettlementLot.objects.filter(run__status__in=settlement.UNPAID_STATUSES).values(
        "lot_id"
    )
    settled = SettlementLot.objects.filter(
        run__status=SettlementStatus.PAID, run__partial=False
    ).values("lot_id")
    return list(
        ProduceLot.objects.filter(
            cooperative=cooperative,
            status__in=[LotStatus.CLOSED, LotStatus.STOCKED, LotStatus.PROCESSED],
        )
        .exclude(pk__in=taken)
        .exclude(pk__in=settled)
        .select_related("produce")
        .order_by("-collected_on", "code")
    )


@login_required
@domain_errors_as_pages
def run_list(request: HttpRequest) -> HttpResponse:
    user = _person(request)
    cooperative = _cooperative(request, user)
    runs = SettlementRun.objects.filter(cooperative=cooperative).order_by("-created_at")[:100]
    return render(
        request,
        "coops/settlement/run_list.html",
        {
            "cooperative": cooperative,
            "runs": runs,
            "may_draft": allowed(user, "coops.draft_settlement", cooperative),
        },
    )


@login_required
@domain_errors_as_pages
def run_draft(request: HttpRequest) -> HttpResponse:
    """Choose the lots (and whether the run is partial) and draft."""
    user = _person(request)
    cooperative = _cooperative(request, user)
    require(user, "coops.draft_settlement", cooperative)
    lots = settleable_lots(cooperative)
    chosen: list[int] = []
    partial = False
    error = ""
    if request.method == "POST":
        chosen = [int(value) for value in request.POST.getlist("lots") if value.isdigit()]
        partial = request.POST.get("partial") == "on"
        try:
            run = settlement.draft_settlement(cooperative, lots=chosen, partial=partial, actor=user)
        except ValidationFailed as refusal:
            error = refusal.message
        else:
            return redirect("coops:settlement-detail", run.pk)
    return render(
        request,
        "coops/settlement/run_draft.html",
        {
            "cooperative": cooperative,
            "lots": lots,
            "chosen": chosen,
            "partial": partial,
            "error": error,
        },
        status=422 if error else 200,
    )


@login_required
@domain_errors_as_pages
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    user = _person(request)
    run = access_run(user, run_id)
    shares = list(run.shares.select_related("member__point", "payout").order_by("member__number"))
    return render(
        request,
        "coops/settlement/run_detail.html",
        {
            "run": run,
            "lots": run.lots.select_related("lot__produce").order_by("lot__code"),
            "shares": shares,
            "costs_fen": run.logistics_cost_fen + run.processing_cost_fen,
            "refunded_after_fen": settlement.refunded_after_payment(run),
            "may_draft": allowed(user, "coops.draft_settlement", run),
            "may_approve": allowed(user, "coops.approve_settlement", run)
            and run.drafted_by_id != user.pk,
            "may_pay": allowed(user, "coops.pay_members", run),
        },
    )


def _action(name: str) -> Callable[[Any, User], Any]:
    def act(run: SettlementRun, user: User) -> Any:
        if name == "review":
            return settlement.review_settlement(run, actor=user)
        if name == "approve":
            return settlement.approve_settlement(run, actor=user)
        if name == "discard":
            return settlement.discard_settlement(run, actor=user)
        return payouts.pay_settlement(run, actor=user)

    return act


SUCCESS = {
    "review": lambda: _("The run is reviewed: a second person approves it."),
    "approve": lambda: _("The run is approved and may be paid."),
    "discard": lambda: _("The run is discarded; its lots may be drafted again."),
    "pay": lambda: _("The members are paid; statements are on their way."),
}


@require_POST
@login_required
@domain_errors_as_pages
def run_action(request: HttpRequest, run_id: int, action: str) -> HttpResponse:
    user = _person(request)
    if action not in SUCCESS:
        raise NotFound(_("No such action."))
    run = access_run(user, run_id)
    return run_action_and_redirect(
        request,
        lambda: _action(action)(run, user),
        "coops:settlement-detail",
        run.pk,
        success=SUCCESS[action](),
    )


@login_required
@domain_errors_as_pages
def member_statement(request: HttpRequest, share_id: int) -> HttpResponse:
    """One member's statement of one run, for a 58 mm printer or A4."""
    user = _person(request)
    share = access_share(user, share_id)
    paper = request.GET.get("format", "58mm")
    if paper not in PAPERS:
        paper = "58mm"
    run = share.run
    intakes = list(
        share.member.intakes.filter(lot__settlements__run=run)
        .select_related("grade", "lot")
        .order_by("recorded_at", "pk")
    )
    for intake in intakes:
        intake.weighted = intake.net_g * intake.factor_bp // 10_000  # type: ignore[attr-defined]
    payout = MemberPayout.objects.filter(share=share).first()
    return render(
        request,
        "coops/settlement/statement.html",
        {
            "share": share,
            "run": run,
            "member": share.member,
            "intakes": intakes,
            "payout": payout,
            "deducted_fen": share.share_fen - share.payable_fen,
            # The pickup code is the member's: the household and the cooperative's staff
            # print it; the agent who hands the cash over must be told it, not read it.
            "show_code": payout is not None
            and payout.status == PayoutStatus.WAITING
            and not share.member.point.agents.filter(pk=user.pk).exists(),
            "paper": paper,
            "paper_css": f"orders/receipt-{paper}.css",
        },
    )


@login_required
@domain_errors_as_pages
def cash_payouts(request: HttpRequest) -> HttpResponse:
    """The agent's cash payouts waiting at their points, each with a pickup-code form."""
    user = _person(request)
    waiting = list(
        MemberPayout.objects.filter(
            status=PayoutStatus.WAITING, point__agents=user, point__county=user.county
        )
        .select_related("member", "point", "share__run", "surplus_share__distribution")
        .order_by("point__code", "member__number", "pk")
    )
    return render(request, "coops/settlement/cash_payouts.html", {"payouts": waiting})


@require_POST
@login_required
@domain_errors_as_pages
def hand_over(request: HttpRequest, payout_id: int) -> HttpResponse:
    user = _person(request)
    payout = MemberPayout.objects.filter(pk=payout_id, county=user.county).first()
    if payout is None or not allowed(user, "coops.hand_over_cash", payout):
        raise NotFound(_("No such payout."))
    return run_action_and_redirect(
        request,
        lambda: payouts.hand_over_member_cash(
            payout, pickup_code=posted_text(request, "pickup_code"), actor=user
        ),
        "coops:cash-payouts",
        success=_("The cash is handed over and recorded."),
    )


@login_required
@domain_errors_as_pages
def surplus_list(request: HttpRequest) -> HttpResponse:
    user = _person(request)
    cooperative = _cooperative(request, user)
    error = ""
    year = timezone.localdate().year - 1
    amount = ""
    if request.method == "POST":
        amount = posted_text(request, "distributable")
        try:
            year = int(posted_text(request, "year") or 0)
            distribution = surplus.draft_surplus_distribution(
                cooperative,
                year=year,
                distributable_fen=parse_yuan(amount),
                actor=user,
            )
        except (ValidationFailed, ValueError) as refusal:
            error = getattr(refusal, "message", "") or _("Enter the surplus in yuan, like 1234.56.")
        else:
            return redirect("coops:surplus-detail", distribution.pk)
    return render(
        request,
        "coops/settlement/surplus_list.html",
        {
            "cooperative": cooperative,
            "distributions": SurplusDistribution.objects.filter(cooperative=cooperative),
            "may_draft": allowed(user, "coops.manage_cooperative", cooperative),
            "year": year,
            "amount": amount,
            "error": error,
        },
        status=422 if error else 200,
    )


@login_required
@domain_errors_as_pages
def surplus_detail(request: HttpRequest, distribution_id: int) -> HttpResponse:
    """The annual report: each member's two parts."""
    user = _person(request)
    distribution = access_distribution(user, distribution_id)
    return render(
        request,
        "coops/settlement/surplus_detail.html",
        {
            "distribution": distribution,
            "shares": distribution.shares.select_related("member").order_by("member__number"),
            "notes": surplus.how_shared(distribution),
            "may_post": allowed(user, "coops.pay_members", distribution),
        },
    )


@require_POST
@login_required
@domain_errors_as_pages
def surplus_post(request: HttpRequest, distribution_id: int) -> HttpResponse:
    user = _person(request)
    distribution = access_distribution(user, distribution_id)
    return run_action_and_redirect(
        request,
        lambda: surplus.post_surplus_distribution(distribution, actor=user),
        "coops:surplus-detail",
        distribution.pk,
        success=_("The surplus is posted; members' payouts are made."),
    )


urlpatterns: list[URLPattern] = [
    path("settlements/", run_list, name="settlement-list"),
    path("settlements/new/", run_draft, name="settlement-draft"),
    path("settlements/<int:run_id>/", run_detail, name="settlement-detail"),
    path("settlements/<int:run_id>/<slug:action>/", run_action, name="settlement-action"),
    path("statements/<int:share_id>/", member_statement, name="member-statement"),
    path("cash-payouts/", cash_payouts, name="cash-payouts"),
    path("cash-payouts/<int:payout_id>/hand-over/", hand_over, name="hand-over"),
    path("surplus/", surplus_list, name="surplus-list"),
    path("surplus/<int:distribution_id>/", surplus_detail, name="surplus-detail"),
    path("surplus/<int:distribution_id>/post/", surplus_post, name="surplus-post"),
]
