"""Pages of the service network: list, point, map, agent desk, and the edit forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from highland.core.access import home_county
from highland.core.errors import DomainError, NotFound, ValidationFailed
from highland.core.http import domain_errors_as_pages, run_action_and_redirect
from highland.core.models import Organisation, Role, User
from highland.core.permissions import allowed, require
from highland.network import selectors, services
from highland.network.access import access_point
from highland.network.desk import desk_queue
from highland.network.forms import (
    AgentForm,
    MovePointForm,
    NewPointForm,
    OpeningHoursForm,
    PointConnectivityForm,
    PointDetailsForm,
    PointFilterForm,
    VillagerForm,
)
from highland.network.models import PARENT_TIER, Resident, ServicePoint, Tier
from highland.network.svgmap import MAP_LEGEND, ZOOMS, View, project_points, render_county_map


def _person(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _apply_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal on the form: on its field when the form has it."""
    placed = False
    for field_name, field_messages in error.errors.items():
        if field_name in form.fields:
            for message in field_messages:
                form.add_error(field_name, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


def _organisations(user: User) -> QuerySet[Organisation]:
    return Organisation.objects.filter(county=user.county, active=True).order_by("type", "name_zh")


@login_required
@domain_errors_as_pages
def point_list(request: HttpRequest) -> HttpResponse:
    user = _person(request)
    county = home_county(user)
    require(user, "network.view_point", county)
    form = PointFilterForm(request.GET or None, townships=selectors.townships(county))
    filters = selectors.PointFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.PointFilters(
            tier=data["tier"],
            connectivity=data["connectivity"],
            service=data["service"],
            township=data["township"],
            query=data["q"],
            active=None if data["include_inactive"] else True,
        )
    points = selectors.county_points(county, filters)
    context = {
        "form": form,
        "points": points,
        "can_add": allowed(user, "network.add_point", county),
    }
    # htmx asks for the table alone when a filter changes.
    template = (
        "network/partials/point_table.html"
        if request.headers.get("HX-Request")
        else "network/point_list.html"
    )
    return render(request, template, context)


@login_required
@domain_errors_as_pages
def point_detail(request: HttpRequest, point_id: int) -> HttpResponse:
    user = _person(request)
    point = access_point(user, point_id)
    can_manage = allowed(user, "network.manage_point", point)
    context: dict[str, Any] = {
        "point": point,
        "children": point.children.order_by("code"),
        "agents": point.agents.order_by("username"),
        "hours": point.opening_hours.all(),
        "can_manage": can_manage,
        "can_change": allowed(user, "network.change_point", point),
    }
    if can_manage:
        context["move_form"] = MovePointForm(parents=_possible_parents(point))
        context["agent_form"] = AgentForm(agents=_assignable_agents(point))
    return render(request, "network/point_detail.html", context)


def _possible_parents(point: ServicePoint) -> QuerySet[ServicePoint]:
    parent_tier = PARENT_TIER[point.tier]
    if parent_tier is None:
        return ServicePoint.objects.none()
    return ServicePoint.objects.filter(county=point.county, tier=parent_tier, active=True).order_by(
        "code"
    )


def _assignable_agents(point: ServicePoint) -> QuerySet[User]:
    return (
        User.objects.filter(
            county=point.county, memberships__role=Role.STATION_AGENT, memberships__active=True
        )
        .exclude(service_points=point)
        .distinct()
        .order_by("username")
    )


@login_required
@domain_errors_as_pages
def county_map(request: HttpRequest) -> HttpResponse:
    user = _person(request)
    county = home_county(user)
    require(user, "network.view_point", county)
    points = list(selectors.county_points(county))
    title = _("Service network of %(county)s") % {"county": county.name}
    if request.GET.get("format") == "svg":
        svg = render_county_map(points, title=title)
        return HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    view = View.from_query(request.GET.get("zoom"), request.GET.get("x"), request.GET.get("y"))
    position = project_points(points)
    townships = [
        (point.township or point.name, view.around(*position[point.pk], zoom=ZOOMS[-1]))
        for point in points
        if point.tier == Tier.TOWNSHIP_STATION
    ]
    context = {
        "svg": render_county_map(points, title=title, view=view, legend=False),
        "title": title,
        "points": points,
        "view": view,
        "zoom_in": view.query(zoom=view.zoom * 2) if view.zoom < ZOOMS[-1] else None,
        "zoom_out": view.query(zoom=view.zoom // 2) if view.zoom > 1 else None,
        "moves": [
            (_("North"), view.query(dy=-0.5)),
            (_("West"), view.query(dx=-0.5)),
            (_("East"), view.query(dx=0.5)),
            (_("South"), view.query(dy=0.5)),
        ]
        if view.zoom > 1
        else [],
        "townships": townships,
        "legend": MAP_LEGEND,
    }
    return render(request, "network/map.html", context)


@login_required
@domain_errors_as_pages
def agent_desk(request: HttpRequest) -> HttpResponse:
    user = _person(request)
    county = home_county(user)
    require(user, "network.view_point", county)
    points = list(selectors.points_served_by(user))
    return render(
        request,
        "network/desk.html",
        {"points": points, "queue": desk_queue(user, points, timezone.now())},
    )


@login_required
@domain_errors_as_pages
def point_create(request: HttpRequest) -> HttpResponse:
    user = _person(request)
    county = home_county(user)
    require(user, "network.add_point", county)
    parents = ServicePoint.objects.filter(
        county=county, active=True, tier__in=[Tier.COUNTY_CENTRE, Tier.TOWNSHIP_STATION]
    ).order_by("tier", "code")
    form = NewPointForm(request.POST or None, parents=parents, organisations=_organisations(user))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            point = services.create_service_point(county, services.PointDetails(**data), actor=user)
        except DomainError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("Service point %(name)s created.") % {"name": point.name})
            return redirect("network:point-detail", point.pk)
    return render(
        request, "network/point_form.html", {"form": form, "title": _("New service point")}
    )


@login_required
@domain_errors_as_pages
def point_edit(request: HttpRequest, point_id: int) -> HttpResponse:
    user = _person(request)
    point = access_point(user, point_id)
    require(user, "network.change_point", point)
    can_manage = allowed(user, "network.manage_point", point)
    initial = {name: getattr(point, name) for name in services.EDITABLE_FIELDS}
    form: forms.Form
    if can_manage:
        form = PointDetailsForm(
            request.POST or None,
            initial=initial,
            organisations=_organisations(user),
            prefix="details",
        )
    else:
        form = PointConnectivityForm(request.POST or None, initial=initial, prefix="details")
    hours_initial: dict[str, Any] = {}
    for period in point.opening_hours.all():
        hours_initial.setdefault(f"opens_{period.weekday}", period.opens)
        hours_initial.setdefault(f"closes_{period.weekday}", period.closes)
    hours_form = OpeningHoursForm(request.POST or None, initial=hours_initial, prefix="hours")
    if request.method == "POST" and form.is_valid() and hours_form.is_valid():
        try:
            # Details and hours come in one form: both are saved or neither.
            with transaction.atomic():
                services.update_service_point(point, dict(form.cleaned_data), actor=user)
                services.set_opening_hours(point, hours_form.periods(), actor=user)
        except DomainError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("network:point-detail", point.pk)
    return render(
        request,
        "network/point_form.html",
        {
            "form": form,
            "hours_form": hours_form,
            "point": point,
            "title": _("Edit %(name)s") % {"name": point.name},
        },
    )


POINT_ACTIONS = ("move", "deactivate", "reactivate", "assign-agent", "remove-agent")


def _post_action(request: HttpRequest, point_id: int, action: str) -> HttpResponse:
    user = _person(request)
    point = access_point(user, point_id)
    if action not in POINT_ACTIONS:
        raise NotFound(_("No such action."))

    def act() -> str:
        """Do the action; the text says what was done."""
        if action == "move":
            form = MovePointForm(request.POST, parents=_possible_parents(point))
            if not form.is_valid():
                raise ValidationFailed(_("Choose the new parent point."))
            services.move_service_point(point, form.cleaned_data["parent"], actor=user)
            return _("The point was moved.")
        if action == "deactivate":
            services.deactivate_service_point(point, actor=user)
            return _("The point was deactivated.")
        if action == "reactivate":
            services.reactivate_service_point(point, actor=user)
            return _("The point was reactivated.")
        agents = _assignable_agents(point) if action == "assign-agent" else point.agents.all()
        agent_form = AgentForm(request.POST, agents=agents)
        if not agent_form.is_valid():
            raise ValidationFailed(_("Choose an agent."))
        agent = agent_form.cleaned_data["agent"]
        if action == "assign-agent":
            services.assign_agent(point, agent, actor=user)
            return _("%(agent)s now serves here.") % {"agent": agent}
        services.remove_agent(point, agent, actor=user)
        return _("%(agent)s no longer serves here.") % {"agent": agent}

    return run_action_and_redirect(
        request, act, "network:point-detail", point.pk, success=lambda done: done
    )


@require_POST
@login_required
@domain_errors_as_pages
def point_action(request: HttpRequest, point_id: int, action: str) -> HttpResponse:
    """The one-button actions on a point's page: move, (de/re)activate, agents."""
    return _post_action(request, point_id, action)


@login_required
@domain_errors_as_pages
def point_villagers(request: HttpRequest, point_id: int) -> HttpResponse:
    """The villagers registered at a point, and the form an agent registers one with."""
    user = _person(request)
    point = access_point(user, point_id)
    require(user, "network.register_villager", point)
    form = VillagerForm(request.POST or None)
    duplicates: list[Resident] = []
    if request.method == "POST" and form.is_valid():
        try:
            resident = services.register_villager(point, actor=user, **form.cleaned_data)
        except services.DuplicateVillagers as error:
            duplicates = error.duplicates
            _apply_error(form, error)
        except DomainError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("%(name)s is registered.") % {"name": resident.person})
            return redirect("network:point-villagers", point.pk)
    residents = point.residents.select_related("person").order_by("person__display_name")
    return render(
        request,
        "network/villagers.html",
        {"point": point, "form": form, "residents": residents, "duplicates": duplicates},
    )
