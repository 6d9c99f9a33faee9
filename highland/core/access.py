"""Permission-checked fetches: missing and not-yours give the same 404."""

from __future__ import annotations

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
