"""The member register in Excel: a template with Chinese headings, an all-or-nothing
import, and an export.

An import reads and checks every row before saving any: a file with one bad row is
refused whole, with every problem named by row number and column, so the manager fixes
the file and sends it again rather than finding half of it in the register.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from typing import IO, Any

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from highland.coops.models import CapitalContribution, Member, PayoutMethod
from highland.coops.services.members import (
    MemberDetails,
    clean_member_details,
    clean_national_id,
    create_member,
    lock_cooperative,
    next_member_number,
)
from highland.coops.services.rules import require_cooperative
from highland.core import audit
from highland.core.errors import ValidationFailed
from highland.core.models import Organisation, User
from highland.core.money import MAX_FEN, parse_yuan
from highland.core.permissions import require
from highland.network.models import ServicePoint, Tier

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5_000
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_TITLE = "社员名册"

# Column key -> heading. The headings are the file format (the county's managers keep
# their registers in Chinese), so they are not translated.
COLUMNS: dict[str, str] = {
    "number": "户号",
    "household": "户名",
    "head_name": "户主姓名",
    "national_id": "身份证号",
    "phone": "手机号",
    "point": "村服务点编码",
    "payout_method": "收款方式",
    "payout_bank": "开户行",
    "payout_account": "收款账号",
    "language": "语言",
    "joined_on": "入社日期",
    "capital": "出资额(元)",
}
EXPORT_COLUMNS: dict[str, str] = {**COLUMNS, "status": "状态", "left_on": "退社日期"}
# Errors on fields a row has no column of are shown on the nearest column.
FIELD_COLUMN = {"head": "head_name"}

PAYOUT_WORDS: dict[str, tuple[str, ...]] = {
    PayoutMethod.BANK: ("银行", "银行卡", "银行账户", "bank"),
    PayoutMethod.MOBILE: ("移动支付", "手机支付", "mobile"),
    PayoutMethod.CASH: ("现金", "cash", ""),
}
PAYOUT_LABELS: dict[str, str] = {
    PayoutMethod.BANK: "银行",
    PayoutMethod.MOBILE: "移动支付",
    PayoutMethod.CASH: "现金",
}
LANGUAGE_WORDS = {"zh-hans": ("zh-hans", "中文", "汉语", "zh", ""), "bo": ("bo", "藏文", "藏语")}
LANGUAGE_LABELS = {"zh-hans": "中文", "bo": "藏文"}


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return _("Row %(row)d, %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


class ImportRejected(ValidationFailed):
    """The file was refused whole; `row_errors` names each bad row and column."""

    code = "import_rejected"

    def __init__(self, row_errors: list[RowError]) -> None:
        self.row_errors = row_errors
        super().__init__(
            _("The file was not imported: %(count)d problems. Nothing was saved.")
            % {"count": len(row_errors)},
            errors={"rows": [str(error) for error in row_errors]},
        )


# --- template and export --------------------------------------------------------------------


def _sheet_with_headings(workbook: Workbook, headings: list[str]) -> Any:
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    sheet.append(headings)
    for index, heading in enumerate(headings, start=1):
        sheet.cell(row=1, column=index).font = Font(bold=True)
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, len(heading) * 2 + 4)
    sheet.freeze_panes = "A2"
    return sheet


def _as_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def member_template_workbook() -> bytes:
    """An empty register with the Chinese headings, the text columns formatted as text
    (an 18-digit ID typed into a number cell loses its last digits), and a sheet that
    explains each column."""
    workbook = Workbook()
    sheet = _sheet_with_headings(workbook, list(COLUMNS.values()))
    for index, key in enumerate(COLUMNS, start=1):
        if key not in ("joined_on", "capital"):
            sheet.column_dimensions[get_column_letter(index)].number_format = "@"
    notes = workbook.create_sheet("填写说明")
    for line in (
        ("户号", "可留空，自动编号"),
        ("户名", "必填，如：格桑家"),
        ("户主姓名", "必填"),
        ("身份证号", "必填，18 位居民身份证号；系统只保存后 4 位"),
        ("手机号", "可留空（多户共用一部手机时）"),
        ("村服务点编码", "必填，如 LT-S01-V01"),
        ("收款方式", "银行 / 移动支付 / 现金"),
        ("开户行", "收款方式为银行时必填"),
        ("收款账号", "银行或移动支付时必填"),
        ("语言", "中文 / 藏文（短信语言）"),
        ("入社日期", "必填，如 2026-01-01"),
        ("出资额(元)", "可留空；填写则记为入社出资"),
    ):
        notes.append(line)
    return _as_bytes(workbook)


def export_members_workbook(cooperative: Organisation) -> bytes:
    """The register as a workbook: masked IDs, capital and status, one row a household.
    Callers check `coops.view_cooperative` first."""
    workbook = Workbook()
    sheet = _sheet_with_headings(workbook, list(EXPORT_COLUMNS.values()))
    members = (
        Member.objects.filter(cooperative=cooperative)
        .select_related("head", "point")
        .annotate(capital=Sum("contributions__amount_fen"))
        .order_by("number")
    )
    for member in members:
        sheet.append(
            [
                member.number,
                member.household,
                member.head.display_name,
                member.national_id_masked,
                member.phone,
                member.point.code,
                PAYOUT_LABELS.get(member.payout_method, member.payout_method),
                member.payout_bank,
                member.payout_account,
                LANGUAGE_LABELS.get(member.language, member.language),
                member.joined_on,
                (member.capital or 0) / 100,
                "已退社" if member.left_on else "在社",
                member.left_on,
            ]
        )
    for row in sheet.iter_rows(min_row=2):
        row[10].number_format = "yyyy-mm-dd"
        row[11].number_format = "0.00"
        row[13].number_format = "yyyy-mm-dd"
    return _as_bytes(workbook)


# --- import -----------------------------------------------------------------------------------


def _read_bytes(file: IO[bytes] | bytes) -> tuple[str, bytes]:
    if isinstance(file, bytes | bytearray):
        return "", bytes(file[: MAX_FILE_BYTES + 1])
    name = str(getattr(file, "name", "") or "")
    size = getattr(file, "size", None)
    if isinstance(size, int) and size > MAX_FILE_BYTES:
        return name, b"\x00" * (MAX_FILE_BYTES + 1)
    return name, file.read(MAX_FILE_BYTES + 1)


def _refuse_file(message: str) -> ValidationFailed:
    return ValidationFailed(message, field="file", code="bad_file")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-")
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _choice(value: Any, words: dict[str, tuple[str, ...]]) -> str | None:
    text = _text(value).lower()
    for key, spellings in words.items():
        if text in spellings:
            return key
    return None


@dataclass
class ParsedRow:
    row: int
    details: MemberDetails
    national_id: str
    capital_fen: int


def _parse_row(
    cooperative: Organisation,
    row_number: int,
    cells: dict[str, Any],
    points: dict[str, ServicePoint],
) -> tuple[ParsedRow, list[RowError]]:
    errors: list[RowError] = []

    def refuse(key: str, message: str) -> None:
        errors.append(RowError(row_number, COLUMNS[key], message))

    point_code = _text(cells.get("point")).upper()
    point = points.get(point_code)
    payout_method = _choice(cells.get("payout_method"), PAYOUT_WORDS)
    if payout_method is None:
        refuse("payout_method", _("Write 银行 (bank), 移动支付 (mobile payment) or 现金 (cash)."))
    language = _choice(cells.get("language"), LANGUAGE_WORDS)
    if language is None:
        refuse("language", _("Write 中文 (Chinese) or 藏文 (Tibetan)."))
    joined_on = _date(cells.get("joined_on"))
    if joined_on is None and _text(cells.get("joined_on")):
        refuse("joined_on", _("Write the date as 2026-01-31."))
    details = clean_member_details(
        cooperative,
        household=_text(cells.get("household")),
        head=None,
        head_name=_text(cells.get("head_name")),
        national_id=_text(cells.get("national_id")),
        phone=_text(cells.get("phone")),
        point=point,
        payout_method=payout_method or PayoutMethod.CASH,
        payout_bank=_text(cells.get("payout_bank")),
        payout_account=_text(cells.get("payout_account")),
        language=language or "zh-hans",
        joined_on=joined_on,
        number=_text(cells.get("number")),
    )
    for field_name, messages in details.errors.items():
        key = FIELD_COLUMN.get(field_name, field_name)
        if key == "joined_on" and joined_on is None and _text(cells.get("joined_on")):
            continue  # already said how to write the date
        if key == "point" and point_code and point is None:
            messages = [_("No village point has code %(code)s.") % {"code": point_code}]
        for message in messages:
            refuse(key, message)
    capital_fen = 0
    capital_text = _text(cells.get("capital"))
    if capital_text:
        try:
            capital_fen = parse_yuan(capital_text)
        except ValueError:
            refuse("capital", _("Write an amount in yuan with at most two decimals, e.g. 500.00."))
        else:
            if not 0 <= capital_fen <= MAX_FEN:
                refuse("capital", _("The capital must be zero or more."))
                capital_fen = 0
    national_id = ""
    if "national_id" not in details.errors:
        national_id = clean_national_id(_text(cells.get("national_id")))
    return ParsedRow(row_number, details, national_id, capital_fen), errors


def _read_rows(content: bytes) -> list[tuple[int, dict[str, Any]]]:
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError):
        raise _refuse_file(
            _("This is not an Excel .xlsx file: download the template and fill it in.")
        ) from None
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        headings = [_text(value) for value in next(rows, ())]
        positions = {
            key: headings.index(title) for key, title in COLUMNS.items() if title in headings
        }
        missing = [title for key, title in COLUMNS.items() if key not in positions]
        if missing:
            raise _refuse_file(
                _("The file lacks the columns %(columns)s: download the template and fill it in.")
                % {"columns": "、".join(missing)}
            )
        parsed: list[tuple[int, dict[str, Any]]] = []
        for row_number, values in enumerate(rows, start=2):
            if not any(_text(value) for value in values):
                continue
            if len(parsed) >= MAX_ROWS:
                raise _refuse_file(
                    _("The file has more than %(count)d households: split it into smaller files.")
                    % {"count": MAX_ROWS}
                )
            parsed.append(
                (
                    row_number,
                    {
                        key: values[position] if position < len(values) else None
                        for key, position in positions.items()
                    },
                )
            )
    finally:
        workbook.close()
    if not parsed:
        raise _refuse_file(_("The file has no households in it."))
    return parsed


def import_members(
    cooperative: Organisation, file: IO[bytes] | bytes, *, actor: User
) -> list[Member]:
    """Add every household of an .xlsx register, or none: any bad row rejects the whole
    file with `ImportRejected` listing each row and column at fault. Capital given becomes
    the household's opening contribution on its joining date."""
    require_cooperative(cooperative)
    require(actor, "coops.manage_members", cooperative)
    name, content = _read_bytes(file)
    if name and not name.lower().endswith(".xlsx"):
        raise _refuse_file(_("Only Excel .xlsx files can be imported."))
    if len(content) > MAX_FILE_BYTES:
        raise _refuse_file(
            _("The file is larger than %(size)s: split it into smaller files.") % {"size": "2 MB"}
        )
    if not content.startswith(b"PK"):
        raise _refuse_file(
            _("This is not an Excel .xlsx file: download the template and fill it in.")
        )
    rows = _read_rows(content)
    points = {
        point.code.upper(): point
        for point in ServicePoint.objects.filter(
            county=cooperative.county, tier=Tier.VILLAGE_POINT, active=True
        )
    }
    with transaction.atomic():
        lock_cooperative(cooperative)
        errors: list[RowError] = []
        parsed_rows: list[ParsedRow] = []
        for row_number, cells in rows:
            parsed, row_errors = _parse_row(cooperative, row_number, cells, points)
            parsed_rows.append(parsed)
            errors.extend(row_errors)
        errors.extend(_duplicates(cooperative, parsed_rows))
        if errors:
            raise ImportRejected(
                sorted(
                    errors,
                    key=lambda error: (error.row, list(COLUMNS.values()).index(error.column)),
                )
            )
        taken = set(Member.objects.filter(cooperative=cooperative).values_list("number", flat=True))
        taken |= {parsed.details.number for parsed in parsed_rows if parsed.details.number}
        members: list[Member] = []
        for parsed in parsed_rows:
            if not parsed.details.number:
                parsed.details.number = next_member_number(cooperative, taken)
                taken.add(parsed.details.number)
            member = create_member(cooperative, parsed.details, actor=actor)
            if parsed.capital_fen:
                CapitalContribution.objects.create(
                    county=cooperative.county,
                    member=member,
                    amount_fen=parsed.capital_fen,
                    occurred_on=member.joined_on,
                    memo="入社出资（导入）",
                    recorded_by=actor,
                )
            members.append(member)
        audit.record(
            actor,
            "coops.members.imported",
            cooperative,
            {
                "count": len(members),
                "numbers": [member.number for member in members][:200],
                "capital_fen": sum(parsed.capital_fen for parsed in parsed_rows),
            },
        )
    return members


