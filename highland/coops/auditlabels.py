"""What each audit action of the cooperatives means, for people."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ACTIONS: dict[str, str | Promise] = {
    # members and rules
    # intake, lots, processing
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
