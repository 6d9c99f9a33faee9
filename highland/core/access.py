"""Permission-checked fetches: missing and not-yours give the same 404."""

from __future__ import annotations

import re

from django.http import HttpRequest
from django.utils.translation import gettext as _

from highland.core.errors import NotFound, PermissionDenied
from highland.core.models import ApiToken, County, User
from highland.core.permissions import require


def access_api_token(user: User, token_id: int) -> ApiToken:
    require(user, "core.manage_api_tokens", user.county)
    token = ApiToken.objects.select_related("user", "county").filter(pk=token_id).first()
    if token is None or (not user.is_superuser and token.county_id != user.county_id):
        raise NotFound(_("No such token."))
    return token


def access_person(user: User, person_id: int) -> User:
    """A person of `user`'s county, for those who may see its people (403 otherwise); a
    missing person and one of another county give the same 404."""
    county = home_county(user)
    require(user, "core.view_people", county)
    person = User.objects.filter(pk=person_id, county=county).first()
    if person is None:
        raise NotFound(_("No such person."))
    return person


def home_county(user: User) -> County:
    """The county a person works in; pages and endpoints act only there."""
    if user.county is None:
        raise PermissionDenied(
            _("Your account belongs to no county. Ask the platform administrator to set one."),
            code="no_county",
        )
    return user.county


COUNTY_PARAMETER = "county"
COUNTY_CODE = re.compile(r"[0-9]{6}")


def site_county(request: HttpRequest) -> County | None:
    """The county this request's shop and sign-up pages serve, or None if the visitor
    must choose.

    One rule for pages and the API, without settings (a site-per-county mapping can
    replace it later):

    1. A logged-in person with a county sees their own county, whatever the URL says.
    2. Otherwise the county named by its administrative code in the `county` path
       parameter (a URL pattern with `<county>`) or the `?county=` query parameter.
       An unknown code gives None.
    3. Otherwise, if exactly one county exists, that one.
    4. Otherwise None: the page asks the visitor to choose a county.
    """
    user = getattr(request, "user", None)
    if isinstance(user, User) and user.is_authenticated and user.county_id is not None:
        return user.county
    match = getattr(request, "resolver_match", None)
    code = (match.kwargs.get(COUNTY_PARAMETER) if match else None) or request.GET.get(
        COUNTY_PARAMETER
    )
    if code:
        code = str(code).strip()[:6]
        # Codes are six ASCII digits; anything else (a NUL, which PostgreSQL refuses in a
        # query) names no county and never reaches the database.
        if not COUNTY_CODE.fullmatch(code):
            return None
        return County.objects.filter(code=code).first()
    counties = list(County.objects.order_by("code")[:2])
    return counties[0] if len(counties) == 1 else None
