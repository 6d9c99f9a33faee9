"""Public uploads (product photos) at MEDIA_URL, in every profile.

Whitenoise serves only files collected at start, never uploads, so without this view
product photos had no URL in production. Only the folders in PUBLIC_MEDIA_PREFIXES
are served, and only as images: anything else under MEDIA_ROOT stays unreachable even
if it were put there by mistake. nginx may serve the same folders itself
(docs/deploy.md); private uploads live elsewhere (highland/core/storage.py).
"""

from __future__ import annotations

from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_safe

IMAGE_TYPES = {
    ".webp": "image/webp",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}
# A stored name is never reused for other content while in use; a day is safe and cheap.
PUBLIC_CACHE_CONTROL = "public, max-age=86400"


@require_safe
def public_media(request: HttpRequest, path: str) -> FileResponse:
    """A product photo or thumbnail; the same 404 for anything else."""
    content_type = IMAGE_TYPES.get(PurePosixPath(path).suffix.lower())
    if content_type is None or not path.startswith(tuple(settings.PUBLIC_MEDIA_PREFIXES)):
        raise Http404("No such photo.")
    try:
        if not default_storage.exists(path):
            raise Http404("No such photo.")
        stored = default_storage.open(path, "rb")
    except (SuspiciousFileOperation, OSError) as error:
        raise Http404("No such photo.") from error
    response = FileResponse(stored, content_type=content_type)
    response["Cache-Control"] = PUBLIC_CACHE_CONTROL
    return response
