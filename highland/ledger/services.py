"""Posting to the ledger: the one way money movements are written down.

Other apps call `post_entry` from their own services, inside the transaction of the
business change, so the change and its entry commit or roll back together. Those services
check permissions and write the audit record; the ledger keeps who posted (`created_by`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.core.errors import Conflict, ValidationFailed
from highland.core.models import County, User
from highland.core.money import format_fen
from highland.ledger import memos
from highland.ledger.models import Account, Entry, Posting, account_kind, reference_of

Line = tuple[str, int]

# "<app>.<object>.<verb>", like audit actions: orders.payment.received.
ENTRY_KIND = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")
KIND_MAX_LENGTH = Entry._meta.get_field("kind").max_length or 80
REVERSAL_KIND = "ledger.entry.reversed"
KEY_MAX_LENGTH = Entry._meta.get_field("idempotency_key").max_length or 120


def _checked_lines(lines: Sequence[Line]) -> list[Line]:
    """The lines as (code, amount) if they can form an entry; raise ValidationFailed if not."""
    if len(lines) < 2:
        raise ValidationFailed(
            _("An entry needs at least two lines; it has %(count)d.") % {"count": len(lines)},
            code="too_few_lines",
        )
    checked: list[Line] = []
    for code, amount in lines:
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise ValidationFailed(
                _("The amount on %(account)s is not a whole number of fen.") % {"account": code},
                code="bad_amount",
            )
        if amount == 0:
            raise ValidationFailed(
                _("The line on %(account)s has no amount; leave it out.") % {"account": code},
                code="zero_amount",
            )
        try:
            account_kind(code)
        except ValidationError as error:
            raise ValidationFailed(" ".join(error.messages), code="bad_account") from error
        checked.append((code, amount))
    total = sum(amount for _code, amount in checked)
    if total != 0:
        raise ValidationFailed(
            _("Debits and credits differ by %(difference)s; the entry does not balance.")
            % {"difference": format_fen(total)},
            code="unbalanced",
        )
    return checked


def _checked_memo(
    code: str, params: Mapping[str, Any] | None, description: str
) -> tuple[str, dict[str, Any]]:
    """The memo code and parameters to store; a bare description becomes a legacy memo."""
    if not code:
        return memos.LEGACY, {"text": description.strip()}
    try:
        memos.check(code, params or {})
    except (KeyError, ValueError) as error:
        raise ValidationFailed(
            _("The memo “%(code)s” is not known or its parameters are wrong.") % {"code": code},
            code="bad_memo",
        ) from error
    return code, dict(params or {})


def _check_reference(county: County, reference: models.Model | None) -> tuple[str, str]:
    if reference is None:
        return "", ""
    if reference.pk is None:
        raise ValidationFailed(
            _("The entry refers to an object that is not saved yet."), code="bad_reference"
        )
    reference_county_id = getattr(reference, "county_id", None)
    if isinstance(reference, County):
        reference_county_id = reference.pk
    if reference_county_id is not None and reference_county_id != county.pk:
        raise ValidationFailed(
            _("The entry refers to an object of another county."), code="bad_reference"
        )
    return reference_of(reference)


def _accounts(county: County, codes: set[str]) -> dict[str, Account]:
    """The county's accounts with these codes, opening the ones not used before."""
    accounts = {
        account.code: account for account in Account.objects.filter(county=county, code__in=codes)
    }
    for code in sorted(codes - accounts.keys()):
        # get_or_create survives a concurrent first use of the same code.
        accounts[code], _created = Account.objects.get_or_create(
            county=county, code=code, defaults={"name": code.rsplit(":", 1)[-1]}
        )
    return accounts


def _same_entry(entry: Entry, kind: str, reference: tuple[str, str], lines: Sequence[Line]) -> bool:
    posted = Counter(
        (posting.account.code, posting.amount_fen)
        for posting in entry.postings.select_related("account")
    )
    return (
        entry.kind == kind
        and (entry.reference_type, entry.reference_id) == reference
        and posted == Counter(lines)
    )


def _replay(
    county: County, key: str, kind: str, reference: tuple[str, str], lines: Sequence[Line]
) -> Entry | None:
    """The entry already posted under `key`, if any; refuse if it differs from this one."""
    existing = Entry.objects.filter(county=county, idempotency_key=key).first()
    if existing is None:
        return None
    if not _same_entry(existing, kind, reference, lines):
        raise Conflict(
            _(
                "Entry #%(entry)d was already posted with the key “%(key)s” and a different "
                "kind, reference or lines; nothing was posted."
            )
            % {"entry": existing.pk, "key": key},
            code="idempotency_conflict",
        )
    return existing


