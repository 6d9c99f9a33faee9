"""What each audit action of the cooperatives means, for people."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ACTIONS: dict[str, str | Promise] = {
    # members and rules
    # intake, lots, processing
    "coops.intake.recorded": _("Intake recorded"),
    "coops.intake.moved": _("Intake moved to another lot"),
    "coops.lot.closed": _("Produce lot closed"),
    "coops.lot.reopened": _("Produce lot reopened"),
    "coops.lot.stocked": _("Produce lot received into stock"),
    "coops.processing_run.recorded": _("Processing run recorded"),
    # settlement, payouts, surplus
}
