"""What every page's chrome needs: the county, the person's roles and the menu."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from highland.core.menu import menu_for
from highland.core.models import Role, User
from highland.core.pagecache import PERSONAL_PAGES_SESSION_KEY
from highland.core.permissions import roles_of
from highland.orders.cart import line_count


def _cart_count(request: HttpRequest, user: User | None) -> int:
    """The header's cart count: the person's cart, or a guest's once they have one."""
    if user is not None:
        return line_count(user.county, user=user, session_key="")
    session = getattr(request, "session", None)
    if session is None or not session.get(PERSONAL_PAGES_SESSION_KEY):
        # Most visitors have no cart: no session read from the database, no query.
        return 0
    return line_count(None, user=None, session_key=session.session_key or "")


def chrome(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        return {
            "current_county": None,
            "menu": [],
            "current_roles": [],
            "cart_count": _cart_count(request, None),
        }
    county = user.county
    roles = roles_of(user, county)
    role_labels = dict(Role.choices)
    return {
        "current_county": county,
        # Each app registers its own entries (core.menu); web only shows them.
        "menu": menu_for(user, county, roles),
        "current_roles": [role_labels[role] for role in sorted(roles)],
        "cart_count": _cart_count(request, user),
    }
