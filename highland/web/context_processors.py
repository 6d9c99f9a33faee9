"""What every page's chrome needs: the county, the person's roles and the menu."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from highland.core.menu import menu_for
from highland.core.models import Role, User
from highland.core.permissions import roles_of


def chrome(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        return {"current_county": None, "menu": [], "current_roles": []}
    county = user.county
    roles = roles_of(user, county)
    role_labels = dict(Role.choices)
    return {
        "current_county": county,
        # Each app registers its own entries (core.menu); web only shows them.
        "menu": menu_for(user, county, roles),
        "current_roles": [role_labels[role] for role in sorted(roles)],
    }
