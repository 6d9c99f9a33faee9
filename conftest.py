"""Shared fixtures: the demo county, a second county, and clients logged in as anyone."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import translation

from highland.core.models import County, Membership, Organisation, OrganisationType, Role, User
from highland.network.models import ServicePoint, Tier
from highland.testing import CHENGDU_ADDRESS, OrderFactory, make_other_county_sku

# The real-browser harness: fixtures `phone_site` and `chromium` (highland/testing_browser.py).
pytest_plugins = ["highland.testing_browser"]

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
IN_CI = os.environ.get("CI", "").lower() == "true"


def need_server(available: bool, reason: str) -> None:
    """Skip when a server is absent, except under CI where its absence is a failure."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing server is a failure, not a skip)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: object) -> None:
    # Argon2 is right in production and slow on purpose; tests log in hundreds of times.
    settings.PASSWORD_HASHERS = FAST_HASHERS  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _planner_stops_by_iterations(settings: object) -> None:
    # Planning runs in tests stop after a fixed number of search iterations (their time
    # limit stays as a guard), so the plans do not depend on how busy the machine is.
    settings.PLANNER_MAX_ITERATIONS = 3000  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _no_page_cache(settings: object) -> Iterator[None]:
    # Tests read pages right after changing stock with queryset updates; the page cache
    # would rightly show those pages for a few more seconds. Its own tests turn it on.
    from django.core.cache import cache

    settings.PAGE_CACHE_SECONDS = 0  # type: ignore[attr-defined]
    cache.clear()
    yield


@pytest.fixture(scope="session")
def _session_private_media(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return tmp_path_factory.mktemp("private-media")


@pytest.fixture(autouse=True)
def _private_uploads_kept_apart(settings: object, _session_private_media: Any) -> None:
    # Evidence and consent photos written by tests never land in the checkout's var/.
    settings.PRIVATE_MEDIA_ROOT = _session_private_media  # type: ignore[attr-defined]


@pytest.fixture
def private_media_root(settings: object, tmp_path: Any) -> Any:
    """An empty PRIVATE_MEDIA_ROOT of this test's own, to look at what was stored."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"  # type: ignore[attr-defined]
    return tmp_path / "private"


@pytest.fixture(autouse=True)
def _english_messages() -> Iterator[None]:
    # Tests assert exact messages; they read them in English unless a test switches.
    with translation.override("en"):
        yield


@dataclass
class Demo:
    county: County

    def user(self, username: str) -> User:
        return User.objects.get(username=username)

    def point(self, code: str) -> ServicePoint:
        return ServicePoint.objects.get(county=self.county, code=code)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    """Load the demo county once; each test's transaction is rolled back over it."""
    from highland.demo import load_demo_county

    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        # The cooperatives' demo season is loaded by its own test; the rest build theirs.
        load_demo_county(with_cooperatives=False)


@pytest.fixture
def demo(db: None) -> Demo:
    from highland.demo import load_demo_county

    county = County.objects.filter(code="513334").first()
    if county is None:  # a transactional test flushed the tables: load again
        load_demo_county(with_cooperatives=False)
        county = County.objects.get(code="513334")
    return Demo(county=county)


@dataclass
class OtherCounty:
    county: County
    operator: User
    centre: ServicePoint


@pytest.fixture
def other_county(db: None) -> OtherCounty:
    """Hongyuan county (Aba), with one centre operator and its centre point."""
    county = County.objects.create(
        code="513233",
        name_zh="红原县",
        name_bo="རྨ་ཁོག་རྫོང་",
        name_en="Hongyuan County",
        prefecture_zh="阿坝藏族羌族自治州",
        prefecture_bo="རྔ་བ་བོད་རིགས་ཆང་རིགས་རང་སྐྱོང་ཁུལ།",
        prefecture_en="Ngawa Tibetan and Qiang Autonomous Prefecture",
    )
    organisation = Organisation.objects.create(
        county=county,
        type=OrganisationType.SERVICE_CENTRE,
        name_zh="红原县电商中心",
        name_bo="རྨ་ཁོག་ལྟེ་གནས།",
        name_en="Hongyuan Centre",
    )
    operator = User.objects.create_user("hongyuan_operator", password="pw-hongyuan", county=county)  # noqa: S106
    Membership.objects.create(
        county=county, user=operator, organisation=organisation, role=Role.CENTRE_OPERATOR
    )
    centre = ServicePoint.objects.create(
        county=county,
        code="HY-C",
        tier=Tier.COUNTY_CENTRE,
        name_zh="红原县中心",
        name_bo="ལྟེ་གནས།",
        name_en="Hongyuan Centre",
        township_zh="邛溪镇",
        latitude="32.790000",
        longitude="102.550000",
        altitude_m=3500,
    )
    return OtherCounty(county=county, operator=operator, centre=centre)


@pytest.fixture
def client_as(db: None) -> Callable[[User | None], Client]:
    """A test client logged in as `user` (anonymous for None), asking for English pages."""

    def make(user: User | None) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        if user is not None:
            client.force_login(user)
        return client

    return make


# --- factories every app's tests share (highland/testing.py) ----------------------------------


@pytest.fixture
def order_factory(demo: Demo) -> OrderFactory:
    return OrderFactory(demo)


@pytest.fixture
def paid_order(order_factory: OrderFactory) -> Any:
    """One brick of tea for the demo buyer, paid by confirmed bank transfer."""
    return order_factory.paid()


@pytest.fixture
def delivered_order(order_factory: OrderFactory) -> Any:
    """One brick of tea for the demo buyer, paid, packed, shipped and delivered today."""
    return order_factory.delivered()


@pytest.fixture
def other_county_catalogue(other_county: OtherCounty) -> Any:
    """Hongyuan's own shop: one herder household selling milk powder (¥50.00 a bag, 9 left)."""
    return make_other_county_sku(other_county.county, seller_member=other_county.operator)


@pytest.fixture
def chengdu_address() -> Any:
    """A buyer's address in Chengdu: outside the county, delivered by a carrier."""
    from highland.orders.services import DeliveryDetails

    return DeliveryDetails(**CHENGDU_ADDRESS)


@pytest.fixture
def village_pickup(demo: Demo) -> Any:
    """Pickup at the first village point of 奔戈乡 (LT-S01-V01)."""
    from highland.orders.services import DeliveryDetails

    return DeliveryDetails(
        method="pickup", recipient_name="格桑", pickup_point=demo.point("LT-S01-V01")
    )


@pytest.fixture
def coop(demo: Demo) -> Any:
    """The demo yak cooperative with rules, graded produce and three members, and a second
    cooperative with its own manager (highland/coops/testing.py)."""
    from highland.coops.testing import make_coop_setup

    return make_coop_setup(demo.county)


@pytest.fixture
def parcel_factory(demo: Demo, order_factory: OrderFactory) -> Any:
    """Packed orders for village points and their parcels (highland/logistics/testing.py)."""
    from highland.logistics.testing import ParcelFactory

    return ParcelFactory(demo, order_factory)


@pytest.fixture
def hub(demo: Demo) -> Any:
    """The demo hub: new lots to put away, locations by code (highland/logistics/hub_testing.py)."""
    from highland.logistics.hub_testing import HubFactory

    return HubFactory(demo)
