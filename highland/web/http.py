"""Turning domain errors into pages: 403 and 404 pages, or 400 with the message."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from highland.core.errors import DomainError

View = Callable[..., HttpResponse]


def domain_errors_as_pages(view: View) -> View:
    """A DomainError escaping the view becomes an error page with its status and message."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except DomainError as error:
            return render(request, "web/error.html", {"error": error}, status=error.status_code)

    return wrapper
