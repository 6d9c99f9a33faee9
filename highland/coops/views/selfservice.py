"""Member self-service pages: an intake by its receipt's check code (no login), a member's
own households, and the same account page opened by the agent of their point."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from highland.coops import selectors
from highland.core.access import site_county
from highland.core.errors import NotFound
from highland.core.http import domain_errors_as_pages
from highland.core.models import User

# On /coops/me/ each household shows its latest intakes; its account page pages through all.
INTAKES_ON_OVERVIEW = 10


class CheckCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Check code"),
        max_length=40,
        help_text=_("Printed on your intake receipt and sent in the text message."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


@require_http_methods(["GET", "POST"])
def check_code(request: HttpRequest) -> HttpResponse:
    """Look one intake up by its check code. A wrong and a malformed code get the same
    page (the form emptied, the same message, 404); too many from one address, 429."""
    form = CheckCodeForm(request.POST or None)
    context: dict[str, object] = {"form": form}
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            context["found"] = selectors.look_up_check_code(
                request, site_county(request), form.cleaned_data["code"]
            )
        except (NotFound, selectors.TooManyGuesses) as error:
            context["refusal"] = error.message
            context["form"] = CheckCodeForm()
            status = error.status_code
    elif request.method == "POST":
        status = 422
    return render(request, "coops/member/check.html", context, status=status)


def _person(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@require_GET
@login_required
def my_households(request: HttpRequest) -> HttpResponse:
    """The account of every household the person heads (in one or more cooperatives)."""
    person = _person(request)
    accounts = [
        selectors.household_account(member, viewer=person, per_page=INTAKES_ON_OVERVIEW)
        for member in selectors.households_of(person)
    ]
    return render(request, "coops/member/me.html", {"accounts": accounts})


@require_GET
@login_required
@domain_errors_as_pages
def member_account(request: HttpRequest, member_id: int) -> HttpResponse:
    """One household's account, for its head, the agent of its point, its cooperative's
    staff and the county's centre; anyone else gets the same 404 as a missing one."""
    person = _person(request)
    member = selectors.access_member(person, member_id)
    account = selectors.household_account(member, viewer=person, page=request.GET.get("page"))
    return render(request, "coops/member/account.html", {"account": account})


urlpatterns: list[URLPattern] = [
    path("check/", check_code, name="check-code"),
    path("me/", my_households, name="my-households"),
    path("members/<int:member_id>/account/", member_account, name="member-account"),
]