@transaction.atomic
def post_entry(
    county: County,
    *,
    kind: str,
    lines: Sequence[Line],
    actor: User | None,
    memo_code: str = "",
    memo_params: Mapping[str, Any] | None = None,
    description: str = "",
    reference: models.Model | None = None,
    idempotency_key: str | None = None,
    occurred_at: dt.datetime | None = None,
) -> Entry:
    """Post a balanced entry of (account code, fen) lines: debits positive, credits negative.

    Call inside the business change's transaction (it is a savepoint there). Accounts are
    opened on first use. With an `idempotency_key` already used in the county, returns
    that entry when kind, reference and lines are the same, and refuses otherwise. Writes
    no audit record: the calling service audits its business action.

    The memo is a code registered in `ledger.memos.MEMOS` with exactly its parameters; a
    bare `description` (older callers) is kept as the memo code 'legacy'.
    """
    if len(kind) > KIND_MAX_LENGTH or not ENTRY_KIND.fullmatch(kind):
        raise ValidationFailed(
            _("The entry kind “%(kind)s” is not of the form app.object.verb.") % {"kind": kind},
            code="bad_kind",
        )
    memo_code, memo_params = _checked_memo(memo_code, memo_params, description)
    checked = _checked_lines(lines)
    reference_key = _check_reference(county, reference)
    if idempotency_key is not None:
        idempotency_key = idempotency_key.strip()
        if not idempotency_key or len(idempotency_key) > KEY_MAX_LENGTH:
            raise ValidationFailed(
                _("An idempotency key has 1 to %(limit)d characters.") % {"limit": KEY_MAX_LENGTH},
                code="bad_idempotency_key",
            )
        existing = _replay(county, idempotency_key, kind, reference_key, checked)
        if existing is not None:
            return existing
    if occurred_at is None:
        occurred_at = timezone.now()
    elif timezone.is_naive(occurred_at):
        raise ValidationFailed(
            _("The time of an entry must carry its time zone."), code="naive_datetime"
        )
    accounts = _accounts(county, {code for code, _amount in checked})
    entry = Entry(
        county=county,
        occurred_at=occurred_at,
        kind=kind,
        memo_code=memo_code,
        memo_params=memo_params,
        description=memos.render_default(memo_code, memo_params),
        reference_type=reference_key[0],
        reference_id=reference_key[1],
        idempotency_key=idempotency_key,
        created_by=actor if actor is not None and actor.pk else None,
    )
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        # Another transaction posted the same key between our look-up and this insert.
        if idempotency_key is None:
            raise
        existing = _replay(county, idempotency_key, kind, reference_key, checked)
        if existing is None:
            raise
        return existing
    Posting.objects.bulk_create(
        Posting(entry=entry, account=accounts[code], amount_fen=amount) for code, amount in checked
    )
    return entry


@transaction.atomic
def post_reversal(
    entry: Entry,
    *,
    actor: User | None,
    idempotency_key: str | None = None,
    occurred_at: dt.datetime | None = None,
) -> Entry:
    """Cancel `entry` by posting its lines with opposite signs; the ledger keeps both.

    Call inside the business change's transaction. The reversal's kind is
    'ledger.entry.reversed' and its reference is the reversed entry; an entry is
    reversed at most once (a replay with the same idempotency key returns the reversal).
    """
    replayed = (
        idempotency_key is not None
        and Entry.objects.filter(county=entry.county, idempotency_key=idempotency_key).exists()
    )
    already_reversed = Entry.objects.filter(
        county=entry.county,
        kind=REVERSAL_KIND,
        reference_type=reference_of(entry)[0],
        reference_id=reference_of(entry)[1],
    ).exists()
    if already_reversed and not replayed:
        raise ValidationFailed(
            _("Entry #%(entry)d has already been reversed.") % {"entry": entry.pk},
            code="already_reversed",
        )
    lines = [
        (posting.account.code, -posting.amount_fen)
        for posting in entry.postings.select_related("account").order_by("pk")
    ]
    return post_entry(
        entry.county,
        kind=REVERSAL_KIND,
        memo_code=memos.REVERSAL,
        memo_params={"entry": entry.pk},
        lines=lines,
        actor=actor,
        reference=entry,
        idempotency_key=idempotency_key,
        occurred_at=occurred_at,
    )
