"""The demo county's logistics: the hub's zones and locations, the carrier's vans and the
passenger bus lines, and the county's GS1 company prefix. Idempotent. Each part adds its
own loader here (roads, sensors) and `load_demo_logistics` calls them in order."""

from __future__ import annotations

from highland.core.models import County, Organisation, OrganisationType, User
from highland.logistics.demo_coldchain import load_demo_cold_chain
from highland.logistics.demo_plans import load_demo_plans
from highland.logistics.demo_roads import load_demo_roads
from highland.logistics.models import BusLine, HubLocation, HubZone, Vehicle
from highland.logistics.temperature import TemperatureClass

# A made-up prefix for the demo (GS1 China allocates 690–699; this one is not anybody's).
DEMO_GS1_PREFIX = "6999513"

DEMO_ZONES = [
    # code, class, zh, bo, en, locations
    ("A", TemperatureClass.AMBIENT, "常温区", "རང་བཞིན་དྲོད་ཚད་ཁུལ།", "Ambient", 6),
    ("C", TemperatureClass.CHILLED, "冷藏区", "གྲང་ཉར་ཁུལ།", "Chilled", 4),
    ("F", TemperatureClass.FROZEN, "冷冻区", "འཁྱགས་ཉར་ཁུལ།", "Frozen", 4),
]

DEMO_VEHICLES = [
    # plate, name, capacity kg, litres, refrigerated, shift min, fen/km, fen/h
    ("川R·L3341", "冷藏车 1", 1500, 8000, True, 600, 320, 6000),
    ("川R·L2760", "厢式货车 1", 2000, 10000, False, 600, 220, 4500),
    ("川R·L5102", "小面包车", 600, 3000, False, 540, 150, 4000),
]

DEMO_BUS_LINES = [
    # code, zh, bo, en, parcels per departure, fee fen
    ("B1", "理塘—奔戈客运班线", "ལི་ཐང་—དཔོན་སྒང་།", "Litang–Benge bus", 20, 500),
    ("B2", "理塘—村戈客运班线", "ལི་ཐང་—ཚུན་སྒང་།", "Litang–Cunge bus", 15, 600),
]


def load_demo_logistics(county: County, *, admin: User) -> dict[str, int]:
    """Create whatever of the demo county's logistics is missing; returns counts created."""
    created = {"hub_zones": 0, "vehicles": 0, "bus_lines": 0}
    created.update(load_demo_roads(county, admin=admin))
    if not county.gs1_company_prefix:
        county.gs1_company_prefix = DEMO_GS1_PREFIX
        county.save(update_fields=["gs1_company_prefix"])
    for code, temperature_class, zh, bo, en, location_count in DEMO_ZONES:
        zone, was_created = HubZone.objects.get_or_create(
            county=county,
            code=code,
            defaults={
                "temperature_class": temperature_class,
                "name_zh": zh,
                "name_bo": bo,
                "name_en": en,
            },
        )
        created["hub_zones"] += int(was_created)
        for number in range(1, location_count + 1):
            HubLocation.objects.get_or_create(
                county=county, code=f"{code}-{number:02d}", defaults={"zone": zone}
            )
    from highland.logistics.demo_hub import load_demo_hub

    created.update(load_demo_hub(county, admin=admin))
    carrier = Organisation.objects.filter(county=county, type=OrganisationType.CARRIER).first()
    if carrier is None:
        return created
    driver = User.objects.filter(username="driver").first()
    for plate, name, kg, litres, refrigerated, shift, per_km, per_hour in DEMO_VEHICLES:
        _vehicle, was_created = Vehicle.objects.get_or_create(
            county=county,
            plate=plate,
            defaults={
                "carrier": carrier,
                "name": name,
                "capacity_g": kg * 1000,
                "capacity_ml": litres * 1000,
                "refrigerated": refrigerated,
                "shift_minutes": shift,
                "cost_per_km_fen": per_km,
                "cost_per_hour_fen": per_hour,
                "driver": driver,
            },
        )
        created["vehicles"] += int(was_created)
    for code, zh, bo, en, capacity, fee in DEMO_BUS_LINES:
        _line, was_created = BusLine.objects.get_or_create(
            county=county,
            code=code,
            defaults={
                "carrier": carrier,
                "name_zh": zh,
                "name_bo": bo,
                "name_en": en,
                "parcel_capacity": capacity,
                "fee_per_parcel_fen": fee,
            },
        )
        created["bus_lines"] += int(was_created)
    created.update(load_demo_plans(county, admin=admin))
    created.update(load_demo_cold_chain(county, admin=admin))
    return created
