"""The demo county: Litang (理塘县), its centre, township stations, village points and
one demo person for every role. Loading twice changes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from highland.catalog.demo import load_demo_catalogue
from highland.core import services as core_services
from highland.core.models import County, Organisation, OrganisationType, Role, User
from highland.core.services import set_transfer_account
from highland.network import demo_data
from highland.network import services as network_services
from highland.network.models import Resident, Service, ServicePoint, Tier
from highland.orders.demo import load_demo_shipping_rates

DEMO_PASSWORD = "highland-demo"  # noqa: S105 - printed for the demo logins on purpose
PLATFORM_ADMIN = "admin"

CENTRE_SERVICES = list(Service.values)
STATION_SERVICES = [
    Service.AGENCY_PURCHASE,
    Service.AGENCY_SALE,
    Service.PARCEL_DROP_OFF,
    Service.PARCEL_PICKUP,
    Service.PAYMENT_COLLECTION,
    Service.TRAINING,
    Service.BILL_PAYMENT,
]
VILLAGE_SERVICES = [
    Service.AGENCY_PURCHASE,
    Service.AGENCY_SALE,
    Service.PARCEL_PICKUP,
    Service.PAYMENT_COLLECTION,
]

ORGANISATIONS: list[dict[str, str]] = [
    {
        "key": "bureau",
        "type": OrganisationType.COMMERCE_BUREAU,
        "name_zh": "理塘县商务局",
        "name_bo": "ལི་ཐང་རྫོང་ཚོང་ལས་ཅུས།",
        "name_en": "Litang County Commerce Bureau",
    },
    {
        "key": "centre",
        "type": OrganisationType.SERVICE_CENTRE,
        "name_zh": "理塘县电子商务公共服务中心",
        "name_bo": "ལི་ཐང་རྫོང་གློག་རྡུལ་ཚོང་ལས་སྤྱི་པའི་ཞབས་ཞུ་ལྟེ་གནས།",
        "name_en": "Litang County E-commerce Public Service Centre",
    },
    {
        "key": "coop",
        "type": OrganisationType.COOPERATIVE,
        "name_zh": "理塘县奔戈乡牦牛养殖专业合作社",
        "name_bo": "ལི་ཐང་རྫོང་དཔོན་སྒར་ཤང་གཡག་གསོ་སྐྱོང་མཉམ་ལས་ཁང་།",
        "name_en": "Benge Township Yak Herders' Cooperative",
    },
    {
        "key": "enterprise",
        "type": OrganisationType.ENTERPRISE,
        "name_zh": "理塘县高原特产有限公司",
        "name_bo": "ལི་ཐང་རྫོང་མཐོ་སྒང་ཐོན་དངོས་ཚད་ཡོད་ཀུང་སི།",
        "name_en": "Litang Plateau Specialities Co., Ltd.",
    },
    {
        "key": "carrier",
        "type": OrganisationType.CARRIER,
        "name_zh": "理塘县城乡客运公司",
        "name_bo": "ལི་ཐང་རྫོང་གྲོང་ཁྱེར་དང་གྲོང་གསེབ་འགྲུལ་སྐྱོད་ཀུང་སི།",
        "name_en": "Litang Town and Country Bus Company",
    },
    {
        "key": "bank",
        "type": OrganisationType.BANK,
        "name_zh": "理塘县农村信用合作联社",
        "name_bo": "ལི་ཐང་རྫོང་གྲོང་གསེབ་དངུལ་བུན་མཉམ་ལས་ཁང་།",
        "name_en": "Litang Rural Credit Cooperative Union",
    },
    {
        "key": "training",
        "type": OrganisationType.TRAINING_PROVIDER,
        "name_zh": "理塘县职业技术培训学校",
        "name_bo": "ལི་ཐང་རྫོང་ལས་རིགས་ལག་རྩལ་སྦྱོང་བརྡར་སློབ་གྲྭ།",
        "name_en": "Litang Vocational Training School",
    },
]


@dataclass(frozen=True)
class DemoPerson:
    username: str
    display_name: str
    role: str
    organisation: str | None  # key in ORGANISATIONS, "station:<code>", or None
    phone: str = ""


DEMO_PEOPLE: list[DemoPerson] = [
    DemoPerson("official", "扎西 (商务局)", Role.COUNTY_OFFICIAL, "bureau", "13800000001"),
    DemoPerson("operator", "卓玛 (服务中心)", Role.CENTRE_OPERATOR, "centre", "13800000002"),
    DemoPerson("agent", "次仁 (奔戈乡站)", Role.STATION_AGENT, "station:LT-S01", "13800000003"),
    DemoPerson(
        "village_agent", "拉姆 (扎嘎村)", Role.STATION_AGENT, "station:LT-S01", "13800000004"
    ),
    DemoPerson("coop_manager", "多吉 (合作社)", Role.COOPERATIVE_MANAGER, "coop", "13800000005"),
    DemoPerson(
        "coop_accountant", "央金 (合作社会计)", Role.COOPERATIVE_ACCOUNTANT, "coop", "13800000006"
    ),
    DemoPerson("member", "格桑 (牧户)", Role.MEMBER, "coop"),
    DemoPerson("seller", "王芳 (高原特产)", Role.SELLER_STAFF, "enterprise", "13800000008"),
    DemoPerson("dispatcher", "李强 (调度)", Role.CARRIER_DISPATCHER, "carrier", "13800000009"),
    DemoPerson("driver", "泽仁 (客车司机)", Role.DRIVER, "carrier", "13800000010"),
    DemoPerson("banker", "张敏 (信用社)", Role.BANK_OFFICER, "bank", "13800000011"),
    DemoPerson("trainer", "邓珠 (培训)", Role.TRAINER, "training", "13800000012"),
    DemoPerson("buyer", "陈静 (成都买家)", Role.BUYER, None, "13800000013"),
]

# Which point each agent serves.
AGENT_POINTS = {"agent": ["LT-S01"], "village_agent": ["LT-S01-V01", "LT-S01-V02"]}
# Where demo villagers live: their point's agents (and its station's) order for them.
RESIDENCES = {"member": "LT-S01-V01"}

WEEKDAYS = range(7)


def _hours(tier: str) -> list[tuple[int, dt.time, dt.time]]:
    if tier == Tier.VILLAGE_POINT:
        # Village points open in the morning and evening, around herding work.
        return [(day, dt.time(8, 0), dt.time(11, 0)) for day in WEEKDAYS] + [
            (day, dt.time(18, 0), dt.time(21, 0)) for day in WEEKDAYS
        ]
    return [(day, dt.time(9, 0), dt.time(18, 0)) for day in WEEKDAYS if day < 6]


def _platform_admin(county: County) -> User:
    admin = User.objects.filter(username=PLATFORM_ADMIN).first()
    if admin is None:
        admin = User.objects.create_superuser(PLATFORM_ADMIN, password=DEMO_PASSWORD)
        admin.display_name = "Platform admin"
        # Its home county is the demo county, so the county pages open for it too.
        admin.county = county
        admin.save(update_fields=["display_name", "county"])
    return admin


def _point(
    county: County,
    admin: User,
    tier: str,
    parent: ServicePoint | None,
    data: dict[str, Any],
    organisation: Organisation | None,
    services: Sequence[str],
) -> tuple[ServicePoint, bool]:
    existing = ServicePoint.objects.filter(county=county, code=data["code"]).first()
    if existing is not None:
        return existing, False
    if tier == Tier.VILLAGE_POINT:
        names = {
            "name_zh": f"{data['village_zh']}服务点",
            "name_bo": f"{data['village_bo']} ཞབས་ཞུ་ས་ཚིགས།",
            "name_en": f"{data['village_en']} Service Point",
        }
        place = {
            "village_zh": data["village_zh"],
            "village_bo": data["village_bo"],
            "village_en": data["village_en"],
            "township_zh": parent.township_zh if parent else "",
            "township_bo": parent.township_bo if parent else "",
            "township_en": parent.township_en if parent else "",
        }
    else:
        names = {key: data[key] for key in ("name_zh", "name_bo", "name_en")}
        place = {key: data[key] for key in ("township_zh", "township_bo", "township_en")}
    details = network_services.PointDetails(
        tier=tier,
        code=data["code"],
        parent=parent,
        latitude=data["latitude"],
        longitude=data["longitude"],
        altitude_m=data["altitude_m"],
        connectivity=data["connectivity"],
        connectivity_stable=data["connectivity_stable"],
        services=list(services),
        organisation=organisation,
        **names,
        **place,
    )
    point = network_services.create_service_point(county, details, actor=admin)
    network_services.set_opening_hours(point, _hours(tier), actor=admin)
    return point, True


@transaction.atomic
def load_demo_county(*, with_cooperatives: bool = True) -> dict[str, int]:
    """Create whatever of the demo county is missing; returns counts of what was created.

    `with_cooperatives=False` leaves out the cooperatives' members, intakes and
    settlement (the test suite builds its own cooperative fixtures on the rest)."""
    created = {"counties": 0, "organisations": 0, "people": 0, "points": 0}
    county_data = demo_data.COUNTY
    county, county_created = County.objects.get_or_create(
        code=county_data["code"],
        defaults={
            key: county_data[key]
            for key in (
                "name_zh",
                "name_bo",
                "name_en",
                "prefecture_zh",
                "prefecture_bo",
                "prefecture_en",
            )
        },
    )
    created["counties"] += int(county_created)
    admin = _platform_admin(county)
    if not county.transfer_account_number:
        # A made-up account for the demo (not a real one): buyers paying by transfer see it.
        set_transfer_account(
            county,
            account_name="理塘县电子商务公共服务中心（演示）",
            bank="中国农业银行理塘县支行（演示）",
            account_number="6228 4800 0000 0513 334",
            hold_hours=48,
            actor=admin,
        )

    organisations: dict[str, Organisation] = {}
    for spec in ORGANISATIONS:
        organisation = Organisation.objects.filter(
            county=county, type=spec["type"], name_zh=spec["name_zh"]
        ).first()
        if organisation is None:
            organisation = core_services.create_organisation(
                county,
                actor=admin,
                type=spec["type"],
                name_zh=spec["name_zh"],
                name_bo=spec["name_bo"],
                name_en=spec["name_en"],
            )
            created["organisations"] += 1
        organisations[spec["key"]] = organisation

    centre, was_created = _point(
        county,
        admin,
        Tier.COUNTY_CENTRE,
        None,
        demo_data.CENTRE,
        organisations["centre"],
        CENTRE_SERVICES,
    )
    created["points"] += int(was_created)
    for station_data in demo_data.STATIONS:
        organisation = Organisation.objects.filter(
            county=county, type=OrganisationType.SERVICE_STATION, name_zh=station_data["name_zh"]
        ).first()
        if organisation is None:
            organisation = core_services.create_organisation(
                county,
                actor=admin,
                type=OrganisationType.SERVICE_STATION,
                name_zh=station_data["name_zh"],
                name_bo=station_data["name_bo"],
                name_en=station_data["name_en"],
            )
            created["organisations"] += 1
        organisations[f"station:{station_data['code']}"] = organisation
        station, was_created = _point(
            county,
            admin,
            Tier.TOWNSHIP_STATION,
            centre,
            station_data,
            organisation,
            STATION_SERVICES,
        )
        created["points"] += int(was_created)
        for village_data in station_data["villages"]:
            _village, was_created = _point(
                county,
                admin,
                Tier.VILLAGE_POINT,
                station,
                village_data,
                organisation,
                VILLAGE_SERVICES,
            )
            created["points"] += int(was_created)

    for person_spec in DEMO_PEOPLE:
        person = User.objects.filter(username=person_spec.username).first()
        if person is None:
            person = core_services.register_person(
                county,
                actor=admin,
                username=person_spec.username,
                display_name=person_spec.display_name,
                phone=person_spec.phone,
                password=DEMO_PASSWORD,
            )
            core_services.add_membership(
                person,
                actor=admin,
                role=person_spec.role,
                county=county,
                organisation=organisations[person_spec.organisation]
                if person_spec.organisation
                else None,
            )
            created["people"] += 1
        for code in AGENT_POINTS.get(person_spec.username, []):
            point = ServicePoint.objects.get(county=county, code=code)
            if not point.agents.filter(pk=person.pk).exists():
                network_services.assign_agent(point, person, actor=admin)
        if person_spec.username in RESIDENCES:
            # A demo person who already has a login: registering a villager creates a
            # new person, so only the residence is recorded here.
            Resident.objects.get_or_create(
                person=person,
                defaults={
                    "county": county,
                    "point": ServicePoint.objects.get(
                        county=county, code=RESIDENCES[person_spec.username]
                    ),
                    "registered_by": admin,
                },
            )
    catalogue = load_demo_catalogue(county)
    created["products"] = catalogue["products"]
    created["shipping_rates"] = load_demo_shipping_rates(county)
    from highland.logistics.demo import load_demo_logistics

    created.update(load_demo_logistics(county, admin=admin))
    if with_cooperatives:
        from highland.coops.demo import load_demo_cooperatives

        created.update(load_demo_cooperatives(county, password=DEMO_PASSWORD))
    return created
