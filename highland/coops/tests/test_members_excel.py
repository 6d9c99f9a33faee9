"""The register in Excel: template round trip, a bad file refused whole with row and
column, duplicates, wrong files."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import load_workbook

from highland.coops.models import CapitalContribution, Member
from highland.coops.services import excel
from highland.coops.services.excel import (
    COLUMNS,
    ImportRejected,
    export_members_workbook,
    import_members,
    member_template_workbook,
)
from highland.coops.tests.memberdata import member_row, register_workbook, resident_id
from highland.core.errors import PermissionDenied, ValidationFailed
from highland.core.models import AuditRecord

pytestmark = pytest.mark.django_db


def upload(content: bytes, name: str = "members.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=excel.XLSX_CONTENT_TYPE)


def test_the_template_has_the_chinese_headings_and_text_id_cells():
    sheet = load_workbook(io.BytesIO(member_template_workbook())).worksheets[0]
    headings = [cell.value for cell in sheet[1]]
    assert headings == [
        "户号",
        "户名",
        "户主姓名",
        "身份证号",
        "手机号",
        "村服务点编码",
        "收款方式",
        "开户行",
        "收款账号",
        "语言",
        "入社日期",
        "出资额(元)",
    ]
    assert sheet.column_dimensions["D"].number_format == "@"


def test_a_filled_template_imports_every_household_with_opening_capital(coop):
    rows = [
        member_row(1, capital="500.50", phone="139 0000 0101"),
        member_row(
            2,
            payout_method="银行",
            payout_bank="农行",
            payout_account="6228480000000000202",
            language="藏文",
        ),
        member_row(3, number="0100", payout_method="移动支付", payout_account="13900000103"),
        member_row(4, point="lt-s01-v02"),
    ]

    members = import_members(coop.cooperative, upload(register_workbook(rows)), actor=coop.manager)

    assert [m.number for m in members] == ["0101", "0102", "0100", "0103"] or [
        m.number for m in members
    ] == ["0004", "0005", "0100", "0006"]
    first = members[0]
    assert first.phone == "13900000101"
    assert first.national_id_masked == "*" * 14 + resident_id(1)[-4:]
    assert CapitalContribution.objects.get(member=first).amount_fen == 50050
    assert members[1].language == "bo" and members[1].payout_bank == "农行"
    assert members[3].point.code == "LT-S01-V02"
    assert AuditRecord.objects.filter(action="coops.members.imported").count() == 1


def test_numbers_left_blank_follow_the_register(coop):
    members = import_members(
        coop.cooperative, register_workbook([member_row(1), member_row(2)]), actor=coop.manager
    )
    assert [m.number for m in members] == ["0004", "0005"]


def test_export_round_trips_the_register(coop):
    import_members(
        coop.cooperative, register_workbook([member_row(1, capital=200)]), actor=coop.manager
    )
    sheet = load_workbook(io.BytesIO(export_members_workbook(coop.cooperative))).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0][: len(COLUMNS)]) == list(COLUMNS.values())
    assert rows[0][-2:] == ("状态", "退社日期")
    by_number = {row[0]: row for row in rows[1:]}
    assert set(by_number) == {"0001", "0002", "0003", "0004"}
    imported = by_number["0004"]
    assert imported[3] == "*" * 14 + resident_id(1)[-4:]
    assert imported[11] == 200 and imported[12] == "在社"
    assert resident_id(1)[:10] not in str(rows)


def test_one_bad_row_rejects_the_whole_file_naming_row_and_column(coop):
    before = Member.objects.count()
    rows = [
        member_row(1),
        member_row(2),
        member_row(3),
        member_row(4, national_id="513334198001010000"),
    ]

    with pytest.raises(ImportRejected) as refused:
        import_members(coop.cooperative, register_workbook(rows), actor=coop.manager)

    assert len(refused.value.row_errors) == 1
    error = refused.value.row_errors[0]
    assert (error.row, error.column) == (5, "身份证号")
    assert str(error).startswith("Row 5, 身份证号: ")
    assert Member.objects.count() == before
    assert not CapitalContribution.objects.exists()


def test_row_errors_read_in_chinese(coop):
    rows = [member_row(1, point="NOPE")]
    with translation.override("zh-hans"), pytest.raises(ImportRejected) as refused:
        import_members(coop.cooperative, register_workbook(rows), actor=coop.manager)
    message = refused.value.errors["rows"][0]
    assert "村服务点编码" in message and "2" in message


def test_every_problem_of_every_row_is_listed(coop):
    rows = [
        member_row(1, household="", joined_on="yesterday"),
        member_row(2, payout_method="支票", capital="-5"),
        member_row(3, payout_method="银行"),
    ]
    with pytest.raises(ImportRejected) as refused:
        import_members(coop.cooperative, register_workbook(rows), actor=coop.manager)
    places = {(e.row, e.column) for e in refused.value.row_errors}
    assert places == {
        (2, "户名"),
        (2, "入社日期"),
        (3, "收款方式"),
        (3, "出资额(元)"),
        (4, "开户行"),
        (4, "收款账号"),
    }


def test_duplicates_in_the_file_and_against_the_register_are_refused(coop):
    rows = [
        member_row(1, number="0001"),  # taken in the register
        member_row(2, number="0200"),
        member_row(3, number="0200"),  # same number as row 3
        member_row(4, national_id=resident_id(2)),  # same ID as row 3
        member_row(5, household="格桑家"),  # already a member at LT-S01-V01
        member_row(6, household="测试2家"),  # same household and point as row 3
    ]
    with pytest.raises(ImportRejected) as refused:
        import_members(coop.cooperative, register_workbook(rows), actor=coop.manager)
    found = {(e.row, e.column): e.message for e in refused.value.row_errors}
    assert set(found) == {(2, "户号"), (4, "户号"), (5, "身份证号"), (6, "户名"), (7, "户名")}
    assert "taken" in found[(2, "户号")]
    assert found[(4, "户号")] == "The same as row 3."
    assert Member.objects.filter(cooperative=coop.cooperative).count() == 3


@pytest.mark.parametrize(
    ("content", "name", "words"),
    [
        (b"number,household\n1,x\n", "members.csv", "Only Excel .xlsx"),
        (b"number,household\n1,x\n", "members.xlsx", "not an Excel .xlsx"),
        (b"PK\x03\x04broken", "members.xlsx", "not an Excel .xlsx"),
    ],
)
def test_files_that_are_not_xlsx_are_refused(coop, content, name, words):
    with pytest.raises(ValidationFailed, match=words) as refused:
        import_members(coop.cooperative, upload(content, name), actor=coop.manager)
    assert refused.value.field == "file"


def test_a_file_too_large_is_refused(coop):
    with pytest.raises(ValidationFailed, match="larger than 2 MB"):
        import_members(coop.cooperative, b"PK" + b"\0" * excel.MAX_FILE_BYTES, actor=coop.manager)


def test_too_many_rows_are_refused(coop, monkeypatch):
    monkeypatch.setattr(excel, "MAX_ROWS", 2)
    with pytest.raises(ValidationFailed, match="more than 2 households"):
        import_members(
            coop.cooperative,
            register_workbook([member_row(i) for i in range(3)]),
            actor=coop.manager,
        )


def test_a_file_without_the_columns_or_rows_is_refused(coop):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["name", "id"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(ValidationFailed, match="lacks the columns"):
        import_members(coop.cooperative, buffer.getvalue(), actor=coop.manager)
    with pytest.raises(ValidationFailed, match="no households"):
        import_members(coop.cooperative, register_workbook([]), actor=coop.manager)


def test_another_cooperatives_manager_cannot_import(coop):
    with pytest.raises(PermissionDenied):
        import_members(
            coop.cooperative, register_workbook([member_row(1)]), actor=coop.other_manager
        )
