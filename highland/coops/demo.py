"""The demo county's cooperatives: the Benge yak herders' cooperative and the Junba
matsutake cooperative, with rules, 30 member households, a season of intakes, one lot
processed into jerky and sold, and one settlement run paid to its members.

`load_demo_cooperatives(county, password)` runs after the demo catalogue exists; it
makes everything through the services (so the ledger, audit and texts are real) and does
nothing when the cooperatives' produce is already there.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from stdnum.cn import ric

from highland.catalog import services as catalog_services
from highland.catalog.models import (
    Category,
    ProductStatus,
    Seller,
    SellerKind,
    Sku,
    StockLot,
)
from highland.coops import demo_data as data
from highland.coops.models import (
    Intake,
    LotStatus,
    Member,
    PayoutMethod,
    Produce,
    ProduceLot,
)
from highland.coops.services import lots as lot_services
from highland.coops.services import members as member_services
from highland.coops.services import rules as rule_services
from highland.coops.services.intake import record_intake
from highland.core import services as core_services
from highland.core.models import County, Organisation, OrganisationType, User
from highland.network.models import ServicePoint

COUNTY_REGION = "513334"  # Litang: the first six digits of its residents' ID numbers
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@dataclass
class Cooperative:
    organisation: Organisation
    seller: Seller
    manager: User
    accountant: User
    produce: Produce
    members: list[Member]


def _national_id(serial: int, born: dt.date) -> str:
    stem = f"{COUNTY_REGION}{born:%Y%m%d}{serial % 1000:03d}"
    return stem + ric.calc_check_digit(stem + "0")  # stdnum reads the first 17 digits


def _at(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def _matsutake_cooperative(
    county: County, admin: User, password: str
) -> tuple[Organisation, Seller, User, User]:
    organisation = Organisation.objects.filter(
        county=county, type=OrganisationType.COOPERATIVE, name_zh=data.MATSUTAKE_COOP["name_zh"]
    ).first()
    if organisation is None:
        organisation = core_services.create_organisation(
            county, actor=admin, type=OrganisationType.COOPERATIVE, **data.MATSUTAKE_COOP
        )
    staff: dict[str, User] = {}
    for username, name, role, phone in data.MATSUTAKE_STAFF:
        person = User.objects.filter(username=username).first()
        if person is None:
            person = core_services.register_person(
                county,
                actor=admin,
                username=username,
                display_name=name,
                phone=phone,
                password=password,
            )
            core_services.add_membership(
                person, actor=admin, role=role, county=county, organisation=organisation
            )
        staff[role] = person
    seller = Seller.objects.filter(organisation=organisation).first()
    if seller is None:
        seller = catalog_services.register_seller(
            county,
            actor=admin,
            kind=SellerKind.ORGANISATION,
            organisation=organisation,
            name_zh=organisation.name_zh,
            name_bo=organisation.name_bo,
            name_en=organisation.name_en,
        )
    return organisation, seller, staff["cooperative_manager"], staff["cooperative_accountant"]


def _fresh_matsutake_sku(seller: Seller, actor: User) -> Sku:
    sku = Sku.objects.filter(county=seller.county, code="JB-SR-FROZEN").first()
    if sku is not None:
        return sku
    product = catalog_services.create_product(
        seller,
        catalog_services.ProductDetails(
            category=Category.objects.get(county=seller.county, code="mushrooms-herbs"),
            name_zh="君坝合作社速冻松茸",
            name_bo="ཅིན་པའི་ཤ་མོ་འཁྱགས་མ།",
            name_en="Junba cooperative frozen matsutake",
            description_zh="社员清晨采摘，当天在村服务点过磅分级，速冻保存，冷链发出。",
            description_bo="ཚོགས་མིས་ཞོགས་པར་བཏུས་ནས་ཉིན་དེར་གྲོང་ཚོའི་ས་ཚིགས་སུ་ཚད་འཇལ་རིམ་འབྱེད་བྱས་ཏེ་འཁྱགས་སུ་བཅུག",
            description_en="Picked at dawn by members, weighed and graded the same day at the "
            "village point, frozen at once, shipped in the cold chain.",
            storage_class="frozen",
            shelf_life_days=365,
        ),
        actor=actor,
    )
    sku = catalog_services.add_sku(
        product,
        catalog_services.SkuDetails(
            code="JB-SR-FROZEN",
            label_zh="一级速冻松茸（按斤）",
            label_bo="ཤ་མོ་རིམ་པ་དང་པོ།",
            label_en="Grade 1 frozen, by weight",
            price_fen=26000,
            selling_unit="weight",
        ),
        actor=actor,
    )
    catalog_services.change_product_status(product, ProductStatus.ACTIVE, actor=actor)
    return sku


def _rules_and_produce(
    organisation: Organisation,
    manager: User,
    *,
    code: str,
    names: dict[str, str],
    grades: list[data.GradeData],
    attributes: list[dict[str, object]],
) -> Produce:
    produce = rule_services.add_produce(
        organisation, code=code, names=names, attributes=attributes, actor=manager
    )
    rule_services.add_rules_version(
        organisation,
        effective_from=data.RULES_FROM,
        service_fee_bp=300,
        public_reserve_bp=1000,
        patronage_share_bp=6000,
        grades=[
            rule_services.GradeSpec(
                produce, g.code, g.label_zh, g.label_bo, g.label_en, g.factor_bp
            )
            for g in grades
        ],
        actor=manager,
    )
    return produce


def _members(
    organisation: Organisation,
    actor: User,
    heads: list[tuple[str, str]],
    points: list[ServicePoint],
    rng: random.Random,
    *,
    first_serial: int,
    head_of_first: User | None = None,
) -> list[Member]:
    members: list[Member] = []
    for index, (name_zh, _name_bo) in enumerate(heads):
        serial = first_serial + index
        method = (PayoutMethod.CASH, PayoutMethod.CASH, PayoutMethod.BANK, PayoutMethod.MOBILE)[
            index % 4
        ]
        has_phone = index % 3 != 1  # herders often share one phone: a third have none
        member = member_services.register_member(
            organisation,
            household=f"{name_zh}家",
            head=head_of_first if index == 0 else None,
            head_name="" if index == 0 and head_of_first else name_zh,
            national_id=_national_id(
                serial, dt.date(1960 + index % 35, 1 + index % 12, 1 + index % 27)
            ),
            phone=f"139{serial:08d}" if has_phone else "",
            point=points[index % len(points)],
            payout_method=method,
            payout_bank="理塘县农村信用合作联社" if method == PayoutMethod.BANK else "",
            payout_account=f"62284800{serial:010d}" if method != PayoutMethod.CASH else "",
            language="bo" if index % 2 else "zh-hans",
            joined_on=dt.date(2025, 3, 1),
            actor=actor,
        )
        member_services.record_capital_contribution(
            member,
            amount_fen=rng.choice((50000, 100000, 200000, 300000)),
            occurred_on=dt.date(2025, 3, 1),
            memo="入社股金",
            actor=actor,
        )
        members.append(member)
    return members


def _weigh(
    member: Member,
    produce: Produce,
    grade: str,
    net_g: int,
    when: dt.datetime,
    *,
    tare_g: int,
    attributes: dict[str, int],
    advance_fen: int,
    staff: User,
    agents: dict[int, User],
) -> Intake:
    agent = agents.get(member.point_id)
    return record_intake(
        member,
        produce=produce,
        grade_code=grade,
        gross_g=net_g + tare_g,
        tare_g=tare_g,
        attributes=attributes,
        # At a point with an agent the agent weighs there; elsewhere the yard does.
        point=member.point if agent else None,
        advance_fen=advance_fen if agent else 0,
        recorded_at=when,
        actor=agent or staff,
    )


def _matsutake_season(coop: Cooperative, agents: dict[int, User], rng: random.Random) -> None:
    for day in data.MATSUTAKE_DAYS:
        for index, member in enumerate(coop.members):
            if rng.random() < 0.25:
                continue  # not everyone finds matsutake every week
            cap_mm = rng.randint(30, 110)
            grade = "A" if cap_mm <= 50 else "B" if cap_mm <= 80 else "C"
            _weigh(
                member,
                coop.produce,
                grade,
                rng.randint(6, 60) * 50,
                _at(day, 7, 10 + index * 2),
                tare_g=150,
                attributes={"cap_mm": cap_mm, "moisture_pct": rng.randint(82, 92)},
                advance_fen=rng.choice((0, 0, 5000, 10000)),
                staff=coop.manager,
                agents=agents,
            )
    # The first week's grade 1 was frozen at once and goes on sale now, by weight.
    sku = _fresh_matsutake_sku(coop.seller, coop.manager)
    for lot in ProduceLot.objects.filter(cooperative=coop.organisation).order_by(
        "collected_on", "code"
    ):
        if lot.collected_on == data.MATSUTAKE_DAYS[-1]:
            continue  # the last collection day's lots are still open
        lot = lot_services.close_lot(lot, actor=coop.manager)
        if lot.collected_on == data.MATSUTAKE_DAYS[0] and lot.grade_code == "A":
            lot_services.receive_lot_into_stock(
                lot,
                sku=sku,
                quantity=lot_services.lot_net_g(lot),
                best_before=lot.collected_on + dt.timedelta(days=365),
                logistics_cost_fen=3000,
                actor=coop.manager,
            )


def _yak_season(coop: Cooperative, agents: dict[int, User], rng: random.Random) -> ProduceLot:
    """Two slaughter days; returns the loin lot of the first day (exactly 10 kg)."""
    first_day = data.YAK_DAYS[0]
    for index, grams in enumerate(data.YAK_JERKY_LOT_GRAMS):
        _weigh(
            coop.members[index],
            coop.produce,
            "A",
            grams,
            _at(first_day, 9, index * 5),
            tare_g=300,
            attributes={},
            advance_fen=(20000, 0, 15000)[index],
            staff=coop.manager,
            agents=agents,
        )
    loin = Intake.objects.filter(member=coop.members[0], produce=coop.produce).get().lot
    assert loin is not None
    # The manager closes the loin lot for jerky; later loin goes into a lot of its own.
    loin = lot_services.close_lot(loin, actor=coop.manager)
    for day in data.YAK_DAYS:
        for index, member in enumerate(coop.members[3:], start=3):
            if rng.random() < 0.3:
                continue
            _weigh(
                member,
                coop.produce,
                rng.choice("ABBCC"),
                rng.randint(8, 40) * 250,
                _at(day, 10, index * 3),
                tare_g=300,
                attributes={},
                advance_fen=rng.choice((0, 0, 10000)),
                staff=coop.manager,
                agents=agents,
            )
    return loin


def _jerky_made_and_sold(coop: Cooperative, loin: ProduceLot, county: County) -> None:
    """10 kg of loin → 28 packs of 100 g jerky, sold to city buyers and delivered."""
    from highland.orders import services as order_services
    from highland.orders.fulfilment import ship_order
    from highland.orders.models import Carrier, Order, OrderStatus
    from highland.payments.services import confirm_bank_transfer

    jerky = Sku.objects.get(county=county, code=data.JERKY_SKU)
    run = lot_services.record_processing_run(
        coop.organisation,
        inputs=[(loin, lot_services.lot_net_g(loin))],
        outputs=[(jerky, data.JERKY_PACKS, data.YAK_DAYS[0] + dt.timedelta(days=180))],
        processing_cost_fen=data.JERKY_PROCESSING_COST_FEN,
        ran_on=data.YAK_DAYS[0] + dt.timedelta(days=5),
        note="风干牦牛肉干，原味 100 克袋装",
        actor=coop.manager,
    )
    made = StockLot.objects.get(processing_output__run=run)
    buyer = User.objects.get(username="buyer")
    operator = User.objects.get(username="operator")
    for packs in data.JERKY_ORDERS:
        placed = order_services.place_order(
            county,
            [order_services.CheckoutLine(jerky.pk, packs)],
            buyer=buyer,
            actor=buyer,
            delivery=order_services.DeliveryDetails(
                method="address",
                recipient_name="陈静",
                phone="13800000013",
                province="四川省",
                city="成都市",
                district="武侯区",
                township="浆洗街街道",
                detail="洗面桥街 18 号",
            ),
            payment_method="bank_transfer",
        )
        confirm_bank_transfer(
            placed.payment, actor=operator, bank_reference=f"DEMO-{placed.orders[0].number}"
        )
        order = Order.objects.get(pk=placed.orders[0].pk)
        line = order.lines.get()
        order_services.pack_order(order, {}, lots={line.pk: made.pk}, actor=coop.manager)
        ship_order(
            order, carrier=Carrier.SF, tracking_number=f"SF{order.pk:011d}", actor=coop.manager
        )
        order_services.advance_order(order, OrderStatus.DELIVERED, actor=operator)
    # The story has the parcels delivered in late November, past the after-sale window,
    # so the cooperative has earned the money its members are paid from.
    Order.objects.filter(seller=coop.seller, lines__sku=jerky, status=OrderStatus.DELIVERED).update(
        delivered_at=timezone.now() - dt.timedelta(days=10)
    )


def _settle_jerky_lot(coop: Cooperative, loin: ProduceLot) -> None:
    """The accountant drafts the jerky lot's run, the manager approves it, it is paid; one
    cash payout is handed over at the village point."""
    from highland.coops.models import MemberPayout, PayoutStatus
    from highland.coops.services import payouts as payout_services
    from highland.coops.services import settlement as settlement_services

    run = settlement_services.draft_settlement(
        coop.organisation, lots=[loin], actor=coop.accountant
    )
    run = settlement_services.review_settlement(run, actor=coop.accountant)
    run = settlement_services.approve_settlement(run, actor=coop.manager)
    run = payout_services.pay_settlement(run, actor=coop.accountant)
    waiting = (
        MemberPayout.objects.filter(share__run=run, status=PayoutStatus.WAITING)
        .select_related("point")
        .order_by("pk")
        .first()
    )
    if waiting is not None and waiting.point is not None:
        agent = waiting.point.agents.order_by("pk").first()
        if agent is not None:
            payout_services.hand_over_member_cash(
                waiting, pickup_code=waiting.pickup_code, actor=agent
            )


@transaction.atomic
def load_demo_cooperatives(county: County, *, password: str) -> dict[str, int]:
    """Create the demo cooperatives' data if missing; counts of what was created."""
    yak_org = Organisation.objects.get(
        county=county, type=OrganisationType.COOPERATIVE, name_zh="理塘县奔戈乡牦牛养殖专业合作社"
    )
    if Produce.objects.filter(cooperative=yak_org).exists():
        return {"members": 0, "intakes": 0}
    admin = User.objects.get(username="admin")
    rng = random.Random(int(COUNTY_REGION))  # noqa: S311 - made-up demo weights, repeatable
    points = list(
        ServicePoint.objects.filter(county=county, code__startswith="LT-S01-V").order_by("code")
    )
    agents = {
        point.pk: agent
        for point in points
        if (agent := point.agents.order_by("pk").first()) is not None
    }

    yak = Cooperative(
        organisation=yak_org,
        seller=Seller.objects.get(organisation=yak_org),
        manager=User.objects.get(username="coop_manager"),
        accountant=User.objects.get(username="coop_accountant"),
        produce=_rules_and_produce(
            yak_org,
            User.objects.get(username="coop_manager"),
            code="YAK",
            names={"zh": "鲜牦牛肉", "bo": "གཡག་ཤ་སོ་མ།", "en": "Fresh yak meat"},
            grades=data.YAK_GRADES,
            attributes=[],
        ),
        members=[],
    )
    yak.members = _members(
        yak_org,
        yak.manager,
        data.HEADS[:18],
        points,
        rng,
        first_serial=1,
        head_of_first=User.objects.get(username="member"),
    )
    mt_org, mt_seller, mt_manager, mt_accountant = _matsutake_cooperative(county, admin, password)
    matsutake = Cooperative(
        organisation=mt_org,
        seller=mt_seller,
        manager=mt_manager,
        accountant=mt_accountant,
        produce=_rules_and_produce(
            mt_org,
            mt_manager,
            code="MT",
            names={"zh": "鲜松茸", "bo": "ཤ་མོ་སོ་མ།", "en": "Fresh matsutake"},
            grades=data.MATSUTAKE_GRADES,
            attributes=data.MATSUTAKE_ATTRIBUTES,
        ),
        members=[],
    )
    matsutake.members = _members(
        mt_org, mt_manager, data.HEADS[18:], points[::-1], rng, first_serial=101
    )
    _matsutake_season(matsutake, agents, rng)
    loin = _yak_season(yak, agents, rng)
    _jerky_made_and_sold(yak, loin, county)
    _settle_jerky_lot(yak, loin)
    return {
        "members": Member.objects.filter(county=county).count(),
        "intakes": Intake.objects.filter(county=county).count(),
        "lots": ProduceLot.objects.filter(county=county).exclude(status=LotStatus.OPEN).count(),
    }
