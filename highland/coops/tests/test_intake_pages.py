"""The intake desk, the receipt, and the lot and run pages."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.html import escape
from PIL import Image

from highland.catalog.models import Sku
from highland.coops.models import Intake, LotStatus, ProcessingRun
from highland.coops.services.intake import record_intake
from highland.coops.services.lots import close_lot
from highland.ledger.models import Entry
from highland.messaging.models import TextMessage

pytestmark = pytest.mark.django_db


def desk_url(coop: Any) -> str:
    return f"/coops/{coop.cooperative.pk}/intake/"


def intake_form(coop: Any, member_index: int = 1, **overrides: str) -> dict[str, str]:
    data = {
        "member": str(coop.members[member_index].pk),
        "grade": "MT:A",
        "unit": "jin",
        "gross": "24.7",
        "tare": "0.7",
        "attr_MT_cap_mm": "55",
        "place": "point",
        "advance": "100",
        "idempotency_key": "desk-key-000000001",
    }
    data.update(overrides)
    return data


def test_the_agent_finds_members_of_their_points_by_pinyin_initials(coop, demo, client_as):
    client = client_as(demo.user("village_agent"))

    page = client.get(desk_url(coop), {"q": "cr"})  # 次仁家: ci ren jia
    html = page.content.decode()

    assert page.status_code == 200
    assert "次仁家" in html and "卓玛家" not in html
    assert "外社家" not in client.get(desk_url(coop)).content.decode()


def test_staff_see_all_members_and_strangers_nothing(coop, demo, client_as):
    html = client_as(coop.manager).get(desk_url(coop)).content.decode()

    assert all(name in html for name in ("格桑家", "次仁家", "卓玛家"))
    assert client_as(coop.other_manager).get(desk_url(coop)).status_code == 404
    assert client_as(demo.user("buyer")).get(desk_url(coop)).status_code == 404
    assert client_as(coop.members[0].head).get(desk_url(coop)).status_code == 404


def test_the_desk_form_is_a_phone_page_without_script(coop, demo, client_as):
    page = client_as(demo.user("village_agent")).get(desk_url(coop), {"member": coop.members[1].pk})
    html = page.content.decode()

    assert page.status_code == 200
    assert "<script" not in html.split("</main>")[0].split("<main", 1)[-1]
    assert 'name="idempotency_key"' in html and 'value="MT:A"' in html
    assert len(page.content) < 50_000


def test_record_at_the_desk_then_a_double_submit_records_once(coop, demo, client_as):
    client = client_as(demo.user("village_agent"))

    first = client.post(desk_url(coop), intake_form(coop))
    second = client.post(desk_url(coop), intake_form(coop))

    intake = Intake.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert first["Location"].startswith(f"/coops/intakes/{intake.check_code}/receipt/")
    assert (intake.gross_g, intake.tare_g, intake.net_g) == (12_350, 350, 12_000)
    assert intake.advance_fen == 10_000 and intake.attributes == {"cap_mm": 55}
    assert Entry.objects.count() == 1 and TextMessage.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"gross": "abc"}, "gross"),
        ({"tare": "30"}, "tare"),
        ({"gross": "1.0001"}, "gross"),
        ({"attr_MT_cap_mm": "500"}, "attr_MT_cap_mm"),
        ({"attr_MT_cap_mm": ""}, "attr_MT_cap_mm"),
        ({"advance": "5000.01"}, "advance"),
        ({"advance": "-1"}, "advance"),
        ({"grade": "MT:Z"}, "grade"),
    ],
)
def test_bad_desk_input_shows_on_its_field(coop, demo, client_as, overrides, field):
    page = client_as(demo.user("village_agent")).post(
        desk_url(coop), intake_form(coop, **overrides)
    )

    assert page.status_code == 200
    assert field in page.context["form"].errors, page.context["form"].errors
    assert Intake.objects.count() == Entry.objects.count() == TextMessage.objects.count() == 0


def test_a_photo_is_kept_privately(coop, demo, client_as, private_media_root):
    image = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(image, "PNG")
    upload = SimpleUploadedFile("scale.png", image.getvalue(), content_type="image/png")

    response = client_as(demo.user("village_agent")).post(
        desk_url(coop), {**intake_form(coop), "photo": upload}
    )

    assert response.status_code == 302
    intake = Intake.objects.get()
    assert intake.photo.name.startswith(f"coops/intakes/{demo.county.pk}/")
    assert (private_media_root / intake.photo.name).exists()


def test_grams_work_too_and_staff_may_weigh_at_the_yard(coop, demo, client_as):
    form = intake_form(coop, unit="g", gross="5000", tare="", place="yard", advance="")

    response = client_as(coop.manager).post(desk_url(coop), form)

    assert response.status_code == 302
    intake = Intake.objects.get()
    assert (intake.net_g, intake.point, intake.advance_fen) == (5_000, None, 0)


def test_an_agent_is_not_offered_the_yard(coop, demo, client_as):
    page = client_as(demo.user("village_agent")).post(
        desk_url(coop), intake_form(coop, place="yard")
    )

    assert "place" in page.context["form"].errors
    assert Intake.objects.count() == 0


def weigh(coop: Any, demo: Any) -> Intake:
    member = coop.members[1]
    return record_intake(
        member,
        produce=coop.yak,
        grade_code="A",
        gross_g=20_400,
        tare_g=400,
        attributes={},
        point=member.point,
        advance_fen=30_000,
        actor=demo.user("village_agent"),
    )


def test_the_receipt_prints_at_58_mm(coop, demo, client_as):
    intake = weigh(coop, demo)

    page = client_as(demo.user("village_agent")).get(
        f"/coops/intakes/{intake.check_code}/receipt/?desk={coop.cooperative.pk}"
    )
    html = page.content.decode()

    assert page.status_code == 200
    assert "receipt-58mm" in html and "orders/receipt-58mm.css" in html
    for text in (intake.check_code, "次仁家", "0002", "20400 g", "400 g", "20000 g", "20.0 kg"):
        assert text in html
    assert "¥300.00" in html and coop.members[1].point.name in html
    assert escape(coop.cooperative.name) in html
    assert f'href="/coops/{coop.cooperative.pk}/intake/"' in html  # next intake
    a4 = client_as(coop.manager).get(f"/coops/intakes/{intake.check_code}/receipt/?format=a4")
    assert "orders/receipt-a4.css" in a4.content.decode()


def test_print_css_and_script_exist():
    static = Path(__file__).resolve().parents[2]
    assert (
        "@page { size: 58mm auto;" in (static / "orders/static/orders/receipt-58mm.css").read_text()
    )
    assert "window.print" in (static / "coops/static/coops/print.js").read_text()


@pytest.mark.parametrize("who", ["household", "other_manager", "buyer", "other_agent"])
def test_who_reads_the_receipt(coop, demo, client_as, who):
    intake = weigh(coop, demo)
    user = {
        "household": coop.members[1].head,
        "other_manager": coop.other_manager,
        "buyer": demo.user("buyer"),
        "other_agent": demo.user("agent"),
    }[who]

    page = client_as(user).get(f"/coops/intakes/{intake.check_code}/receipt/")

    assert page.status_code == (200 if who == "household" else 404)


def test_lot_pages_close_receive_and_run(coop, demo, client_as):
    intake = weigh(coop, demo)
    lot = intake.lot
    client = client_as(coop.manager)
    base = f"/coops/{coop.cooperative.pk}"

    listing = client.get(f"{base}/lots/?status=open")
    detail = client.get(f"{base}/lots/{lot.pk}/")
    closed = client.post(f"{base}/lots/{lot.pk}/close/")
    jerky = Sku.objects.get(county=demo.county, code="LT-YJ-100")
    run = client.post(
        f"{base}/runs/",
        {
            "ran_on": timezone.localdate().isoformat(),
            "processing_cost": "80",
            "lot_0": lot.pk,
            "grams_0": "20000",
            "sku_0": jerky.pk,
            "quantity_0": "60",
        },
    )
    runs = client.get(f"{base}/runs/")

    assert listing.status_code == detail.status_code == 200
    assert lot.code in listing.content.decode() and intake.check_code in detail.content.decode()
    assert closed.status_code == 302
    assert run.status_code == 302, run.context["form"].errors if run.context else run
    lot.refresh_from_db()
    assert lot.status == LotStatus.PROCESSED
    created = ProcessingRun.objects.get()
    assert created.code in runs.content.decode() and "Yield" in runs.content.decode()


def test_strangers_do_not_reach_lot_pages(coop, demo, client_as):
    lot = weigh(coop, demo).lot
    base = f"/coops/{coop.cooperative.pk}"
    for user in (coop.other_manager, demo.user("village_agent"), demo.user("buyer")):
        client = client_as(user)
        assert client.get(f"{base}/lots/").status_code == 404
        assert client.post(f"{base}/lots/{lot.pk}/close/").status_code == 404
    lot.refresh_from_db()
    assert lot.status == LotStatus.OPEN
    close_lot(lot, actor=coop.manager)
