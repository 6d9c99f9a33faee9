"""The dispatcher's planning pages: pick a day and a time limit and start; the runs; a
run's page (progress while it solves, then routes, map, unserved points, bus choices,
manifests); a driver's printable manifest.

The run page polls its progress with htmx every two seconds and reloads itself when the
run finishes; without script, a <noscript> refresh reloads the page every few seconds.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from highland.core.errors import DomainError, PermissionDenied
from highland.core.http import domain_errors_as_pages, run_action_and_redirect
from highland.core.models import User
from highland.core.permissions import allowed
from highland.logistics.coldchain.page_alerts import cold_alerts_context
from highland.logistics.models import BusChoice, PlanningRun, UnservedStop
from highland.logistics.planning.explain import (
    bus_choice_message,
    failure_message,
    unserved_message,
)
from highland.logistics.planning.planmap import render_plan_map
from highland.logistics.plans_access import (
    access_planned_route,
    access_planning_run,
    planning_county,
    routes_of,
)
from highland.logistics.plans_forms import PlanningRunForm
from highland.logistics.services.planning import cancel_planning_run, start_planning_run
from highland.logistics.views import plans_costs, plans_driver, plans_fleet

RUNS_PER_PAGE = 20


def _person(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@login_required
@domain_errors_as_pages
def plan_list(request: HttpRequest) -> HttpResponse:
    """Start a run (dispatchers) and the county's runs, latest first."""
    user = _person(request)
    county = planning_county(user)
    may_plan = allowed(user, "logistics.plan_runs", county)
    if request.method == "POST" and not may_plan:
        raise PermissionDenied(_("Only dispatchers and the centre plan runs."))
    form = PlanningRunForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run = start_planning_run(
                county,
                data["day"],
                seconds=data["seconds"],
                departs_at=data["departs_at"],
                actor=user,
            )
        except DomainError as error:
            if error.status_code in (403, 404):
                raise
            for field, texts in (error.errors or {"": [error.message]}).items():
                for text in texts:
                    form.add_error(field if field in form.fields else None, text)
        else:
            messages.success(request, _("Planning started."))
            return redirect("logistics:plan-detail", run.pk)
    runs = Paginator(
        PlanningRun.objects.filter(county=county)
        .select_related("created_by")
        .order_by("-created_at", "-pk"),
        RUNS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "logistics/plans/plan_list.html",
        {
            "form": form,
            "may_plan": may_plan,
            "runs": runs,
            **cold_alerts_context(request, user, county),
        },
    )


def _run_context(run: PlanningRun) -> dict[str, Any]:
    return {
        "run": run,
        "failure": failure_message(run) if run.status == "failed" else "",
    }


@login_required
@domain_errors_as_pages
def plan_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    user = _person(request)
    run = access_planning_run(user, run_id)
    context = _run_context(run)
    context["may_plan"] = allowed(user, "logistics.plan_runs", run)
    if run.status == "done":
        routes = list(routes_of(run))
        unserved = list(
            UnservedStop.objects.filter(run=run).select_related("point").order_by("point__code")
        )
        choices = list(
            BusChoice.objects.filter(run=run)
            .select_related("point", "line")
            .order_by("point__code")
        )
        context.update(
            routes=routes,
            unserved=[(entry, unserved_message(entry)) for entry in unserved],
            choices=[(choice, bus_choice_message(choice)) for choice in choices],
        )
        context["plan_map"], context["legend"] = render_plan_map(run, routes)
    return render(request, "logistics/plans/plan_detail.html", context)


@login_required
@domain_errors_as_pages
def plan_progress(request: HttpRequest, run_id: int) -> HttpResponse:
    """The progress fragment the run page polls; a finished run reloads the page."""
    run = access_planning_run(_person(request), run_id)
    response = render(request, "logistics/plans/partials/run_progress.html", _run_context(run))
    if run.is_finished and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
@domain_errors_as_pages
def plan_cancel(request: HttpRequest, run_id: int) -> HttpResponse:
    user = _person(request)
    run = access_planning_run(user, run_id)
    return run_action_and_redirect(
        request,
        lambda: cancel_planning_run(run, actor=user),
        "logistics:plan-detail",
        run.pk,
        success=_("The run was cancelled."),
    )


@login_required
@domain_errors_as_pages
def route_manifest(request: HttpRequest, run_id: int, route_id: int) -> HttpResponse:
    """A driver's printable manifest: stops in order, what to drop and collect (SSCCs;
    never a pickup code)."""
    user = _person(request)
    run = access_planning_run(user, run_id)
    route = access_planned_route(user, run, route_id)
    return render(request, "logistics/plans/manifest.html", {"run": run, "route": route})


urlpatterns: list[URLPattern] = [
    path("plans/", plan_list, name="plan-list"),
    path("plans/<int:run_id>/", plan_detail, name="plan-detail"),
    path("plans/<int:run_id>/progress/", plan_progress, name="plan-progress"),
    path("plans/<int:run_id>/cancel/", plan_cancel, name="plan-cancel"),
    path(
        "plans/<int:run_id>/routes/<int:route_id>/manifest/",
        route_manifest,
        name="route-manifest",
    ),
    *plans_driver.urlpatterns,
    *plans_fleet.urlpatterns,
    *plans_costs.urlpatterns,
]
