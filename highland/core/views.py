"""Pages for the audit trail and device tokens; thin wrappers over services."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import i18n as i18n_views
from django.views.decorators.http import require_POST

from highland.core import access, auditdisplay, selectors, services, throttling
from highland.core.access import home_county
from highland.core.errors import DomainError
from highland.core.forms import AuditFilterForm, IssueTokenForm
from highland.core.http import domain_errors_as_pages
from highland.core.models import User
from highland.core.permissions import require


def _person(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
@domain_errors_as_pages
def audit_list(request: HttpRequest) -> HttpResponse:
    user = _person(request)
    county = home_county(user)
    require(user, "core.view_audit", county)
    form = AuditFilterForm(
        request.GET or None,
        actions=selectors.audit_actions(county),
        actors=selectors.audit_actors(county),
        object_types=selectors.audit_object_types(county),
    )
    filters = selectors.AuditFilters()
    if form.is_valid():
        filters = selectors.AuditFilters(**{k: v for k, v in form.cleaned_data.items() if v})
    page = Paginator(selectors.county_audit(county, filters), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "core/audit_list.html",
        {
            "form": form,
            "page": page,
            "records": auditdisplay.readable(page),
            "query": query.urlencode(),
        },
    )


@login_required
@domain_errors_as_pages
def token_list(request: HttpRequest) -> HttpResponse:
    user = _person(request)
    county = home_county(user)
    require(user, "core.manage_api_tokens", county)
    holders = selectors.token_holders(county, user)
    form = IssueTokenForm(request.POST or None, holders=holders)
    issued_key = None
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.issue_api_token(
                form.cleaned_data["holder"], actor=user, name=form.cleaned_data["name"]
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            issued_key = issued.raw_key
            form = IssueTokenForm(holders=holders)
    return render(
        request,
        "core/token_list.html",
        {
            "form": form,
            "tokens": selectors.county_tokens(county),
            "issued_key": issued_key,
        },
    )


@require_POST
@login_required
@domain_errors_as_pages
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    user = _person(request)
    token = access.access_api_token(user, token_id)
    try:
        services.revoke_api_token(token, actor=user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The token was revoked; the device can no longer connect."))
    return redirect("token-list")


@login_required
@domain_errors_as_pages
def locked_logins(request: HttpRequest) -> HttpResponse:
    """The county's accounts locked after failed logins, each with an unlock button."""
    user = _person(request)
    county = home_county(user)
    require(user, "core.manage_people", county)
    people = throttling.locked_people(county)
    if request.method == "POST":
        person = people.filter(pk=request.POST.get("person", "")).first()
        if person is None:
            messages.error(request, _("This account is not locked."))
        else:
            services.unlock_login(person, actor=user)
            messages.success(
                request, _("%(person)s can log in again.") % {"person": person.username}
            )
        return redirect("locked-logins")
    return render(
        request,
        "core/locked_logins.html",
        {"people": people, "minutes": throttling.lockout_minutes()},
    )


@require_POST
def switch_language(request: HttpRequest) -> HttpResponse:
    """Django's set_language, and for a signed-in person also remembered on their profile."""
    response = i18n_views.set_language(request)
    language = request.POST.get("language", "")
    if isinstance(request.user, User) and language in dict(settings.LANGUAGES):
        services.set_preferred_language(request.user, language, actor=request.user)
    return response
