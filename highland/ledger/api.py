"""Ledger API: balances, entries and the invariant checks, for officials and the centre."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from highland.core.access import home_county
from highland.core.models import County, User
from highland.core.permissions import require
from highland.core.schemas import ERROR_RESPONSES, PageQuery
from highland.ledger import accounts, selectors
from highland.ledger.invariants import verify_ledger
from highland.ledger.models import ACCOUNT_CODE_MAX_LENGTH, Entry

router = Router(tags=["ledger"])


class BalanceOut(Schema):
    code: str
    name: str = Field(..., description="What the account is, in the reader's language")
    balance_fen: int


class BalanceQuery(Schema):
    prefix: str = Field(
        "", max_length=ACCOUNT_CODE_MAX_LENGTH, pattern=r"^[A-Za-z0-9:-]*$", examples=["Assets"]
    )


class PostingOut(Schema):
    account: str
    account_name: str = Field(..., description="What the account is, in the reader's language")
    amount_fen: int


class EntryOut(Schema):
    id: int
    occurred_at: dt.datetime
    kind: str
    memo: str = Field(..., description="What the entry is for, in the reader's language")
    memo_code: str
    memo_params: dict[str, Any]
    description: str = Field(..., description="The memo in the site's default language")
    reference_type: str
    reference_id: str
    created_by_id: int | None
    postings: list[PostingOut]


class EntryPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[EntryOut]


class VerifyOut(Schema):
    ok: bool
    problems: list[str]


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise HttpError(401, "Log in or send a device token.")
    return request.user


def _ledger_county(request: HttpRequest) -> County:
    user = _user(request)
    county = home_county(user)
    require(user, "ledger.view_ledger", county)
    return county


def entry_out(entry: Entry, names: dict[str, str]) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "occurred_at": entry.occurred_at,
        "kind": entry.kind,
        "memo": entry.memo,
        "memo_code": entry.memo_code,
        "memo_params": entry.memo_params,
        "description": entry.description,
        "reference_type": entry.reference_type,
        "reference_id": entry.reference_id,
        "created_by_id": entry.created_by_id,
        "postings": [
            {
                "account": posting.account.code,
                "account_name": names.get(posting.account.code, posting.account.code),
                "amount_fen": posting.amount_fen,
            }
            for posting in entry.postings.all()
        ],
    }


@router.get("/balances", response={200: list[BalanceOut], **ERROR_RESPONSES})
def list_balances(request: HttpRequest, filters: Query[BalanceQuery]) -> list[dict[str, Any]]:
    county = _ledger_county(request)
    balances = selectors.balances(county, filters.prefix)
    names = accounts.describe_all(county, balances)
    return [
        {"code": code, "name": names[code], "balance_fen": amount}
        for code, amount in balances.items()
    ]


@router.get("/entries", response={200: EntryPage, **ERROR_RESPONSES})
def list_entries(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    county = _ledger_county(request)
    entries = selectors.county_entries(county)
    items = list(entries[page.offset : page.offset + page.limit])
    names = accounts.describe_all(
        county, {posting.account.code for entry in items for posting in entry.postings.all()}
    )
    return {
        "count": entries.count(),
        "limit": page.limit,
        "offset": page.offset,
        "items": [entry_out(entry, names) for entry in items],
    }


@router.get("/verify", response={200: VerifyOut, **ERROR_RESPONSES})
def verify(request: HttpRequest) -> dict[str, Any]:
    problems = verify_ledger(_ledger_county(request))
    return {"ok": not problems, "problems": problems}
