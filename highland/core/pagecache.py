"""A short-lived cache of whole shop pages for anonymous visitors.

A first-time visitor's category or product page is the same for everyone who asks for
the same path in the same language: no user, no cart, no messages. Rendering it costs
some 15 times a bare template page (SQL building across the multilingual catalogue and
template rendering, see docs/benchmarks.md), so a county's shop on a two-core server
would serve a few dozen such pages a second; from the cache it serves hundreds.

What keeps a cached page right:

* Only anonymous GET/HEAD requests without pending messages are served from or stored
  in the cache, and only 200 answers are stored. Logged-in people (sellers checking
  their own listings, agents, operators) always get a fresh page.
* The CSRF token differs per visitor, so pages are rendered with a marker where the
  token goes (see `csrf_marker`) and each visitor gets their own token substituted when
  the page is served: every form on a cached page works.
* Every service that changes what the shop shows (products, SKUs, stock, categories,
  sellers, photos, listing consents, service points, counties) calls `shop_changed`
  in its transaction; after commit the outbox bumps a generation number that is part
  of every key, so the next request renders afresh. With Redis as the cache (`REDIS_URL`) the
  generation is shared by every server process; with the in-process default, other
  processes notice within `PAGE_CACHE_SECONDS`.
* Stock taken by checkouts is *not* a change that drops pages: a flash sale would
  otherwise empty the cache on every order, just when it is needed. A cached page may
  therefore show "In stock" for up to `PAGE_CACHE_SECONDS` (10 s by default) after the
  last unit sold; checkout reserves stock atomically and refuses clearly, so a stale
  page never oversells.

`PAGE_CACHE_SECONDS = 0` turns the cache off (the test suite does, except in the tests
of this module).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import translation

from highland.core import events
from highland.core.models import County

GENERATION_KEY = "highland:pagecache:generation"
KEY_PREFIX = "highland:page"
# Plain letters and hyphens: survives HTML escaping unchanged, never occurs in a page.
CSRF_MARKER = "highland-page-cache-csrf-token-marker"
RENDERING_FOR_CACHE = "_highland_rendering_for_page_cache"

View = Callable[..., HttpResponse]


def page_cache_seconds() -> int:
    return int(getattr(settings, "PAGE_CACHE_SECONDS", 0))


def _generation() -> int:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        # A start value never used before, so pages cached under an older generation
        # (say, before the cache lost the key) cannot be mistaken for current ones.
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
        generation = cache.get(GENERATION_KEY, 0)
    return int(generation)


SHOP_CHANGED = "core.shop_pages.changed"


def shop_changed(county: County | None) -> None:
    """Say that what the shop pages show has changed. Call inside the service's transaction.

    The page cache drops its pages after commit, through the outbox (the
    `core.pagecache.drop` subscriber), not before: a request rendering between a drop and
    the commit would read the old rows and cache them under the new generation.
    """
    events.emit(SHOP_CHANGED, {}, county=county)


def drop_cached_pages(_event: events.Event) -> None:
    """The outbox delivery of SHOP_CHANGED."""
    invalidate_cached_pages()


def invalidate_cached_pages() -> None:
    """Make every cached page stale: the next request for each renders it afresh."""
    # No generation yet means nothing is cached: the first page stored will set one.
    with contextlib.suppress(ValueError):
        cache.incr(GENERATION_KEY)


# Set in a visitor's session once their pages show something of their own (a guest cart
# and its count in the header): they get fresh pages from then on.
PERSONAL_PAGES_SESSION_KEY = "highland.personal_pages"


def _cacheable(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    user = getattr(request, "user", None)
    if user is None or user.is_authenticated:
        return False
    session = getattr(request, "session", None)
    if session is not None and session.get(PERSONAL_PAGES_SESSION_KEY):
        return False
    # A pending message ("added to the cart") belongs to this visitor's next page.
    return len(get_messages(request)) == 0


def _key(request: HttpRequest) -> str:
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    host = request.get_host()
    language = translation.get_language() or settings.LANGUAGE_CODE
    return f"{KEY_PREFIX}:{_generation()}:{host}:{language}:{path}"


def _serve(request: HttpRequest, cached: tuple[str, str]) -> HttpResponse:
    content, content_type = cached
    # One token for every form on the page, as Django's own rendering does; get_token
    # also makes CsrfViewMiddleware set the visitor's CSRF cookie.
    return HttpResponse(content.replace(CSRF_MARKER, get_token(request)), content_type=content_type)


def anonymous_page_cache(view: View) -> View:
    """Serve `view`'s page to anonymous visitors from the cache (see the module's doc)."""

    @functools.wraps(view)
    def cached_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        seconds = page_cache_seconds()
        if seconds <= 0 or not _cacheable(request):
            return view(request, *args, **kwargs)
        key = _key(request)
        cached = cache.get(key)
        if cached is not None:
            return _serve(request, cached)
        setattr(request, RENDERING_FOR_CACHE, True)
        try:
            response = view(request, *args, **kwargs)
        finally:
            setattr(request, RENDERING_FOR_CACHE, False)
        if response.status_code != 200 or response.streaming or response.cookies:
            # Not stored; a page rendered with the marker still needs the real token.
            return _with_token(request, response)
        entry = (response.content.decode(response.charset), response["Content-Type"])
        cache.set(key, entry, timeout=seconds)
        return _serve(request, entry)

    return cached_view


def _with_token(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if response.streaming:
        return response
    marker = CSRF_MARKER.encode()
    if marker in response.content:
        response.content = response.content.replace(marker, get_token(request).encode())
    return response


def csrf_marker(request: HttpRequest) -> dict[str, str]:
    """Template context processor: the marker instead of the CSRF token while a page is
    rendered for the cache. Listed after Django's own CSRF processor, so it wins."""
    if getattr(request, RENDERING_FOR_CACHE, False):
        return {"csrf_token": CSRF_MARKER}
    return {}
