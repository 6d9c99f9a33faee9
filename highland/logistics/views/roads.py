"""The roads page for the dispatcher: closures in force and to come, closing a road,
lifting a closure, and the network drawn as a small SVG map (closed roads in red).

Plain GET and POST (no script needed); a hidden one-time key makes a double tap close the
road once.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from highland.core.errors import DomainError
from highland.core.http import domain_errors_as_pages, run_action_and_redirect
from highland.core.idempotency import IdempotentRequest
from highland.core.models import User
from highland.core.permissions import allowed
from highland.logistics import roadmap
from highland.logistics.roads_access import access_road_closure, access_road_edge, roads_county
from highland.logistics.roads_forms import ClosureForm
from highland.logistics.services import roads


def _person(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _page(request: HttpRequest, form: ClosureForm | None, status: int = 200) -> HttpResponse:
    user = _person(request)
    county = roads_county(user)
    now = timezone.now()
    overview = roads.closure_overview(county, now)
    network = roads.road_network(county, now)
    title = _("Roads of %(county)s") % {"county": county.name}
    may_manage = allowed(user, "logistics.manage_roads", county)
    if may_manage and form is None:
        form = ClosureForm(county=county)
    context = {
        "title": title,
        "in_force": overview.in_force,
        "upcoming": overview.upcoming,
        "svg": roadmap.render_road_map(
            network.nodes, network.edges, title=title, closed_edge_ids=network.closed_edge_ids
        ),
        "legend": roadmap.MAP_LEGEND,
        "form": form if may_manage else None,
        "may_manage": may_manage,
        "edge_count": len(network.edges),
    }
    return render(request, "logistics/roads/roads.html", context, status=status)


@login_required
@domain_errors_as_pages
def road_list(request: HttpRequest) -> HttpResponse:
    return _page(request, None)


@login_required
@require_POST
@domain_errors_as_pages
def closure_create(request: HttpRequest) -> HttpResponse:
    user = _person(request)
    county = roads_county(user)
    form = ClosureForm(request.POST, county=county)
    if not form.is_valid():
        return _page(request, form, status=422)
    edge = access_road_edge(user, form.cleaned_data["edge"].pk)
    try:
        closure = roads.close_road_once(
            edge,
            actor=user,
            reason=form.cleaned_data["reason"],
            ends_at=form.cleaned_data["ends_at"],
            idempotent_request=(
                IdempotentRequest.of_form(form.cleaned_data)
                if form.cleaned_data.get("idempotency_key")
                else None
            ),
        ).closure
    except DomainError as error:
        if error.status_code in (403, 404):
            raise
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _page(request, form, status=422)
    messages.success(request, _("The road %(road)s is closed.") % {"road": str(closure.edge)})
    return redirect("logistics:road-list")


@login_required
@require_POST
@domain_errors_as_pages
def closure_lift(request: HttpRequest, closure_id: int) -> HttpResponse:
    user = _person(request)
    closure = access_road_closure(user, closure_id)
    return run_action_and_redirect(
        request,
        lambda: roads.lift_closure(closure, actor=user),
        "logistics:road-list",
        success=_("The road %(road)s is open again.") % {"road": str(closure.edge)},
    )


urlpatterns = [
    path("roads/", road_list, name="road-list"),
    path("roads/closures/create/", closure_create, name="road-closure-create"),
    path("roads/closures/<int:closure_id>/lift/", closure_lift, name="road-closure-lift"),
]
