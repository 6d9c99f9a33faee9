"""The open cold-chain alerts other pages show (the hub's and the dispatcher's)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from highland.core.models import County, User
from highland.core.permissions import allowed
from highland.logistics.coldchain.selectors import open_alerts


def cold_alerts_context(request: HttpRequest, user: User, county: County) -> dict[str, Any]:
    """Context for `logistics/coldchain/partials/open_alerts.html`: the open alerts for those
    who may see the cold chain (nothing for the rest), and whether they may acknowledge."""
    if not allowed(user, "logistics.view_cold_chain", county):
        return {"cold_alerts": None}
    return {
        "cold_alerts": open_alerts(county),
        "may_acknowledge": allowed(user, "logistics.acknowledge_alert", county),
        "next": request.get_full_path(),
    }
