"""What a guest's session hands over to the person who signs in on it.

Signing in (the login form, or registering with a mobile number) gives the session a new
key, so what was kept under the guest's key would be lost. The sign-in views read the
guest's key before `login` and call `hand_over_guest_session` after it; apps register
what they keep per guest session in `guest_handovers` from `AppConfig.ready()` (orders:
the guest's cart joins the person's).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

from highland.core.hooks import Hook
from highland.core.models import County, User

# (the person's county, the guest's session key, the person): moves what the guest kept.
GuestHandover = Callable[[County, str, User], object]

guest_handovers: Hook[GuestHandover] = Hook("what a guest session hands over at sign-in")


def guest_session_key(request: HttpRequest) -> str:
    """The session's key before signing in: read it before `login` changes it."""
    return request.session.session_key or ""


def hand_over_guest_session(guest_session: str, person: object) -> None:
    """Run every registered handover for a person who just signed in on `guest_session`."""
    if not guest_session or not isinstance(person, User) or person.county is None:
        return
    for handover in guest_handovers.values():
        handover(person.county, guest_session, person)
