"""Permission-checked fetches: missing and not-yours give the same 404."""

from __future__ import annotations

from django.utils.translation import gettext as _

from highland.core.errors import NotFound
from highland.core.models import ApiToken, User
from highland.core.permissions import require


def access_api_token(user: User, token_id: int) -> ApiToken:
    require(user, "core.manage_api_tokens", user.county)
    token = ApiToken.objects.select_related("user", "county").filter(pk=token_id).first()
    if token is None or (not user.is_superuser and token.county_id != user.county_id):
        raise NotFound(_("No such token."))
    return token
