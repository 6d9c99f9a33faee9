"""Test fixtures for cooperatives: rules, produce with grades and members, built straight
on the demo county's yak cooperative, plus a second cooperative for permission tests.

Made with the ORM, not the services, so every part's tests can start from the same
ground whatever the services they test.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from highland.catalog.models import Seller, SellerKind
from highland.coops.models import CooperativeRules, Grade, Member, PayoutMethod, Produce
from highland.core.models import County, Membership, Organisation, OrganisationType, Role, User
from highland.network.models import Resident, ServicePoint

RULES_FROM = dt.date(2026, 1, 1)


@dataclass
class CoopSetup:
    county: County
    cooperative: Organisation
    seller: Seller
    manager: User
    accountant: User
    rules: CooperativeRules
    yak: Produce  # graded by cut, no measurements
    matsutake: Produce  # graded by cap size, measures cap_mm and moisture_pct
    grades: dict[str, Grade]  # "YAK-A", "MT-B", ...
    members: list[Member] = field(default_factory=list)
    # Another cooperative of the same county, with its own manager and one member.
    other_cooperative: Organisation | None = None
    other_manager: User | None = None
    other_member: Member | None = None


def make_person(
    county: County, username: str, name: str, point: ServicePoint, **extra: str
) -> User:
    person = User.objects.create(username=username, display_name=name, county=county, **extra)
    person.set_unusable_password()
    person.save(update_fields=["password"])
    registrar = User.objects.get(username="village_agent")
    Resident.objects.create(
        county=county, person=person, point=point, household=name, registered_by=registrar
    )
    return person


def make_member(
    cooperative: Organisation,
    number: str,
    household: str,
    point: ServicePoint,
    *,
    head: User | None = None,
    phone: str = "",
    payout_method: str = PayoutMethod.CASH,
    joined_on: dt.date = RULES_FROM,
) -> Member:
    county = cooperative.county
    if head is None:
        head = make_person(county, f"m-{cooperative.pk}-{number}", household, point, phone=phone)
    account = "" if payout_method == PayoutMethod.CASH else "6228480000000000001"
    return Member.objects.create(
        county=county,
        cooperative=cooperative,
        number=number,
        household=household,
        head=head,
        national_id_masked="**************" + number[-4:].rjust(4, "0"),
        phone=phone,
        point=point,
        payout_method=payout_method,
        payout_bank="农村信用社" if payout_method == PayoutMethod.BANK else "",
        payout_account=account,
        joined_on=joined_on,
    )


def make_coop_setup(county: County) -> CoopSetup:
    """Rules from 2026-01-01 (fee 3 %, reserve 10 %, patronage 60 %), yak meat graded
    A/B/C (×1.2, ×1.0, ×0.8) and matsutake A/B/C (×1.5, ×1.0, ×0.6), and three members
    of the demo yak cooperative at two village points (the demo herder "member" heads the
    first household)."""
    cooperative = Organisation.objects.get(county=county, type=OrganisationType.COOPERATIVE)
    seller = Seller.objects.get(organisation=cooperative)
    manager = User.objects.get(username="coop_manager")
    accountant = User.objects.get(username="coop_accountant")
    rules = CooperativeRules.objects.create(
        county=county,
        cooperative=cooperative,
        effective_from=RULES_FROM,
        service_fee_bp=300,
        public_reserve_bp=1000,
        patronage_share_bp=6000,
        created_by=manager,
    )
    yak = Produce.objects.create(
        county=county,
        cooperative=cooperative,
        code="YAK",
        name_zh="牦牛肉",
        name_bo="གཡག་ཤ",
        name_en="Yak meat",
    )
    matsutake = Produce.objects.create(
        county=county,
        cooperative=cooperative,
        code="MT",
        name_zh="松茸",
        name_bo="ཤ་མོ་",
        name_en="Matsutake",
        attributes=[
            {
                "key": "cap_mm",
                "label_zh": "菌盖直径",
                "label_bo": "ཤ་མོའི་ཁེབས་",
                "label_en": "Cap size",
                "unit": "mm",
                "min": 10,
                "max": 200,
                "required": True,
            },
            {
                "key": "moisture_pct",
                "label_zh": "含水率",
                "label_bo": "རླན་ཚད་",
                "label_en": "Moisture",
                "unit": "%",
                "min": 0,
                "max": 100,
                "required": False,
            },
        ],
    )
    grades: dict[str, Grade] = {}
    for produce, prefix, factors in (
        (yak, "YAK", (12000, 10000, 8000)),
        (matsutake, "MT", (15000, 10000, 6000)),
    ):
        for position, (code, factor) in enumerate(zip("ABC", factors, strict=True)):
            grades[f"{prefix}-{code}"] = Grade.objects.create(
                county=county,
                rules=rules,
                produce=produce,
                code=code,
                label_zh=f"{code}级",
                label_bo=f"རིམ་པ་{code}",
                label_en=f"Grade {code}",
                factor_bp=factor,
                position=position,
            )
    v01 = ServicePoint.objects.get(county=county, code="LT-S01-V01")
    v02 = ServicePoint.objects.get(county=county, code="LT-S01-V02")
    members = [
        make_member(cooperative, "0001", "格桑家", v01, head=User.objects.get(username="member")),
        make_member(
            cooperative, "0002", "次仁家", v01, phone="13900000002", payout_method=PayoutMethod.BANK
        ),
        make_member(
            cooperative,
            "0003",
            "卓玛家",
            v02,
            phone="13900000003",
            payout_method=PayoutMethod.MOBILE,
        ),
    ]
    other = Organisation.objects.create(
        county=county,
        type=OrganisationType.COOPERATIVE,
        name_zh="理塘县松茸合作社",
        name_bo="ལི་ཐང་ཤ་མོ་མཉམ་ལས་ཁང་།",
        name_en="Litang Matsutake Cooperative",
    )
    Seller.objects.create(
        county=county, kind=SellerKind.ORGANISATION, organisation=other, name_zh=other.name_zh
    )
    other_manager = User.objects.create(username="other_coop_manager", county=county)
    Membership.objects.create(
        county=county, user=other_manager, organisation=other, role=Role.COOPERATIVE_MANAGER
    )
    other_member = make_member(other, "9001", "外社家", v02)
    return CoopSetup(
        county=county,
        cooperative=cooperative,
        seller=seller,
        manager=manager,
        accountant=accountant,
        rules=rules,
        yak=yak,
        matsutake=matsutake,
        grades=grades,
        members=members,
        other_cooperative=other,
        other_manager=other_manager,
        other_member=other_member,
    )
