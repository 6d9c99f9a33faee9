"""Group-buy pages: organising, joining, the cut-off, receiving and pickup."""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from highland.catalog.models import Sku
from highland.core.access import home_county
from highland.core.errors import DomainError, NotFound, PermissionDenied
from highland.core.http import (
    domain_errors_as_pages,
    posted_text,
    run_action_and_redirect,
)
from highland.core.idempotency import IdempotentRequest
from highland.core.models import County, Role, User
from highland.core.money import YuanField
from highland.core.permissions import allowed, require, roles_of
from highland.core.schemas import MAX_OBJECT_ID, MAX_QUANTITY
from highland.network.models import ServicePoint, Tier
from highland.network.selectors import villagers_served_by
from highland.orders import groupbuys, services
from highland.orders.access import access_order
from highland.orders.forms import (
    PickupForm,
    ReasonForm,
)
from highland.orders.models import (
    GroupBuy,
    GroupBuyOrder,
    GroupBuyStatus,
)
from highland.orders.views.groupbuy_products import NEW, picks_of, set_picks
from highland.orders.views.shared import _organised_stations, _person

# --- group buys --------------------------------------------------------------------------------

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
GROUP_BUY_ACTIONS = ("open", "close", "order", "cancel")


class GroupBuyForm(forms.Form):
    station = forms.ModelChoiceField(
        label=gettext_lazy("Station"), queryset=ServicePoint.objects.none()
    )
    title_zh = forms.CharField(label=gettext_lazy("Title (Chinese)"), max_length=120)
    title_bo = forms.CharField(
        label=gettext_lazy("Title (Tibetan)"), max_length=200, required=False
    )
    title_en = forms.CharField(
        label=gettext_lazy("Title (English)"), max_length=120, required=False
    )
    opens_at = forms.DateTimeField(label=gettext_lazy("Opens at"), widget=DATETIME_INPUT)
    closes_at = forms.DateTimeField(label=gettext_lazy("Cut-off"), widget=DATETIME_INPUT)
    collect_by = forms.DateTimeField(
        label=gettext_lazy("Unpaid orders are held until"), widget=DATETIME_INPUT
    )
    pay_on_pickup = forms.BooleanField(
        label=gettext_lazy("Villagers may pay in cash when they collect"), required=False
    )
    points = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Village points served"),
        queryset=ServicePoint.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=gettext_lazy("None ticked: every active village point of the station."),
    )

    def __init__(
        self, *args: Any, stations: list[ServicePoint] | None, points: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if stations is None:
            del self.fields["station"]
        else:
            self.fields["station"].queryset = ServicePoint.objects.filter(  # type: ignore[attr-defined]
                pk__in=[station.pk for station in stations]
            )
        self.fields["points"].queryset = points  # type: ignore[attr-defined]


class GroupBuyItemForm(forms.Form):
    # Chosen with the product picker (`group_buy_products`), never typed.
    sku = forms.IntegerField(
        min_value=1, max_value=MAX_OBJECT_ID, required=False, widget=forms.HiddenInput
    )
    group_price = YuanField(label=gettext_lazy("Group price (yuan)"), required=False)
    min_quantity = forms.IntegerField(
        label=gettext_lazy("Minimum total"), min_value=1, max_value=MAX_QUANTITY, required=False
    )


GroupBuyItemFormSet = forms.formset_factory(GroupBuyItemForm, extra=0, max_num=groupbuys.MAX_ITEMS)


def _group_buy_terms(
    county: County, form: GroupBuyForm, items: Any
) -> groupbuys.GroupBuyTerms | None:
    """The terms from valid forms, or None after marking products that are unknown."""
    data = form.cleaned_data
    terms: list[groupbuys.ItemTerms] = []
    chosen = [row.cleaned_data.get("sku") for row in items if row.cleaned_data.get("sku")]
    known = set(Sku.objects.filter(county=county, pk__in=chosen).values_list("pk", flat=True))
    for row in items:
        sku_id = row.cleaned_data.get("sku")
        if not sku_id:
            continue
        if sku_id not in known:
            row.add_error(None, _("Unknown product variant."))
            continue
        terms.append(
            groupbuys.ItemTerms(
                sku_id, row.cleaned_data.get("group_price"), row.cleaned_data.get("min_quantity")
            )
        )
    if any(row.errors for row in items):
        return None
    points = data["points"]
    return groupbuys.GroupBuyTerms(
        title_zh=data["title_zh"],
        title_bo=data["title_bo"],
        title_en=data["title_en"],
        opens_at=data["opens_at"],
        closes_at=data["closes_at"],
        collect_by=data["collect_by"],
        pay_on_pickup=data["pay_on_pickup"],
        point_ids=[point.pk for point in points] if points else None,
        items=terms,
    )


def _errors_on_form(form: forms.Form, error: DomainError) -> None:
    """Field errors on their fields; the products' and others' above the form, each said."""
    for field, field_messages in error.errors.items():
        for message in field_messages:
            form.add_error(field if field in form.fields else None, message)
    if not error.errors:
        form.add_error(None, error.message)


@login_required
@domain_errors_as_pages
def group_buy_list(request: HttpRequest) -> HttpResponse:
    """The group buys a person organises, serves, supplies or joined."""
    user = _person(request)
    county = home_county(user)
    return render(
        request,
        "orders/groupbuys/list.html",
        {
            "group_buys": groupbuys.group_buys_visible_to(user)[:100],
            "can_create": user.is_superuser
            or Role.CENTRE_OPERATOR in roles_of(user, county)
            or user.service_points.filter(tier=Tier.TOWNSHIP_STATION).exists(),
        },
    )


@login_required
@domain_errors_as_pages
def group_buy_create(request: HttpRequest) -> HttpResponse:
    user = _person(request)
    county = home_county(user)
    stations = _organised_stations(user, county)
    if not stations:
        raise PermissionDenied(_("You are not allowed to do this."))
    now = timezone.localtime().replace(second=0, microsecond=0)
    form = GroupBuyForm(
        request.POST or None,
        stations=stations,
        points=ServicePoint.objects.filter(
            parent__in=stations, tier=Tier.VILLAGE_POINT, active=True
        ).order_by("code"),
        initial={
            "station": stations[0] if len(stations) == 1 else None,
            "opens_at": now,
            "closes_at": now + dt.timedelta(days=3),
            "collect_by": now + dt.timedelta(days=17),
            "pay_on_pickup": True,
        },
    )
    items = GroupBuyItemFormSet(
        request.POST or None,
        prefix="items",
        initial=[{"sku": sku_id} for sku_id in picks_of(request.session, NEW)],
    )
    if request.method == "POST" and form.is_valid() and items.is_valid():
        terms = _group_buy_terms(county, form, items)
        if terms is not None:
            try:
                group_buy = groupbuys.create_group_buy(
                    form.cleaned_data["station"], terms, actor=user
                )
            except DomainError as error:
                if error.status_code in (403, 404):
                    raise
                _errors_on_form(form, error)
            else:
                set_picks(request.session, NEW, [])
                messages.success(request, _("The group buy is drafted; open it when ready."))
                return redirect("orders:group-buy-detail", group_buy.pk)
    _name_rows(county, items)
    return render(
        request,
        "orders/groupbuys/form.html",
        {"form": form, "items": items, "picker_target": NEW},
    )


def _name_rows(county: County, items: Any) -> None:
    """Let each product row show what it sells, in the reader's language."""
    ids = []
    for row in items:
        raw = row["sku"].value()
        if raw and str(raw).isascii() and str(raw).isdigit() and len(str(raw)) <= 18:
            ids.append(int(raw))
    skus = Sku.objects.filter(county=county, pk__in=ids).select_related("product").in_bulk()
    for row in items:
        raw = row["sku"].value()
        sku = skus.get(int(raw)) if raw and str(raw).isdigit() and len(str(raw)) <= 18 else None
        row.sku_object = sku


@login_required
@domain_errors_as_pages
def group_buy_edit(request: HttpRequest, group_buy_id: int) -> HttpResponse:
    user = _person(request)
    group_buy = groupbuys.access_group_buy(user, group_buy_id)
    require(user, "orders.manage_group_buy", group_buy)
    form = GroupBuyForm(
        request.POST or None,
        stations=None,
        points=ServicePoint.objects.filter(
            parent=group_buy.station, tier=Tier.VILLAGE_POINT, active=True
        ).order_by("code"),
        initial={
            **{
                name: getattr(group_buy, name)
                for name in ("title_zh", "title_bo", "title_en", "pay_on_pickup")
            },
            **{
                name: timezone.localtime(getattr(group_buy, name))
                for name in ("opens_at", "closes_at", "collect_by")
            },
            "points": list(group_buy.points.all()),
        },
    )
    items = GroupBuyItemFormSet(
        request.POST or None,
        prefix="items",
        initial=[
            {
                "sku": item.sku_id,
                "group_price": item.group_price_fen,
                "min_quantity": item.min_quantity,
            }
            for item in group_buy.items.all()
        ]
        + [
            {"sku": sku_id}
            for sku_id in picks_of(request.session, str(group_buy.pk))
            if sku_id not in {item.sku_id for item in group_buy.items.all()}
        ],
    )
    if request.method == "POST" and form.is_valid() and items.is_valid():
        terms = _group_buy_terms(group_buy.county, form, items)
        if terms is not None:
            # The form shows whole minutes; an unchanged minute keeps the stored time.
            terms = dataclasses.replace(
                terms,
                **{
                    name: getattr(group_buy, name)
                    for name in ("opens_at", "closes_at", "collect_by")
                    if getattr(terms, name)
                    == getattr(group_buy, name).replace(second=0, microsecond=0)
                },
            )
            try:
                groupbuys.update_group_buy(group_buy, terms, actor=user)
            except DomainError as error:
                if error.status_code in (403, 404):
                    raise
                _errors_on_form(form, error)
            else:
                set_picks(request.session, str(group_buy.pk), [])
                messages.success(request, _("The group buy is saved."))
                return redirect("orders:group-buy-detail", group_buy.pk)
    _name_rows(group_buy.county, items)
    return render(
        request,
        "orders/groupbuys/form.html",
        {"form": form, "items": items, "group_buy": group_buy, "picker_target": group_buy.pk},
    )


@login_required
@domain_errors_as_pages
def group_buy_detail(request: HttpRequest, group_buy_id: int) -> HttpResponse:
    user = _person(request)
    group_buy = groupbuys.access_group_buy(user, group_buy_id)
    totals = groupbuys.item_totals(group_buy)
    items = list(group_buy.items.select_related("sku__product"))
    for item in items:
        item.ordered = totals.get(item.sku_id, 0)  # type: ignore[attr-defined]
    staff = allowed(user, "orders.view_group_buy_lists", group_buy)
    links = GroupBuyOrder.objects.filter(group_buy=group_buy).select_related(
        "order__buyer", "order__pickup_point"
    )
    if not staff:
        links = links.filter(order__buyer=user)
    return render(
        request,
        "orders/groupbuys/detail.html",
        {
            "group_buy": group_buy,
            "items": items,
            "points": group_buy.points.order_by("code"),
            "links": links.order_by("order__pickup_point__code", "pk"),
            "staff": staff,
            "can_manage": allowed(user, "orders.manage_group_buy", group_buy),
            "can_join": group_buy.status == GroupBuyStatus.OPEN
            and any(
                allowed(user, "orders.join_group_buy", point) for point in group_buy.points.all()
            ),
            "reason_form": ReasonForm(),
        },
    )


@require_POST
@login_required
@domain_errors_as_pages
def group_buy_action(request: HttpRequest, group_buy_id: int, action: str) -> HttpResponse:
    """Open, close now, order from the suppliers, or cancel."""
    user = _person(request)
    group_buy = groupbuys.access_group_buy(user, group_buy_id)

    def act() -> None:
        if action == "open":
            groupbuys.open_group_buy(group_buy, actor=user)
        elif action == "close":
            result = groupbuys.close_group_buy(group_buy, actor=user)
            if result.cancelled:
                messages.warning(
                    request,
                    _("%(count)d order(s) could not go ahead and were cancelled.")
                    % {"count": len(result.cancelled)},
                )
        elif action == "order":
            groupbuys.order_from_suppliers(group_buy, actor=user)
        else:
            groupbuys.cancel_group_buy(group_buy, actor=user, reason=posted_text(request, "reason"))

    return run_action_and_redirect(
        request, act, "orders:group-buy-detail", group_buy.pk, success=_("Done.")
    )


class GroupBuyJoinForm(forms.Form):
    villager = forms.ModelChoiceField(label=gettext_lazy("Villager"), queryset=User.objects.none())
    point = forms.ModelChoiceField(
        label=gettext_lazy("Village point"), queryset=ServicePoint.objects.none()
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, villagers: Any, points: Any, items: list[Any], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["villager"].queryset = villagers  # type: ignore[attr-defined]
        self.fields["point"].queryset = points  # type: ignore[attr-defined]
        for item in items:
            self.fields[f"quantity_{item.pk}"] = forms.IntegerField(
                label=f"{item.sku.product.name} {item.sku.label}",
                min_value=0,
                max_value=MAX_QUANTITY,
                required=False,
            )


def _points_where(user: User, group_buy: GroupBuy, permission: str) -> list[ServicePoint]:
    """The group buy's points where `user` holds `permission`; 403 when there are none."""
    points = [
        point for point in group_buy.points.order_by("code") if allowed(user, permission, point)
    ]
    if not points:
        raise PermissionDenied(_("You are not allowed to do this."))
    return points


@login_required
@domain_errors_as_pages
def group_buy_join(request: HttpRequest, group_buy_id: int) -> HttpResponse:
    """An agent adds a villager's order: quantities of the window's items, cash at the point."""
    user = _person(request)
    group_buy = groupbuys.access_group_buy(user, group_buy_id)
    points = _points_where(user, group_buy, "orders.join_group_buy")
    items = list(group_buy.items.select_related("sku__product"))
    form = GroupBuyJoinForm(
        request.POST or None,
        villagers=villagers_served_by(user, group_buy.county),
        points=ServicePoint.objects.filter(pk__in=[point.pk for point in points]).order_by("code"),
        items=items,
        initial={"idempotency_key": secrets.token_urlsafe(16)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        lines = [
            services.CheckoutLine(item.sku_id, data[f"quantity_{item.pk}"])
            for item in items
            if data.get(f"quantity_{item.pk}")
        ]
        try:
            result = groupbuys.join_group_buy(
                group_buy,
                lines,
                villager=data["villager"],
                point=data["point"],
                actor=user,
                idempotent_request=IdempotentRequest.of_form(data, group_buy_id=group_buy.pk),
            )
        except DomainError as error:
            if error.status_code == 403:
                raise
            _errors_on_form(form, error)
        else:
            messages.success(request, _("The villager is in the group buy; give them the receipt."))
            return redirect("orders:payment", result.payment.pk)
    return render(
        request,
        "orders/groupbuys/join.html",
        {"group_buy": group_buy, "form": form, "items": items},
    )


@login_required
@domain_errors_as_pages
def group_buy_purchases(request: HttpRequest, group_buy_id: int) -> HttpResponse:
    """The consolidated purchase orders, one per supplier, printable."""
    user = _person(request)
    group_buy = groupbuys.access_group_buy(user, group_buy_id)
    purchases = [
        purchase
        for purchase in group_buy.purchases.select_related(
            "seller", "county", "group_buy__station"
        ).prefetch_related("lines")
        if allowed(user, "orders.view_consolidated_purchase", purchase)
    ]
    if not purchases:
        require(user, "orders.view_group_buy_lists", group_buy)
    return render(
        request,
        "orders/groupbuys/purchases.html",
        {
            "group_buy": group_buy,
            "purchases": purchases,
            "can_receive": group_buy.status == GroupBuyStatus.ORDERED
            and allowed(user, "orders.manage_group_buy", group_buy),
        },
    )


@require_POST
@login_required
@domain_errors_as_pages
def group_buy_receive(request: HttpRequest, purchase_id: int) -> HttpResponse:
    user = _person(request)
    purchase = groupbuys.access_purchase(user, purchase_id)
    return run_action_and_redirect(
        request,
        lambda: groupbuys.receive_purchase(purchase, actor=user),
        "orders:group-buy-purchases",
        purchase.group_buy_id,
        success=_("Delivery received; paid orders are ready for pickup."),
    )


@login_required
@domain_errors_as_pages
def group_buy_pick_lists(request: HttpRequest, group_buy_id: int) -> HttpResponse:
    """Per village point, which villager collects what, printable."""
    user = _person(request)
    group_buy = groupbuys.access_group_buy(user, group_buy_id)
    require(user, "orders.view_group_buy_lists", group_buy)
    return render(
        request,
        "orders/groupbuys/pick_lists.html",
        {"group_buy": group_buy, "pick_lists": groupbuys.pick_lists(group_buy)},
    )


@login_required
@domain_errors_as_pages
def group_buy_pickup(request: HttpRequest, group_buy_id: int) -> HttpResponse:
    """The agent's hand-out desk: orders at their points, each released by its code."""
    user = _person(request)
    group_buy = groupbuys.access_group_buy(user, group_buy_id)
    points = _points_where(user, group_buy, "orders.collect_cash")
    return render(
        request,
        "orders/groupbuys/pickup.html",
        {
            "group_buy": group_buy,
            "pick_lists": groupbuys.pick_lists(group_buy, point_ids={point.pk for point in points}),
            "arrived": set(
                group_buy.purchases.filter(delivered_at__isnull=False).values_list(
                    "seller_id", flat=True
                )
            ),
            "pickup_form": PickupForm(),
        },
    )


@require_POST
@login_required
@domain_errors_as_pages
def group_buy_hand_over(request: HttpRequest, order_id: int) -> HttpResponse:
    user = _person(request)
    order = access_order(user, order_id)
    link = GroupBuyOrder.objects.filter(order=order).first()
    if link is None:
        raise NotFound(_("No such group-buy order."))
    return run_action_and_redirect(
        request,
        lambda: groupbuys.hand_over(
            order, agent=user, pickup_code=request.POST.get("pickup_code", "")
        ),
        "orders:group-buy-pickup",
        link.group_buy_id,
        success=_("Order %(number)s handed over.") % {"number": order.number},
    )
