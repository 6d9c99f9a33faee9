"""Member self-service: an intake by its check code, and a household's account, on the
pages and in the API; who sees what (a member only their own household)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from highland.coops.models import (
    CapitalContribution,
    Intake,
    LotStatus,
    Member,
    MemberPayout,
    MemberShare,
    PayoutMethod,
    PayoutStatus,
    ProduceLot,
    SettlementLot,
    SettlementRun,
    SettlementStatus,
)
from highland.coops.testing import CoopSetup
from highland.core.models import User
from highland.ledger import accounts
from highland.ledger.services import post_entry

WEIGHED_AT = dt.datetime(2026, 7, 10, 9, 30, tzinfo=dt.UTC)
LIMIT = settings.AXES_FAILURE_LIMIT


def make_lot(coop: CoopSetup, code: str, **extra: Any) -> ProduceLot:
    return ProduceLot.objects.create(
        county=coop.county,
        cooperative=coop.cooperative,
        code=code,
        produce=coop.yak,
        grade_code="A",
        collected_on=WEIGHED_AT.date(),
        created_by=coop.manager,
        **extra,
    )


def make_intake(
    coop: CoopSetup,
    member: Member,
    check_code: str,
    *,
    lot: ProduceLot | None = None,
    net_g: int = 12_340,
    advance_fen: int = 0,
    minutes: int = 0,
) -> Intake:
    grade = coop.grades["YAK-A"] if member.cooperative_id == coop.cooperative.pk else None
    produce = coop.yak
    if grade is None:  # the other cooperative has no rules in the fixture: borrow ours
        grade = coop.grades["YAK-B"]
    return Intake.objects.create(
        county=coop.county,
        cooperative=member.cooperative,
        member=member,
        produce=produce,
        grade=grade,
        factor_bp=grade.factor_bp,
        gross_g=net_g + 500,
        tare_g=500,
        net_g=net_g,
        point=member.point,
        recorded_at=WEIGHED_AT + dt.timedelta(minutes=minutes),
        recorded_by=coop.manager,
        check_code=check_code,
        advance_fen=advance_fen,
        lot=lot,
    )


def settle(
    coop: CoopSetup,
    lot: ProduceLot,
    member: Member,
    *,
    number: str = "SR-2026-001",
    status: str = SettlementStatus.APPROVED,
    payable_fen: int = 45_600,
    pickup_code: str = "PK8812",
    paid: bool = False,
) -> MemberShare:
    run = SettlementRun.objects.create(
        county=coop.county,
        cooperative=coop.cooperative,
        number=number,
        status=status,
        proceeds_fen=100_000,
        net_fen=90_000,
        drafted_by=coop.accountant,
    )
    SettlementLot.objects.create(county=coop.county, run=run, lot=lot, proceeds_fen=100_000)
    share = MemberShare.objects.create(
        county=coop.county,
        run=run,
        member=member,
        net_g=12_340,
        weighted=12_340 * 12_000,
        share_fen=payable_fen + 2_000,
        advances_fen=2_000,
        payable_fen=payable_fen,
    )
    MemberPayout.objects.create(
        county=coop.county,
        member=member,
        share=share,
        amount_fen=payable_fen,
        method=PayoutMethod.CASH,
        point=member.point,
        pickup_code=pickup_code,
        status=PayoutStatus.PAID if paid else PayoutStatus.WAITING,
        paid_at=timezone.now() if paid else None,
    )
    return share


@pytest.fixture
def herder(coop: CoopSetup) -> dict[str, Any]:
    """Household 0001 (headed by the demo user "member"): two intakes, one in a settled
    lot; household 0002 has an intake of its own in the same lot."""
    gesang, ciren = coop.members[0], coop.members[1]
    lot = make_lot(coop, "YAK-0710-A", status=LotStatus.STOCKED)
    first = make_intake(coop, gesang, "K7Q2M9XP", lot=lot, advance_fen=2_000)
    second = make_intake(coop, gesang, "R4T8W2ZD", minutes=60)
    neighbour = make_intake(coop, ciren, "N3V6B1QC", lot=lot, net_g=8_000)
    share = settle(coop, lot, gesang)
    # the ledger: an advance still to recover of ¥15.00, and ¥456.00 owed, not paid yet
    post_entry(
        coop.county,
        kind="coops.advance.paid",
        lines=[(accounts.member_advance(gesang.pk), 1_500), (accounts.BANK, -1_500)],
        actor=coop.manager,
        description="test advance",
    )
    post_entry(
        coop.county,
        kind="coops.settlement.approved",
        lines=[(accounts.BANK, 45_600), (accounts.member_payable(gesang.pk), -45_600)],
        actor=coop.manager,
        description="test share",
    )
    CapitalContribution.objects.create(
        county=coop.county,
        member=gesang,
        amount_fen=50_000,
        occurred_on=dt.date(2026, 1, 5),
        recorded_by=coop.manager,
    )
    return {
        "member": gesang,
        "lot": lot,
        "first": first,
        "second": second,
        "neighbour": neighbour,
        "share": share,
    }


def _without_csrf(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def look_up(client: Client, code: str, address: str = "10.9.0.1") -> Any:
    return client.post("/coops/check/", {"code": code}, REMOTE_ADDR=address)


# --- check code ---------------------------------------------------------------------------------


def test_a_check_code_shows_that_intake_only(coop, herder, client_as):
    response = look_up(client_as(None), "k7q2-m9xp")  # typed in lower case with a dash

    html = response.content.decode()
    assert response.status_code == 200
    assert "K7Q2M9XP" in html and "格桑家" in html and "YAK-0710-A" in html
    assert "12.3 kg" in html  # net 12,340 g
    assert "¥456.00" in html  # the share line's payable
    # never the household's other intakes, the neighbour's, an ID, a phone or a pickup code
    for hidden in ("R4T8W2ZD", "N3V6B1QC", "次仁家", "**************", "PK8812", "¥15.00"):
        assert hidden not in html


def test_a_draft_run_is_not_shown_to_the_member(coop, client_as):
    gesang = coop.members[0]
    lot = make_lot(coop, "YAK-DRAFT", status=LotStatus.STOCKED)
    make_intake(coop, gesang, "D9D9D9D9", lot=lot)
    settle(coop, lot, gesang, status=SettlementStatus.DRAFT, payable_fen=77_700)

    html = look_up(client_as(None), "D9D9D9D9").content.decode()

    assert "YAK-DRAFT" in html and "¥777.00" not in html


def test_a_wrong_and_a_malformed_code_get_the_same_answer(coop, herder, client_as):
    wrong = look_up(client_as(None), "ZZZZ9999")
    malformed = look_up(client_as(None), "<script>'; drop")

    assert wrong.status_code == malformed.status_code == 404
    assert _without_csrf(wrong.content.decode()) == _without_csrf(malformed.content.decode())
    assert "ZZZZ9999" not in wrong.content.decode()


def test_wrong_codes_from_one_address_are_throttled(coop, herder, client_as):
    for number in range(LIMIT):
        assert look_up(client_as(None), f"WRONG{number:03d}").status_code == 404

    refused = look_up(client_as(None), "K7Q2M9XP")
    elsewhere = look_up(client_as(None), "K7Q2M9XP", address="10.9.0.2")

    assert refused.status_code == 429
    assert "K7Q2M9XP" not in refused.content.decode()
    assert elsewhere.status_code == 200


def test_a_few_mistakes_do_not_throttle(coop, herder, client_as):
    for number in range(LIMIT - 1):
        look_up(client_as(None), f"WRONG{number:03d}")

    assert look_up(client_as(None), "K7Q2M9XP").status_code == 200


def test_an_intake_of_another_county_is_not_found(coop, herder, other_county, client_as):
    response = client_as(None).post(
        f"/coops/check/?county={other_county.county.code}", {"code": "K7Q2M9XP"}
    )

    assert response.status_code == 404


def test_the_check_page_works_without_a_code(coop, client_as):
    page = client_as(None).get("/coops/check/")
    empty = client_as(None).post("/coops/check/", {"code": ""})

    assert page.status_code == 200 and "novalidate" in page.content.decode()
    assert empty.status_code == 422


def test_api_check_code(coop, herder, client_as):
    client = client_as(None)
    found = client.get("/api/v1/coops/check/K7Q2M9XP", REMOTE_ADDR="10.9.1.1")
    wrong = client.get("/api/v1/coops/check/ZZZZ9999", REMOTE_ADDR="10.9.1.1")
    malformed = client.get("/api/v1/coops/check/%3C%3E%27", REMOTE_ADDR="10.9.1.1")

    body = found.json()
    assert found.status_code == 200
    assert (body["household"], body["net_g"], body["lot"]["code"]) == (
        "格桑家",
        12_340,
        "YAK-0710-A",
    )
    assert [line["payable_fen"] for line in body["settled"]] == [45_600]
    assert "pickup_code" not in str(body) and "phone" not in body
    assert wrong.status_code == malformed.status_code == 404
    assert wrong.json() == malformed.json()


def test_api_check_code_is_throttled(coop, herder, client_as):
    client = client_as(None)
    for number in range(LIMIT):
        client.get(f"/api/v1/coops/check/WRONG{number:03d}", REMOTE_ADDR="10.9.2.1")

    refused = client.get("/api/v1/coops/check/K7Q2M9XP", REMOTE_ADDR="10.9.2.1")

    assert (refused.status_code, refused.json()["code"]) == (429, "throttled")


# --- a household's account ----------------------------------------------------------------------


def test_a_member_reads_their_household(coop, herder, client_as):
    response = client_as(coop.members[0].head).get("/coops/me/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "K7Q2M9XP" in html and "R4T8W2ZD" in html  # both their intakes
    assert "N3V6B1QC" not in html and "次仁家" not in html  # not the neighbour's
    assert "¥15.00" in html  # debt: advances still to recover
    assert "¥456.00" in html  # owed, not paid yet
    assert "¥500.00" in html  # capital
    assert "PK8812" in html  # their own pickup code
    assert f"/coops/statements/{herder['share'].pk}/" in html


def test_a_person_heading_households_in_two_cooperatives_sees_both(coop, herder, client_as):
    head = coop.members[0].head
    Member.objects.filter(pk=coop.other_member.pk).update(head=head)

    html = client_as(head).get("/coops/me/").content.decode()

    assert "格桑家" in html and "外社家" in html


def test_someone_heading_no_household_sees_an_empty_page(coop, demo, client_as):
    response = client_as(demo.user("buyer")).get("/coops/me/")

    assert response.status_code == 200
    assert "You head no member household" in response.content.decode()


def test_intakes_are_paged_latest_first(coop, client_as):
    gesang = coop.members[0]
    for number in range(25):
        make_intake(coop, gesang, f"PAGE{number:04d}", minutes=number)
    client = client_as(gesang.head)

    first = client.get(f"/coops/members/{gesang.pk}/account/").content.decode()
    second = client.get(f"/coops/members/{gesang.pk}/account/?page=2").content.decode()

    assert "PAGE0024" in first and "PAGE0004" not in first
    assert first.index("PAGE0024") < first.index("PAGE0023")
    assert "PAGE0004" in second and "PAGE0024" not in second


def _account_status(client: Client, member: Member) -> int:
    return client.get(f"/coops/members/{member.pk}/account/").status_code


def test_a_member_sees_only_their_own_household(coop, herder, client_as):
    client = client_as(coop.members[0].head)

    assert _account_status(client, coop.members[0]) == 200
    assert _account_status(client, coop.members[1]) == 404  # a neighbour in the same coop
    assert _account_status(client, coop.other_member) == 404  # another cooperative's member
    assert client.get("/coops/members/999999/account/").status_code == 404


def test_the_agent_of_the_members_point_reads_the_account_without_the_pickup_code(
    coop, herder, demo, client_as
):
    response = client_as(demo.user("village_agent")).get(
        f"/coops/members/{herder['member'].pk}/account/"
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "K7Q2M9XP" in html and "¥456.00" in html
    assert "PK8812" not in html  # the household's proof at the point, not the agent's


def test_an_agent_of_another_point_sees_nothing(coop, herder, demo, client_as):
    # an agent of LT-S01-V02 only: household 0003 lives there, 0001 at LT-S01-V01
    stranger = User.objects.create(username="v02_agent", county=coop.county)
    demo.point("LT-S01-V02").agents.add(stranger)
    client = client_as(stranger)

    assert _account_status(client, coop.members[2]) == 200
    assert _account_status(client, herder["member"]) == 404
    assert client.get(f"/api/v1/coops/members/{herder['member'].pk}/account").status_code == 404


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("coop_manager", 200),
        ("coop_accountant", 200),
        ("operator", 200),
        ("official", 200),
        ("other_coop_manager", 404),
        ("seller", 404),
        ("buyer", 404),
        ("agent", 404),  # the station's agent is no agent of the member's village point
    ],
)
def test_who_reads_a_households_account(coop, herder, client_as, username, status):
    assert (
        _account_status(client_as(User.objects.get(username=username)), herder["member"]) == status
    )


def test_another_cooperatives_manager_sees_nothing_of_this_one(coop, herder, client_as):
    client = client_as(coop.other_manager)

    for member in coop.members:
        assert _account_status(client, member) == 404
        api = client.get(f"/api/v1/coops/members/{member.pk}/account")
        assert api.status_code == 404
    assert client.get("/api/v1/coops/me/households").json() == []


def test_a_visitor_is_sent_to_log_in(coop, herder, client_as):
    response = client_as(None).get("/coops/me/")

    assert response.status_code == 302 and "/login" in response["Location"]


# --- the API ------------------------------------------------------------------------------------


def test_api_my_households(coop, herder, client_as):
    response = client_as(coop.members[0].head).get("/api/v1/coops/me/households?limit=1")

    [account] = response.json()
    assert response.status_code == 200
    assert (account["member_id"], account["debt_fen"], account["owed_fen"]) == (
        herder["member"].pk,
        1_500,
        45_600,
    )
    assert account["capital_fen"] == 50_000
    assert account["intakes_total"] == 2
    assert [i["check_code"] for i in account["intakes"]] == ["R4T8W2ZD"]  # latest, one page
    assert [line["member_net_g"] for line in account["lots"]] == [12_340]  # not the neighbour's
    assert account["statements"][0]["statement_url"].endswith(f"/statements/{herder['share'].pk}/")
    assert [p["pickup_code"] for p in account["payouts"]] == ["PK8812"]


def test_api_member_account_permissions(coop, herder, demo, client_as):
    path = f"/api/v1/coops/members/{herder['member'].pk}/account"

    agent = client_as(demo.user("village_agent")).get(path)
    neighbour = client_as(coop.members[1].head).get(path)
    anonymous = client_as(None).get(path)

    assert agent.status_code == 200
    assert [p["pickup_code"] for p in agent.json()["payouts"]] == [None]
    assert neighbour.status_code == 404
    assert anonymous.status_code == 401


# --- menu and languages -------------------------------------------------------------------------


def test_the_menu_offers_my_cooperative_to_heads_of_households_only(coop, demo, client_as):
    member_home = client_as(coop.members[0].head).get("/").content.decode()
    buyer_home = client_as(demo.user("buyer")).get("/").content.decode()

    assert "/coops/me/" in member_home
    assert "/coops/me/" not in buyer_home
    assert "/coops/check/" in client_as(None).get("/").content.decode()


@pytest.mark.parametrize("language", ["zh-hans", "bo"])
def test_pages_render_in_chinese_and_tibetan(coop, herder, language):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(coop.members[0].head)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    account = client.get("/coops/me/")
    check = Client(HTTP_ACCEPT_LANGUAGE=language)
    check.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    found = look_up(check, "K7Q2M9XP")

    assert account.status_code == found.status_code == 200
    assert f'lang="{language}"' in account.content.decode()
    # a heading already in the catalogues (the new strings arrive at merge)
    statements = {"zh-hans": "对账单", "bo": "རྩིས་ཁྲ།"}[language]
    assert statements in account.content.decode()
    if language == "zh-hans":
        assert "斤" in found.content.decode()  # 12.3 kg and its jin for Chinese readers
    else:
        assert "斤" not in found.content.decode()


def test_wrong_codes_and_failed_logins_share_one_budget_per_address(coop, herder, client_as):
    # an address guessing codes is guessing: its logins are refused too, and the reverse
    for number in range(LIMIT):
        look_up(client_as(None), f"WRONG{number:03d}", address="10.9.3.1")

    login = client_as(None).post(
        "/accounts/login/",
        {"username": "member", "password": "highland-demo"},
        REMOTE_ADDR="10.9.3.1",
    )

    assert login.status_code == 429


def test_the_account_page_costs_the_same_queries_for_many_intakes(coop, client_as):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    gesang = coop.members[0]
    client = client_as(gesang.head)
    path = f"/coops/members/{gesang.pk}/account/"

    def queries_for(intakes: int) -> int:
        lot = make_lot(coop, f"LOT-{intakes}", status=LotStatus.STOCKED)
        for number in range(intakes):
            make_intake(coop, gesang, f"Q{intakes:02d}X{number:04d}", lot=lot, minutes=number)
        settle(coop, lot, gesang, number=f"SR-{intakes}", pickup_code=f"PK{intakes}")
        client.get(path)  # warm the session and the menu's caches
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    assert queries_for(2) == queries_for(15)
