"""After-sale requests: opening, deciding, evidence photos, escalations."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from highland.core.access import home_county
from highland.core.errors import DomainError, NotFound, ValidationFailed
from highland.core.http import (
    domain_errors_as_pages,
    posted_text,
    private_file_response,
    run_action_and_redirect,
)
from highland.core.money import YuanField
from highland.core.permissions import allowed, require
from highland.orders import aftersales
from highland.orders.access import access_order
from highland.orders.forms import (
    ReasonForm,
)
from highland.orders.models import (
    AfterSaleKind,
    AfterSaleReason,
    AfterSaleStatus,
)
from highland.orders.views.shared import _form_error, _person

# --- after-sales -------------------------------------------------------------------------------


class AfterSaleForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What do you ask for?"),
        choices=AfterSaleKind.choices,
        widget=forms.RadioSelect,
    )
    reason = forms.ChoiceField(
        label=gettext_lazy("What is wrong?"), choices=AfterSaleReason.choices
    )
    description = forms.CharField(
        label=gettext_lazy("What happened"),
        max_length=aftersales.MAX_DESCRIPTION,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    # The service refuses zero, negatives and too much, with one set of messages.
    amount_fen = YuanField(label=gettext_lazy("Amount to refund (yuan)"), min_fen=None)


class EvidencePhotoForm(forms.Form):
    # A plain file field: the service checks size and type.
    photo = forms.FileField(label=gettext_lazy("Photo (JPEG, PNG or WebP, at most 8 MB)"))


@login_required
@domain_errors_as_pages
def aftersale_create(request: HttpRequest, order_id: int) -> HttpResponse:
    """The request form, reached from the order page."""
    user = _person(request)
    order = access_order(user, order_id)
    require(user, "orders.open_aftersale", order)
    left = aftersales.refundable_fen(order)
    form = AfterSaleForm(
        request.POST or None,
        initial={"kind": AfterSaleKind.REFUND_ONLY, "amount_fen": max(left, 0)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            aftersale = aftersales.open_aftersale(
                order,
                actor=user,
                kind=data["kind"],
                reason=data["reason"],
                description=data["description"],
                amount_fen=data["amount_fen"],
            )
        except DomainError as error:
            if error.status_code in (403, 404):
                raise
            _form_error(form, error)
        else:
            messages.success(
                request, _("Your request is with the seller. Add photos of the problem below.")
            )
            return redirect("orders:aftersale-detail", aftersale.pk)
    problem = aftersales.aftersale_window_problem(order, timezone.now())
    return render(
        request,
        "orders/aftersales/create.html",
        {
            "order": order,
            "form": form,
            "refundable_fen": left,
            "problem": problem.message if problem else "",
        },
    )


@login_required
@domain_errors_as_pages
def aftersale_detail(request: HttpRequest, aftersale_id: int) -> HttpResponse:
    """A request, its evidence, and the buttons for whoever may act on it now."""
    user = _person(request)
    aftersale = aftersales.access_aftersale(user, aftersale_id)
    photos = list(aftersale.photos.all())
    waiting = aftersale.status in aftersales.PHOTO_STATUSES
    return render(
        request,
        "orders/aftersales/detail.html",
        {
            "aftersale": aftersale,
            "order": aftersale.order,
            "photos": photos,
            "can_decide": waiting and allowed(user, "orders.decide_aftersale", aftersale),
            "can_receive": aftersale.status == AfterSaleStatus.AWAITING_RETURN
            and allowed(user, "orders.receive_return", aftersale),
            "can_add_photo": waiting
            and len(photos) < aftersales.MAX_PHOTOS
            and allowed(user, "orders.add_aftersale_photo", aftersale),
            "reason_form": ReasonForm(),
            "photo_form": EvidencePhotoForm(),
        },
    )


@require_POST
@login_required
@domain_errors_as_pages
def aftersale_action(request: HttpRequest, aftersale_id: int, action: str) -> HttpResponse:
    user = _person(request)
    aftersale = aftersales.access_aftersale(user, aftersale_id)

    def act() -> None:
        if action == "accept":
            aftersales.accept_aftersale(aftersale, actor=user)
        elif action == "reject":
            aftersales.reject_aftersale(
                aftersale, actor=user, reason=posted_text(request, "reason")
            )
        elif action == "received":
            aftersales.receive_return(aftersale, actor=user)
        else:
            form = EvidencePhotoForm(request.POST, request.FILES)
            if not form.is_valid():
                raise ValidationFailed(_("Choose a photo to upload."), field="photo")
            aftersales.add_aftersale_photo(aftersale, form.cleaned_data["photo"], actor=user)

    return run_action_and_redirect(
        request, act, "orders:aftersale-detail", aftersale.pk, success=_("Done.")
    )


AFTERSALE_ACTIONS = ("accept", "reject", "received", "photos")


@require_GET
@login_required
@domain_errors_as_pages
def aftersale_photo(request: HttpRequest, aftersale_id: int, photo_id: int) -> HttpResponse:
    """An evidence photo, only for those who may see the request."""
    aftersale = aftersales.access_aftersale(_person(request), aftersale_id)
    photo = aftersale.photos.filter(pk=photo_id).first()
    if photo is None:
        raise NotFound(_("No such photo."))
    return private_file_response(photo.thumbnail, content_type="image/webp")


@login_required
@domain_errors_as_pages
def escalated_aftersale_list(request: HttpRequest) -> HttpResponse:
    """The service centre's queue: requests sellers left unanswered, oldest first."""
    user = _person(request)
    county = home_county(user)
    require(user, "orders.review_escalated_aftersales", county)
    return render(
        request,
        "orders/aftersales/escalated.html",
        {"aftersales": aftersales.escalated_aftersales(county)[:200]},
    )
