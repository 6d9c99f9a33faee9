"""Events recorded offline arrive in any order: whatever the order of arrival, the parcel
ends with the same status and its order with the same status, moved once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from highland.core.models import AuditRecord
from highland.logistics.models import Parcel
from highland.logistics.services.tracking import KIND_RANK
from highland.logistics.tests.tracking_helpers import bus, minutes_ago, record, shelf, van
from highland.orders.models import Order

ZHAGA = "LT-S01-V01"
FIXTURES_PER_TEST = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


def _details(demo: Any, kind: str) -> dict[str, Any]:
    return {
        "put_away": {"location": shelf(demo)},
        "picked": {"location": shelf(demo, "A-02")},
        "sorted": {"location": shelf(demo, "A-03")},
        "loaded": {"vehicle": van(demo)},
        "handed_to_bus": {"bus_line": bus(demo)},
        "arrived_at_point": {"point": demo.point(ZHAGA)},
        "delivery_failed": {"point": demo.point(ZHAGA), "reason": "收件人不在"},
    }.get(kind, {})


def _actor(demo: Any, kind: str) -> Any:
    if kind in ("arrived_at_point", "delivery_failed", "picked_up"):
        return demo.user("village_agent")
    if kind in ("loaded", "handed_to_bus"):
        return demo.user("driver")
    return demo.user("operator")


JOURNEY = ["received_at_hub", "put_away", "picked", "loaded", "arrived_at_point", "picked_up"]


@settings(max_examples=8, deadline=None, suppress_health_check=FIXTURES_PER_TEST)
@given(arrival=st.permutations(range(len(JOURNEY))))
def test_a_whole_journey_arriving_in_any_order_ends_delivered(
    demo, parcel_factory, arrival
) -> None:
    # given a parcel's journey, one event every three minutes, ending with the pickup
    parcel = parcel_factory.order_parcel()
    order = Order.objects.get(pk=parcel.order_id)
    start = minutes_ago(20)
    times = [start + dt.timedelta(minutes=3 * step) for step in range(len(JOURNEY))]
    # when the devices upload the events in the drawn order
    for index in arrival:
        kind = JOURNEY[index]
        details = _details(demo, kind)
        if kind == "picked_up":
            details = {"point": demo.point(ZHAGA), "pickup_code": order.pickup_code}
        record(parcel, kind, _actor(demo, kind), at=times[index], **details)
    # then the parcel is picked up as of the last event, the order delivered, each move once
    parcel.refresh_from_db()
    order.refresh_from_db()
    assert (parcel.status, parcel.status_at) == ("picked_up", times[-1])
    assert order.status == "delivered"
    for action in ("orders.order.shipped", "orders.order.picked_up"):
        assert AuditRecord.objects.filter(action=action, object_id=str(order.pk)).count() == 1


WITHOUT_PROOF = [
    "received_at_hub",
    "sorted",
    "put_away",
    "picked",
    "packed",
    "loaded",
    "handed_to_bus",
    "arrived_at_point",
    "delivery_failed",
]


@settings(max_examples=10, deadline=None, suppress_health_check=FIXTURES_PER_TEST)
@given(
    events=st.lists(
        st.tuples(st.sampled_from(WITHOUT_PROOF), st.integers(min_value=0, max_value=5)),
        min_size=1,
        max_size=6,
    ),
    data=st.data(),
)
def test_the_status_is_the_latest_event_whatever_the_order_of_arrival(
    demo, parcel_factory, events, data
) -> None:
    # given events on a few instants (ties included) and an order of arrival
    parcel = parcel_factory.order_parcel()
    start = minutes_ago(20)
    arrival = data.draw(st.permutations(range(len(events))))
    for index in arrival:
        kind, minute = events[index]
        record(
            parcel,
            kind,
            _actor(demo, kind),
            at=start + dt.timedelta(minutes=minute),
            **_details(demo, kind),
        )
    # then the status is the kind of the latest event, ties by the lifecycle order
    kind, minute = max(events, key=lambda event: (event[1], KIND_RANK[event[0]]))
    parcel = Parcel.objects.get(pk=parcel.pk)
    assert (parcel.status, parcel.status_at) == (kind, start + dt.timedelta(minutes=minute))
    shipped = any(k in ("loaded", "handed_to_bus", "arrived_at_point") for k, _m in events)
    assert Order.objects.get(pk=parcel.order_id).status == ("shipped" if shipped else "packed")
