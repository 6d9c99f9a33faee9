"""The back office lists tracking events read-only."""

from __future__ import annotations

from highland.core.models import User
from highland.logistics.tests.tracking_helpers import record, van


def test_tracking_events_are_listed_and_read_but_never_edited(demo, parcel_factory, client_as):
    parcel = parcel_factory.order_parcel()
    event = record(parcel, "loaded", demo.user("driver"), vehicle=van(demo)).event
    admin = User.objects.filter(is_superuser=True).first()
    client = client_as(admin)
    listing = client.get("/admin/logistics/trackingevent/", {"q": parcel.sscc})
    assert listing.status_code == 200 and parcel.sscc in listing.content.decode()
    page = client.get(f"/admin/logistics/trackingevent/{event.pk}/change/")
    assert page.status_code == 200
    assert client.get("/admin/logistics/trackingevent/add/").status_code == 403
    assert client.post(f"/admin/logistics/trackingevent/{event.pk}/delete/").status_code == 403
