"""Cooperative pages: the intake desk (pick the member, weigh, grade, pay the advance,
print the receipt) and the intake receipt; the lot and processing pages are in `lots`.

Built for a phone at a village point: plain GET and POST, big radio buttons, no script
needed (the one script only adds a print button). A hidden one-time key makes a double
tap record the intake once.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.coops.intake_access import (
    MAX_MEMBERS_LISTED,
    access_intake_cooperative,
    intake_cooperatives,
    intakes_visible_to,
    is_staff_of,
    members_for_intake,
)
from highland.coops.intake_forms import GRAMS, JIN, POINT, YARD, IntakeForm, parse_weight
from highland.coops.intake_texts import net_kg_text
from highland.coops.models import CooperativeRules, Grade, Member, Produce
from highland.coops.services.intake import intake_by_check_code, record_intake_once
from highland.coops.services.members import search_members
from highland.coops.views import lots
from highland.core.access import home_county
from highland.core.errors import DomainError, NotFound
from highland.core.http import domain_errors_as_pages
from highland.core.i18n import active_suffix
from highland.core.idempotency import IdempotentRequest
from highland.core.models import Organisation, User

PAPERS = ("58mm", "a4")


def _person(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@login_required
@domain_errors_as_pages
def intake_start(request: HttpRequest) -> HttpResponse:
    """The cooperatives the person weighs for; straight to the desk when there is one."""
    user = _person(request)
    cooperatives = list(intake_cooperatives(user, home_county(user)))
    if len(cooperatives) == 1:
        return redirect("coops:intake-desk", cooperatives[0].pk)
    return render(request, "coops/intake/start.html", {"cooperatives": cooperatives})


def _scheme(cooperative: Organisation) -> tuple[list[Produce], list[Grade]]:
    """Active produce and the grades of the rules in force today, in display order."""
    rules = (
        CooperativeRules.objects.filter(
            cooperative=cooperative, effective_from__lte=timezone.localdate()
        )
        .order_by("-effective_from")
        .first()
    )
    produce = list(Produce.objects.filter(cooperative=cooperative, active=True).order_by("code"))
    grades = (
        list(
            Grade.objects.filter(rules=rules, produce__in=produce)
            .select_related("produce")
            .order_by("produce__code", "position", "code")
        )
        if rules is not None
        else []
    )
    return produce, grades


def _chosen_member(members: Any, raw: str | None) -> Member | None:
    if not raw or not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        return None
    member: Member | None = members.filter(pk=int(raw)).first()
    return member


@login_required
@domain_errors_as_pages
def intake_desk(request: HttpRequest, cooperative_id: int) -> HttpResponse:
    """Step 1 (no member chosen): find the member. Step 2: the weighing form."""
    user = _person(request)
    county = home_county(user)
    cooperative = access_intake_cooperative(user, county, cooperative_id)
    members = members_for_intake(user, cooperative)
    raw_member = request.POST.get("member") or request.GET.get("member")
    member = _chosen_member(members, raw_member)
    if member is None:
        if raw_member and request.method == "POST":
            raise NotFound(_("No such member."))
        query = request.GET.get("q", "")[:60]
        return render(
            request,
            "coops/intake/find_member.html",
            {
                "cooperative": cooperative,
                "members": search_members(members, query, limit=MAX_MEMBERS_LISTED),
                "q": query,
                "chosen_missing": bool(raw_member),
            },
        )
    produce, grades = _scheme(cooperative)
    staff = is_staff_of(user, cooperative)
    form = IntakeForm(
        request.POST or None,
        request.FILES or None,
        grades=grades,
        produce=produce,
        at_yard_allowed=staff,
        initial={
            "idempotency_key": secrets.token_urlsafe(16),
            "unit": JIN,
            "place": POINT,
        },
    )
    if request.method == "POST" and form.is_valid():
        recorded = _record(form, member, user)
        if recorded is not None:
            return redirect(f"{recorded}?desk={cooperative.pk}")
    return render(
        request,
        "coops/intake/desk.html",
        {"cooperative": cooperative, "member": member, "form": form, "grades": grades},
    )


def _record(form: IntakeForm, member: Member, user: User) -> str | None:
    """Record the intake; the receipt's address, or None with the refusal on the form."""
    data = form.cleaned_data
    try:
        produce, grade_code = form.chosen()
        unit = data["unit"] if data["unit"] in (JIN, GRAMS) else JIN
        gross = parse_weight(data["gross"], unit, field="gross_g")
        tare = parse_weight(data.get("tare") or "", unit, field="tare_g", allow_zero=True)
        point = None if data.get("place") == YARD else member.point
        recorded = record_intake_once(
            member,
            produce=produce,
            grade_code=grade_code,
            gross_g=gross,
            tare_g=tare,
            attributes=form.attributes_for(produce),
            point=point,
            advance_fen=data.get("advance") or 0,
            photo=data.get("photo"),
            actor=user,
            idempotent_request=IdempotentRequest.of(
                data["idempotency_key"],
                {"form": form.fingerprint_data(), "path": {"member": member.pk}},
            ),
        )
    except DomainError as error:
        _form_error(form, error)
        return None
    return reverse("coops:intake-receipt", args=[recorded.intake.check_code])


# The service names the fields of its own signature; the form's fields are named for people.
FORM_FIELDS = {
    "gross_g": "gross",
    "tare_g": "tare",
    "advance_fen": "advance",
    "grade_code": "grade",
    "produce": "grade",
    "point": "place",
}


def _form_error(form: IntakeForm, error: DomainError) -> None:
    field = FORM_FIELDS.get(error.field or "", error.field)
    if field and field.startswith("attributes.") and form.is_bound:
        produce, _grade = form.chosen()
        field = f"attr_{produce.code}_{field.removeprefix('attributes.')}"
    form.add_error(field if field in form.fields else None, error.message)


@login_required
@domain_errors_as_pages
def intake_receipt(request: HttpRequest, check_code: str) -> HttpResponse:
    """The printable receipt: 58 mm thermal paper by default, `?format=a4` for A4."""
    user = _person(request)
    county = home_county(user)
    intake = intake_by_check_code(county.pk, check_code)
    if intake is None or not intakes_visible_to(user, county).filter(pk=intake.pk).exists():
        raise NotFound(_("No such intake."))
    paper = request.GET.get("format", "58mm")
    if paper not in PAPERS:
        paper = "58mm"
    desk = request.GET.get("desk", "")
    measurements = [
        (
            spec.get(f"label_{active_suffix()}") or spec.get("label_zh") or spec["key"],
            value,
            spec.get("unit", ""),
        )
        for spec in intake.produce.attributes or []
        if (value := intake.attributes.get(spec["key"])) is not None
    ]
    return render(
        request,
        "coops/intake/receipt.html",
        {
            "intake": intake,
            "paper": paper,
            "paper_css": f"orders/receipt-{paper}.css",
            "recorded_at": timezone.localtime(intake.recorded_at),
            "net_kg": net_kg_text(intake.net_g),
            "measurements": measurements,
            "desk": int(desk) if desk.isascii() and desk.isdigit() and len(desk) < 18 else None,
        },
    )


urlpatterns = [
    path("intake/", intake_start, name="intake-start"),
    path("<int:cooperative_id>/intake/", intake_desk, name="intake-desk"),
    path("intakes/<str:check_code>/receipt/", intake_receipt, name="intake-receipt"),
    *lots.urlpatterns,
]
