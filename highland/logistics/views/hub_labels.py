"""Printable parcel labels: one 100×150 mm label per page (thermal label printers), or A4
sheets of four A6 labels (office printers). Print CSS only; no JavaScript needed."""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _

from highland.core.access import home_county
from highland.core.errors import NotFound, ValidationFailed
from highland.core.http import domain_errors_as_pages
from highland.core.models import User
from highland.core.permissions import allowed
from highland.logistics.access import access_parcel
from highland.logistics.labels import Label, label_for
from highland.logistics.models import Parcel, ParcelKind

FORMATS = ("100x150", "a4")
# A4 holds four A6 labels; a batch prints at most this many.
LABELS_PER_SHEET = 4
MAX_BATCH = 200


def _person(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _paper(request: HttpRequest) -> str:
    paper = request.GET.get("format", FORMATS[0])
    return paper if paper in FORMATS else FORMATS[0]


def _contents(parcels: list[Parcel]) -> dict[int, list[str]]:
    """What each tote carries, as "SSCC · order number" (one query)."""
    totes = [parcel.pk for parcel in parcels if parcel.kind == ParcelKind.TOTE]
    contents: dict[int, list[str]] = defaultdict(list)
    if totes:
        for tote_id, sscc, number in (
            Parcel.objects.filter(tote_id__in=totes)
            .order_by("pk")
            .values_list("tote_id", "sscc", "order__number")
        ):
            contents[tote_id].append(f"{sscc} · {number}" if number else sscc)
    return contents


def _render(request: HttpRequest, parcels: list[Parcel]) -> HttpResponse:
    site_root = request.build_absolute_uri("/")
    contents = _contents(parcels)
    labels: list[Label] = [
        label_for(parcel, site_root=site_root, contents=contents.get(parcel.pk))
        for parcel in parcels
    ]
    paper = _paper(request)
    sheets = (
        [
            labels[start : start + LABELS_PER_SHEET]
            for start in range(0, len(labels), LABELS_PER_SHEET)
        ]
        if paper == "a4"
        else [[label] for label in labels]
    )
    query = "&".join(f"parcel={parcel.pk}" for parcel in parcels)
    return render(
        request,
        "logistics/hub/labels.html",
        {"sheets": sheets, "paper": paper, "query": query, "count": len(labels)},
    )


@login_required
@domain_errors_as_pages
def parcel_label(request: HttpRequest, parcel_id: int) -> HttpResponse:
    """One parcel's label."""
    return _render(request, [access_parcel(_person(request), parcel_id)])


@login_required
@domain_errors_as_pages
def parcel_labels(request: HttpRequest) -> HttpResponse:
    """Labels of several parcels (`?parcel=1&parcel=2`), in the order given. A parcel the
    person may not see is the same 404 as a missing one."""
    user = _person(request)
    raw = request.GET.getlist("parcel")[: MAX_BATCH + 1]
    if not raw:
        raise ValidationFailed(_("Choose the parcels to print labels for."), field="parcel")
    if len(raw) > MAX_BATCH:
        raise ValidationFailed(
            _("Print at most %(count)d labels at once.") % {"count": MAX_BATCH}, field="parcel"
        )
    if not all(value.isascii() and value.isdigit() and len(value) < 19 for value in raw):
        raise NotFound(_("No such parcel."))
    ids = list(dict.fromkeys(int(value) for value in raw))
    found = {
        parcel.pk: parcel
        for parcel in Parcel.objects.select_related(
            "county", "order", "destination_point", "origin_point"
        ).filter(pk__in=ids, county=home_county(user))
    }
    parcels = [found[pk] for pk in ids if pk in found]
    if len(parcels) != len(ids) or not all(
        allowed(user, "logistics.view_parcel", parcel) for parcel in parcels
    ):
        raise NotFound(_("No such parcel."))
    return _render(request, parcels)


urlpatterns = [
    path("hub/parcels/<int:parcel_id>/label/", parcel_label, name="hub-label"),
    path("hub/labels/", parcel_labels, name="hub-labels"),
]
