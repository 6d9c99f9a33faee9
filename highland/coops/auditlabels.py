"""What each audit action of the cooperatives means, for people."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ACTIONS: dict[str, str | Promise] = {
    # members and rules
    "coops.produce.added": _("Produce added"),
    "coops.produce.changed": _("Produce changed"),
    "coops.rules.added": _("Cooperative rules version added"),
    "coops.member.registered": _("Member household registered"),
    "coops.member.changed": _("Member household changed"),
    "coops.member.left": _("Member household left the cooperative"),
    "coops.capital.recorded": _("Capital contribution recorded"),
    "coops.members.imported": _("Member households imported from Excel"),
    # intake, lots, processing
    "coops.intake.recorded": _("Intake recorded"),
    "coops.intake.moved": _("Intake moved to another lot"),
    "coops.lot.closed": _("Produce lot closed"),
    "coops.lot.reopened": _("Produce lot reopened"),
    "coops.lot.stocked": _("Produce lot received into stock"),
    "coops.processing_run.recorded": _("Processing run recorded"),
    # settlement, payouts, surplus
    "coops.settlement.drafted": _("Settlement run drafted"),
    "coops.settlement.reviewed": _("Settlement run reviewed"),
    "coops.settlement.approved": _("Settlement run approved"),
    "coops.settlement.discarded": _("Settlement run discarded"),
    "coops.settlement.paid": _("Settlement run paid to members"),
    "coops.payout.handed_over": _("Member's cash payout handed over"),
    "coops.surplus.drafted": _("Annual surplus distribution drafted"),
    "coops.surplus.posted": _("Annual surplus distribution posted"),
}
