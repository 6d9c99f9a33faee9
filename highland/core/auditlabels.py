"""What each audit action of core means, for people; registered in `CoreConfig.ready()`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "core.api_token.issued": _("Device token issued"),
    "core.api_token.revoked": _("Device token revoked"),
    "core.county.created": _("County created"),
    "core.county.updated": _("County details changed"),
    "core.county.transfer_account_set": _("Bank transfer account set"),
    "core.county.cash_hold_set": _("Cash hold at points set"),
    "core.membership.added": _("Role given"),
    "core.membership.ended": _("Role ended"),
    "core.organisation.created": _("Organisation created"),
    "core.organisation.updated": _("Organisation details changed"),
    "core.outbox.retried": _("Failed message sent again"),
    "core.person.language_set": _("Language chosen"),
    "core.person.login_unlocked": _("Login unlocked"),
    "core.person.password_reset": _("Password reset"),
    "core.person.registered": _("Person registered"),
    "core.person.updated": _("Person's details changed"),
}