def _duplicates(cooperative: Organisation, rows: list[ParsedRow]) -> list[RowError]:
    """Rows repeating another row of the file, or a household already in the register."""
    errors: list[RowError] = []
    registered_numbers = set(
        Member.objects.filter(cooperative=cooperative).values_list("number", flat=True)
    )
    registered_households = set(
        Member.objects.filter(cooperative=cooperative, left_on__isnull=True).values_list(
            "household", "point_id"
        )
    )
    first_number: dict[str, int] = {}
    first_id: dict[str, int] = {}
    first_household: dict[tuple[str, int], int] = {}
    for parsed in rows:
        details = parsed.details
        if details.number:
            if details.number in registered_numbers:
                errors.append(
                    RowError(
                        parsed.row,
                        COLUMNS["number"],
                        _("Member number %(number)s is taken.") % {"number": details.number},
                    )
                )
            elif details.number in first_number:
                errors.append(
                    RowError(
                        parsed.row,
                        COLUMNS["number"],
                        _("The same as row %(row)d.") % {"row": first_number[details.number]},
                    )
                )
            else:
                first_number[details.number] = parsed.row
        if parsed.national_id:
            if parsed.national_id in first_id:
                errors.append(
                    RowError(
                        parsed.row,
                        COLUMNS["national_id"],
                        _("The same as row %(row)d.") % {"row": first_id[parsed.national_id]},
                    )
                )
            else:
                first_id[parsed.national_id] = parsed.row
        if details.household and details.point is not None:
            key = (details.household, details.point.pk)
            if key in registered_households:
                errors.append(
                    RowError(
                        parsed.row,
                        COLUMNS["household"],
                        _("%(household)s at this village point is already a member.")
                        % {"household": details.household},
                    )
                )
            elif key in first_household:
                errors.append(
                    RowError(
                        parsed.row,
                        COLUMNS["household"],
                        _("The same as row %(row)d.") % {"row": first_household[key]},
                    )
                )
            else:
                first_household[key] = parsed.row
    return errors
