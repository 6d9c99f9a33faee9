"""Why a plan is as it is, in the reader's language: unserved points, bus or van choices
and failed runs. The plan stores codes and facts (times, SSCCs, amounts); each page and
API answer builds the sentence when it is read."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from highland.core.money import format_fen
from highland.logistics.models import BusChoice, PlanningRun, UnservedStop
from highland.network.models import Weekday


def _kg(grams: int) -> str:
    return f"{grams / 1000:.1f}".rstrip("0").rstrip(".")


def _codes(details: dict[str, Any]) -> str:
    ssccs = [str(code) for code in details.get("ssccs", [])]
    shown = ", ".join(ssccs[:5])
    if len(ssccs) > 5:
        shown += " …"
    return shown


def unserved_message(entry: UnservedStop) -> str:
    """One sentence naming the point and why the plan leaves it (or its parcels)."""
    point = entry.point.name
    details: dict[str, Any] = entry.details or {}
    reason = entry.reason
    if reason == "closed":
        weekday = Weekday(int(details.get("weekday", 0))).label
        return _("%(point)s is closed on %(weekday)s.") % {"point": point, "weekday": weekday}
    if reason == "unreachable":
        closures = details.get("closures") or []
        if closures:
            roads = "; ".join(
                _("%(road)s is closed (%(reason)s)") % {"road": c["road"], "reason": c["reason"]}
                for c in closures
            )
            return _("%(point)s cannot be reached: %(closures)s.") % {
                "point": point,
                "closures": roads,
            }
        return _("%(point)s cannot be reached: no open road leads there.") % {"point": point}
    if reason == "window_impossible":
        periods = ", ".join(f"{opens}–{closes}" for opens, closes in details.get("periods", []))
        if periods:
            return _(
                "%(point)s is open %(periods)s; the earliest a vehicle can be there is "
                "%(earliest)s."
            ) % {"point": point, "periods": periods, "earliest": details.get("earliest", "")}
        return _(
            "No vehicle can be at %(point)s while it is open and be back within its shift."
        ) % {"point": point}
    if reason == "too_heavy":
        return _(
            "%(point)s: parcel %(codes)s is heavier or bigger than any vehicle carries "
            "(%(heaviest)s kg; the largest vehicle takes %(capacity)s kg)."
        ) % {
            "point": point,
            "codes": _codes(details),
            "heaviest": _kg(int(details.get("heaviest_g", entry.weight_g))),
            "capacity": _kg(int(details.get("capacity_g", 0))),
        }
    if reason == "needs_refrigeration":
        count = len(details.get("ssccs", []))
        return ngettext(
            "%(point)s: %(count)d chilled or frozen parcel needs a refrigerated vehicle, "
            "and none can take it.",
            "%(point)s: %(count)d chilled or frozen parcels need a refrigerated vehicle, "
            "and none can take them.",
            count,
        ) % {"point": point, "count": count}
    if details.get("bus_full"):
        return _("%(point)s: bus %(line)s was full when the plan was saved.") % {
            "point": point,
            "line": details["bus_full"],
        }
    return _("%(point)s: no vehicle had room or time for it within the shifts.") % {"point": point}


def bus_choice_message(choice: BusChoice) -> str:
    """Why the plan chose the bus or the van for a point on a bus line."""
    details: dict[str, Any] = choice.details or {}
    facts = {
        "line": details.get("line", choice.line.code),
        "arrives": details.get("arrives", ""),
        "fee": format_fen(choice.bus_fee_fen),
        "count": choice.parcel_count,
        "van": format_fen(choice.van_marginal_cost_fen or 0),
    }
    reason = choice.reason
    if reason == "bus_cheaper":
        return (
            ngettext(
                "Bus %(line)s, %(fee)s for %(count)d parcel, arrives %(arrives)s; the van stop "
                "would add %(van)s.",
                "Bus %(line)s, %(fee)s for %(count)d parcels, arrives %(arrives)s; the van stop "
                "would add %(van)s.",
                choice.parcel_count,
            )
            % facts
        )
    if reason == "van_cheaper":
        return (
            _("The van stop adds %(van)s; bus %(line)s would cost %(fee)s (arrives %(arrives)s).")
            % facts
        )
    if reason == "bus_only":
        return _("No van could serve it; bus %(line)s arrives %(arrives)s for %(fee)s.") % facts
    if reason == "bus_arrives_closed":
        return _("Bus %(line)s arrives %(arrives)s, when the point is closed.") % facts
    if reason == "bus_full":
        return _("Bus %(line)s has room for %(room)d more parcels, not %(parcels)d.") % {
            "line": facts["line"],
            "room": int(details.get("room", 0)),
            "parcels": int(details.get("parcels", choice.parcel_count)),
        }
    if reason == "cold_goods":
        return _("Chilled or frozen goods do not ride the bus.")
    if reason == "bus_full_at_booking":
        return _("Bus %(line)s was full when the plan was saved.") % facts
    return ""


def failure_message(run: PlanningRun) -> str:
    """Why a run failed, for the dispatcher."""
    code = run.failure_code
    if code == "stuck":
        return _(
            "The planner stopped without an answer (its worker may have restarted). "
            "Start the run again."
        )
    if code == "no_vehicle":
        return _("The county has no active vehicle to plan with. Add one on the vehicles page.")
    if code == "no_hub":
        return _("The county has no active county centre; the hub and the vans start there.")
    if code == "not_queued":
        return _("The run could not be handed to a worker: %(error)s") % {"error": run.message}
    return _("The planner failed: %(error)s") % {"error": run.message}
