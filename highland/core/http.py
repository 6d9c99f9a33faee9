"""Turning domain errors into pages: 403 and 404 pages, or 400 with the message."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib import messages
from django.db.models.fields.files import FieldFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from highland.core.errors import DomainError, ValidationFailed

View = Callable[..., HttpResponse]
T = TypeVar("T")


def domain_errors_as_pages(view: View) -> View:
    """A DomainError escaping the view becomes an error page with its status and message."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except DomainError as error:
            return render(request, "web/error.html", {"error": error}, status=error.status_code)

    return wrapper


def run_action_and_redirect(
    request: HttpRequest,
    action: Callable[[], T],
    to: str,
    *args: object,
    success: str | Callable[[T], str],
) -> HttpResponse:
    """Run a one-button POST action, flash its outcome, and redirect as `redirect(to, *args)`.

    A refusal (any DomainError but 403 and 404) becomes an error flash on the page the
    button came from. PermissionDenied (403) and NotFound (404) are re-raised instead:
    they are not a refusal to show next to the button but a page the person may not see
    or that does not exist, so `domain_errors_as_pages` answers them with the error page
    and its status, and a flash never tells a stranger what the page holds.

    `success` is the flash after the action went through: a fixed text, or one made from
    the action's result.
    """
    try:
        result = action()
    except DomainError as error:
        if error.status_code in (403, 404):
            raise
        messages.error(request, error.message)
    else:
        messages.success(request, success(result) if callable(success) else success)
    return redirect(to, *args)


# Private files may stay in the browser's own cache, never in a shared one.
PRIVATE_CACHE_CONTROL = "private, max-age=3600"


def private_file_response(stored: FieldFile, *, content_type: str) -> HttpResponse:
    """A private upload; call only after checking access. Read whole: these are small
    WebP photos of a few dozen kilobytes."""
    with stored.open("rb") as file:
        response = HttpResponse(file.read(), content_type=content_type)
    response["Cache-Control"] = PRIVATE_CACHE_CONTROL
    return response


def posted_text(request: HttpRequest, name: str) -> str:
    """A text field a one-button form posts without a Django form around it.

    A NUL character is refused (PostgreSQL refuses it in any text), as a form field would.
    """
    value = request.POST.get(name, "")
    if "\x00" in value:
        raise ValidationFailed(_("Text may not contain NUL characters."), field=name)
    return value


def posted_next(request: HttpRequest, default: str) -> str:
    """Where a form's `next` field asks to go: a path on this site only, else `default`."""
    target = request.POST.get("next", "")
    if (
        target
        and "\x00" not in target
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return default
