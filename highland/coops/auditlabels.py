"""What each audit action of the cooperatives means, for people."""

from __future__ import annotations

from django.utils.functional import Promise

ACTIONS: dict[str, str | Promise] = {
    # members and rules
    # intake, lots, processing
    # settlement, payouts, surplus
}
