"""Valid resident IDs and register rows for the members tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(serial: int, born: str = "19800101") -> str:
    """A resident ID of Litang (513334) with a correct check digit."""
    body = f"513334{born}{serial % 1000:03d}"
    total = sum(int(digit) * weight for digit, weight in zip(body, _WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def member_row(serial: int, **overrides: Any) -> dict[str, Any]:
    """One register row (template column key -> cell value)."""
    row: dict[str, Any] = {
        "number": "",
        "household": f"测试{serial}家",
        "head_name": f"户主{serial}",
        "national_id": resident_id(serial),
        "phone": "",
        "point": "LT-S01-V01",
        "payout_method": "现金",
        "payout_bank": "",
        "payout_account": "",
        "language": "中文",
        "joined_on": dt.date(2026, 3, 1),
        "capital": "",
    }
    row.update(overrides)
    return row


def register_workbook(rows: list[dict[str, Any]]) -> bytes:
    """A filled-in template."""
    import io

    from openpyxl import load_workbook

    from highland.coops.services.excel import COLUMNS, member_template_workbook

    workbook = load_workbook(io.BytesIO(member_template_workbook()))
    sheet = workbook.worksheets[0]
    for row in rows:
        sheet.append([row.get(key, "") for key in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
