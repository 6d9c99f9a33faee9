"""The text-message list and the gateway's delivery reports; thin wrappers over services."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from highland.core.access import home_county
from highland.core.http import domain_errors_as_pages
from highland.core.models import User
from highland.messaging import selectors, services

PAGE_SIZE = 50


@login_required
@domain_errors_as_pages
def message_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    county = home_county(user)
    messages = selectors.visible_messages(user, county).select_related("sender")
    page = Paginator(messages, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = [(message, services.shown_body(message)) for message in page]
    return render(request, "messaging/message_list.html", {"page": page, "shown": shown})


@csrf_exempt  # the gateway signs its reports; there is no browser session to protect
@require_POST
def delivery_reports(request: HttpRequest) -> HttpResponse:
    """The SMS gateway reports a message delivered or failed; answered `ok` once stored.

    The signature is checked before anything is read or stored; a report seen before
    changes nothing and is answered `ok` again, so the gateway stops retrying.
    """
    try:
        report = services.verify_delivery_report(request.headers, request.body)
    except services.BadReport as error:
        return HttpResponse(str(error), status=error.status, content_type="text/plain")
    services.record_delivery_report(report)
    return HttpResponse("ok", content_type="text/plain")
