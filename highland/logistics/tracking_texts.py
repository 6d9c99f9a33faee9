"""The text message of a parcel that has reached its pickup point: the buyer hears where
and with which code to pick it up. Queued in the tracking event's transaction (by an
in-transaction subscriber of `logistics.tracking_event.recorded`), sent after commit, once
per order."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext_noop

from highland.core.events import Event
from highland.logistics.models import ParcelStatus, TrackingEvent, TrackingEventKind
from highland.messaging.kinds import MessageKind, register_kind
from highland.messaging.services import language_for, queue_text_message
from highland.orders.models import Delivery, OrderStatus

PARCEL_ARRIVED = "logistics.parcel_arrived"
ARRIVAL_SUBSCRIBER = "logistics.arrival_text"


def register_kinds() -> None:
    register_kind(
        MessageKind(
            PARCEL_ARRIVED,
            gettext_noop(
                "Highland: your order %(number)s has arrived at %(point)s. Pick it up there "
                "with pickup code %(code)s."
            ),
            # The code hands the parcel over: operators see the message with it hidden.
            confidential=True,
        )
    )


def on_event_recorded(event: Event) -> None:
    """Subscriber: an order's parcel arrived at a point."""
    if event.payload.get("kind") == TrackingEventKind.ARRIVED_AT_POINT and event.payload.get(
        "order"
    ):
        queue_arrival_text(int(event.payload["event"]))


def queue_arrival_text(tracking_event_id: int) -> bool:
    """Text the buyer that their order waits at its pickup point; False when there is
    nothing to say (another point, already picked up or a later event, no phone).

    Call inside the tracking event's transaction.
    """
    tracking_event = TrackingEvent.objects.select_related(
        "parcel", "parcel__order__buyer", "parcel__order__pickup_point", "parcel__county"
    ).get(pk=tracking_event_id)
    parcel = tracking_event.parcel
    order = parcel.order
    if (
        order is None
        or order.delivery != Delivery.PICKUP
        or order.pickup_point is None
        or tracking_event.point_id != order.pickup_point_id
        # A late "arrived" after "picked up" says nothing new.
        or parcel.status != ParcelStatus.ARRIVED_AT_POINT
        or order.status != OrderStatus.SHIPPED
    ):
        return False
    phone = order.buyer.phone or order.recipient_phone
    if not phone:
        return False
    language = language_for(order.buyer, None)
    with translation.override(language):
        point = order.pickup_point.name
    queue_text_message(
        parcel.county,
        phone=phone,
        person=order.buyer,
        kind=PARCEL_ARRIVED,
        params={"number": order.number, "point": point, "code": order.pickup_code},
        dedupe_key=f"logistics.arrived:{order.number}",
        actor=tracking_event.actor,
        language=language,
    )
    return True
