"""Cooperative pages: the list and home of cooperatives, the member register (list, detail,
add, edit, leaving, capital, Excel) and the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.coops import overview
from highland.coops.access import access_cooperative, access_member
from highland.coops.forms import (
    AttributeFormSet,
    ContributionForm,
    GradeFormSet,
    ImportForm,
    LeavingForm,
    MemberEditForm,
    MemberForm,
    ProduceForm,
    RulesForm,
)
from highland.coops.models import CapitalContribution, CooperativeRules, Member, Produce
from highland.coops.services import excel
from highland.coops.services import members as member_services
from highland.coops.services import rules as rule_services
from highland.core.access import home_county
from highland.core.errors import DomainError, ValidationFailed
from highland.core.http import domain_errors_as_pages
from highland.core.models import Organisation, User
from highland.core.permissions import allowed, require

MEMBERS_PER_PAGE = 50


def _person(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _apply_error(
    form: forms.Form, error: DomainError, renames: dict[str, str] | None = None
) -> None:
    """Show a service's refusal on the form: on its field when the form has it."""
    placed = False
    for field_name, field_messages in error.errors.items():
        name = (renames or {}).get(field_name, field_name)
        if name in form.fields:
            for message in field_messages:
                form.add_error(name, message)
            placed = True
        else:
            for message in field_messages:
                form.add_error(None, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


def _links(cooperative: Organisation) -> dict[str, str]:
    named = f"?cooperative={cooperative.pk}"
    return {
        "intake": reverse("coops:intake-desk", args=[cooperative.pk]),
        "lots": reverse("coops:lot-list", args=[cooperative.pk]),
        "settlements": reverse("coops:settlement-list") + named,
        "surplus": reverse("coops:surplus-list") + named,
    }


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=excel.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- cooperatives -------------------------------------------------------------------------------


@login_required
@domain_errors_as_pages
def cooperative_list(request: HttpRequest) -> HttpResponse:
    user = _person(request)
    county = home_county(user)
    cooperatives = [
        (cooperative, overview.cooperative_counts(cooperative))
        for cooperative in overview.cooperatives_for(user, county)
    ]
    return render(request, "coops/cooperative_list.html", {"cooperatives": cooperatives})


@login_required
@domain_errors_as_pages
def cooperative_home(request: HttpRequest, cooperative_id: int) -> HttpResponse:
    user = _person(request)
    cooperative = access_cooperative(user, cooperative_id)
    today = timezone.localdate()
    in_force = (
        CooperativeRules.objects.filter(cooperative=cooperative, effective_from__lte=today)
        .order_by("-effective_from")
        .first()
    )
    context = {
        "cooperative": cooperative,
        "counts": overview.cooperative_counts(cooperative),
        "rules": in_force,
        "links": _links(cooperative),
        "can_manage_members": allowed(user, "coops.manage_members", cooperative),
    }
    return render(request, "coops/cooperative_home.html", context)


# --- members ------------------------------------------------------------------------------------


@login_required
@domain_errors_as_pages
def member_list(request: HttpRequest, cooperative_id: int) -> HttpResponse:
    user = _person(request)
    cooperative = access_cooperative(user, cooperative_id)
    query = request.GET.get("q", "")[:40]
    # A page of households keeps the list light on a phone; search narrows it.
    page = Paginator(
        member_services.search_members(Member.objects.filter(cooperative=cooperative), query),
        MEMBERS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    context = {
        "cooperative": cooperative,
        "members": page.object_list,
        "page": page,
        "q": query,
        "can_manage": allowed(user, "coops.manage_members", cooperative),
    }
    return render(request, "coops/member_list.html", context)


@login_required
@domain_errors_as_pages
def member_detail(request: HttpRequest, cooperative_id: int, member_id: int) -> HttpResponse:
    user = _person(request)
    cooperative = access_cooperative(user, cooperative_id)
    member = access_member(user, cooperative, member_id)
    contributions = CapitalContribution.objects.filter(member=member).select_related("recorded_by")
    context = {
        "cooperative": cooperative,
        "member": member,
        "capital": member_services.member_capital(member),
        "contributions": contributions,
        "can_manage": allowed(user, "coops.manage_members", member),
    }
    return render(request, "coops/member_detail.html", context)


@login_required
@domain_errors_as_pages
def member_create(request: HttpRequest, cooperative_id: int) -> HttpResponse:
    user = _person(request)
    cooperative = access_cooperative(user, cooperative_id)
    require(user, "coops.manage_members", cooperative)
    form = MemberForm(
        request.POST or None,
        cooperative=cooperative,
        initial={"joined_on": timezone.localdate(), "language": "zh-hans", "payout_method": "cash"},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member = member_services.register_member(
                cooperative,
                household=data["household"],
                head_name=data["head_name"],
                national_id=data["national_id"],
                phone=data["phone"],
                point=data["point"],
                payout_method=data["payout_method"],
                payout_bank=data["payout_bank"],
                payout_account=data["payout_account"],
                language=data["language"],
                joined_on=data["joined_on"],
                number=data["number"],
                actor=user,
            )
        except ValidationFailed as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("Member %(member)s registered.") % {"member": str(member)})
            return redirect("coops:member-detail", cooperative.pk, member.pk)
    context = {"cooperative": cooperative, "form": form, "title": _("Add a member household")}
    return render(request, "coops/member_form.html", context)


@login_required
@domain_errors_as_pages
def member_edit(request: HttpRequest, cooperative_id: int, member_id: int) -> HttpResponse:
    user = _person(request)
    cooperative = access_cooperative(user, cooperative_id)
    member = access_member(user, cooperative, member_id)
    require(user, "coops.manage_members", member)
    form = MemberEditForm(
        request.POST or None,
        cooperative=cooperative,
        initial={
            "household": member.household,
            "phone": member.phone,
            "point": member.point,
            "payout_method": member.payout_method,
            "payout_bank": member.payout_bank,
            "payout_account": member.payout_account,
            "language": member.language,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes: dict[str, Any] = {
            key: data[key]
            for key in (
                "household",
                "phone",
                "point",
                "payout_method",
                "payout_bank",
                "payout_account",
                "language",
            )
        }
        if data["national_id"]:
            changes["national_id"] = data["national_id"]
        try:
            member_services.update_member(member, actor=user, **changes)
        except ValidationFailed as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("Member details saved."))
            return redirect("coops:member-detail", cooperative.pk, member.pk)
    context = {
        "cooperative": cooperative,
        "member": member,
        "form": form,
        "title": _("Edit member %(member)s") % {"member": str(member)},
    }
    return render(request, "coops/member_form.html", context)


@login_required
@domain_errors_as_pages
def member_leave(request: HttpRequest, cooperative_id: int, member_id: int) -> HttpResponse:
    user = _person(request)
    cooperative = access_cooperative(user, cooperative_id)
    member = access_member(user, cooperative, member_id)
    require(user, "coops.manage_members", member)
    form = LeavingForm(request.POST or None, initial={"left_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            member_services.record_member_leaving(
                member, left_on=form.cleaned_data["left_on"], actor=user
            )
        except ValidationFailed as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("The household's leaving is recorded."))
            return redirect("coops:member-detail", cooperative.pk, member.pk)
    context = {
        "cooperative": cooperative,
        "member": member,
        "form": form,
        "title": _("Record that %(member)s left") % {"member": str(member)},
    }
    return render(request, "coops/member_form.html", context)


@login_required
@domain_errors_as_pages
def member_capital(request: HttpRequest, cooperative_id: int, member_id: int) -> HttpResponse:
    user = _person(request)
    cooperative = access_cooperative(user, cooperative_id)
    member = access_member(user, cooperative, member_id)
    require(user, "coops.manage_members", member)
    form = ContributionForm(request.POST or None, initial={"occurred_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        amount = data["amount"] if data["direction"] == "in" else -data["amount"]
        try:
            member_services.record_capital_contribution(
                member,
                amount_fen=amount,
                occurred_on=data["occurred_on"],
                memo=data["memo"],
                actor=user,
            )
        except ValidationFailed as error:
            _apply_error(form, error, {"amount_fen": "amount"})
        else:
            messages.success(request, _("Capital contribution recorded."))
            return redirect("coops:member-detail", cooperative.pk, member.pk)
    context = {
        "cooperative": cooperative,
        "member": member,
        "form": form,
        "title": _("Capital of %(member)s") % {"member": str(member)},
    }
    return render(request, "coops/member_form.html", context)


# --- Excel ---------------------------------------------------------------------------------------


@login_required
@domain_errors_as_pages
def member_template(request: HttpRequest, cooperative_id: int) -> HttpResponse:
    access_cooperative(_person(request), cooperative_id)
    return _xlsx(excel.member_template_workbook(), "member-register-template.xlsx")


@login_required
@domain_errors_as_pages
def member_export(request: HttpRequest, cooperative_id: int) -> HttpResponse:
    cooperative = access_cooperative(_person(request), cooperative_id)
    stamp = timezone.localdate().isoformat()
    return _xlsx(
        excel.export_members_workbook(cooperative), f"members-{cooperative.pk}-{stamp}.xlsx"
    )


@login_required
@domain_errors_as_pages
def member_import(request: HttpRequest, cooperative_id: int) -> HttpResponse:
    user = _person(request)
    cooperative = access_cooperative(user, cooperative_id)
    require(user, "coops.manage_members", cooperative)
    form = ImportForm(request.POST or None, request.FILES or None)
    row_errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            imported = excel.import_members(cooperative, form.cleaned_data["file"], actor=user)
        except excel.ImportRejected as error:
            form.add_error(None, error.message)
            row_errors = [str(row_error) for row_error in error.row_errors]
        except ValidationFailed as error:
            form.add_error("file", error.message)
        else:
            messages.success(
                request,
                _("Members imported: %(count)d.") % {"count": len(imported)},
            )
            return redirect("coops:member-list", cooperative.pk)
    context = {
        "cooperative": cooperative,
        "form": form,
        "row_errors": row_errors,
        "max_rows": excel.MAX_ROWS,
    }
    return render(request, "coops/member_import.html", context)


# --- rules ---------------------------------------------------------------------------------------


@login_required
@domain_errors_as_pages
def rules_page(request: HttpRequest, cooperative_id: int) -> HttpResponse:
    user = _person(request)
    cooperative = access_cooperative(user, cooperative_id)
    today = timezone.localdate()
    versions = list(
        CooperativeRules.objects.filter(cooperative=cooperative)
        .select_related("created_by")
        .order_by("-effective_from")
    )
    in_force = next((v for v in versions if v.effective_from <= today), None)
    context = {
        "cooperative": cooperative,
        "in_force": in_force,
        "grades": rule_services.grade_scheme(in_force) if in_force else [],
        "versions": [
            (version, version.effective_from > today, version == in_force) for version in versions
        ],
        "produce": Produce.objects.filter(cooperative=cooperative),
        "can_manage": allowed(user, "coops.manage_cooperative", cooperative),
    }
    return render(request, "coops/rules.html", context)


@login_required
@domain_errors_as_pages
def rules_create(request: HttpRequest, cooperative_id: int) -> HttpResponse:
    user = _person(request)
    cooperative = access_cooperative(user, cooperative_id)
    require(user, "coops.manage_cooperative", cooperative)
    today = timezone.localdate()
    current = (
        CooperativeRules.objects.filter(cooperative=cooperative).order_by("-effective_from").first()
    )
    initial_rules: dict[str, Any] = {"effective_from": today}
    initial_grades: list[dict[str, Any]] = []
    if current is not None:
        initial_rules.update(
            service_fee=f"{current.service_fee_bp / 100:g}",
            public_reserve=f"{current.public_reserve_bp / 100:g}",
            patronage_share=f"{current.patronage_share_bp / 100:g}",
        )
        initial_grades = [
            {
                "produce": grade.produce,
                "code": grade.code,
                "label_zh": grade.label_zh,
                "label_bo": grade.label_bo,
                "label_en": grade.label_en,
                "factor": f"{grade.factor_bp / 10_000:g}",
            }
            for grade in rule_services.grade_scheme(current)
        ]
    data = request.POST if request.method == "POST" else None
    form = RulesForm(data, initial=initial_rules)
    grades = GradeFormSet(
        data,
        initial=initial_grades,
        prefix="grades",
        form_kwargs={"cooperative": cooperative},
    )
    if request.method == "POST" and form.is_valid() and grades.is_valid():
        specs = [
            rule_services.GradeSpec(
                row["produce"],
                row["code"],
                row["label_zh"],
                row["label_bo"],
                row["label_en"],
                row["factor"],
            )
            for row in grades.cleaned_data
            if row and (row.get("produce") or row.get("code"))
        ]
        try:
            rule_services.add_rules_version(
                cooperative,
                effective_from=form.cleaned_data["effective_from"],
                service_fee_bp=form.cleaned_data["service_fee"],
                public_reserve_bp=form.cleaned_data["public_reserve"],
                patronage_share_bp=form.cleaned_data["patronage_share"],
                grades=specs,
                actor=user,
            )
        except ValidationFailed as error:
            _apply_error(
                form,
                error,
                {
                    "service_fee_bp": "service_fee",
                    "public_reserve_bp": "public_reserve",
                    "patronage_share_bp": "patronage_share",
                },
            )
        else:
            messages.success(request, _("The new rules version is saved."))
            return redirect("coops:rules", cooperative.pk)
    context = {"cooperative": cooperative, "form": form, "grades": grades}
    return render(request, "coops/rules_form.html", context)


@login_required
@domain_errors_as_pages
def produce_create(request: HttpRequest, cooperative_id: int) -> HttpResponse:
    """Add a produce the cooperative takes in, with what intake measures of it."""
    user = _person(request)
    cooperative = access_cooperative(user, cooperative_id)
    require(user, "coops.manage_cooperative", cooperative)
    data = request.POST if request.method == "POST" else None
    form = ProduceForm(data)
    attributes = AttributeFormSet(data, prefix="attributes")
    if request.method == "POST" and form.is_valid() and attributes.is_valid():
        try:
            rule_services.add_produce(
                cooperative,
                code=form.cleaned_data["code"],
                names={
                    "zh": form.cleaned_data["name_zh"],
                    "bo": form.cleaned_data["name_bo"],
                    "en": form.cleaned_data["name_en"],
                },
                attributes=[
                    row for row in (each.attribute() for each in attributes) if row is not None
                ],
                actor=user,
            )
        except ValidationFailed as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("The produce is added."))
            return redirect("coops:rules", cooperative.pk)
    context = {"cooperative": cooperative, "form": form, "attributes": attributes}
    return render(request, "coops/produce_form.html", context)


urlpatterns: list[URLPattern] = [
    path("", cooperative_list, name="cooperative-list"),
    path("<int:cooperative_id>/", cooperative_home, name="cooperative-home"),
    path("<int:cooperative_id>/produce/new/", produce_create, name="produce-create"),
    path("<int:cooperative_id>/members/", member_list, name="member-list"),
    path("<int:cooperative_id>/members/new/", member_create, name="member-create"),
    path("<int:cooperative_id>/members/template.xlsx", member_template, name="member-template"),
    path("<int:cooperative_id>/members/export.xlsx", member_export, name="member-export"),
    path("<int:cooperative_id>/members/import/", member_import, name="member-import"),
    path("<int:cooperative_id>/members/<int:member_id>/", member_detail, name="member-detail"),
    path("<int:cooperative_id>/members/<int:member_id>/edit/", member_edit, name="member-edit"),
    path("<int:cooperative_id>/members/<int:member_id>/leave/", member_leave, name="member-leave"),
    path(
        "<int:cooperative_id>/members/<int:member_id>/capital/",
        member_capital,
        name="member-capital",
    ),
    path("<int:cooperative_id>/rules/", rules_page, name="rules"),
    path("<int:cooperative_id>/rules/new/", rules_create, name="rules-create"),
]
