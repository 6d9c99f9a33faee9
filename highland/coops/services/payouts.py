"""Paying members: an approved run's shares move from the cooperative's seller payable to
each member (advances and debts recovered first), then by transfer from the bank or in
cash at the member's village point against their pickup code (ADR 0011)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from highland.coops.models import (
    SETTLEMENT_MACHINE,
    Member,
    MemberPayout,
    MemberShare,
    PayoutMethod,
    PayoutStatus,
    SettlementRun,
    SettlementStatus,
    SurplusShare,
)
from highland.coops.services.settlement import (
    cooperative_seller,
    owed_by_members,
    proceeds_changed,
)
from highland.core import audit, idempotency
from highland.core.errors import ValidationFailed
from highland.core.idempotency import IdempotentRequest
from highland.core.models import County, User
from highland.core.money import format_fen
from highland.core.permissions import require
from highland.ledger import accounts
from highland.ledger.memos import Memo
from highland.ledger.selectors import balance
from highland.ledger.services import post_entry
from highland.messaging.kinds import MessageKind, register_kind
from highland.messaging.services import queue_text_message
from highland.network.models import ServicePoint

# Transfers leave from the account that holds the money, as sellers' payouts do.
TRANSFER_SOURCE = accounts.BANK

MEMO_SETTLEMENT_PAID = "coops.settlement.paid"
MEMO_SETTLEMENT_TRANSFERRED = "coops.settlement.transferred"
MEMO_CASH_HANDED_OVER = "coops.payout.handed_over"
MEMO_SURPLUS_POSTED = "coops.surplus.posted"
MEMO_SURPLUS_TRANSFERRED = "coops.surplus.transferred"

MEMOS = {
    MEMO_SETTLEMENT_PAID: Memo(
        gettext_lazy("Settlement %(run)s: members' shares, %(count)s households"),
        ("run", "count"),
    ),
    MEMO_SETTLEMENT_TRANSFERRED: Memo(
        gettext_lazy("Settlement %(run)s: transfers to %(count)s households"), ("run", "count")
    ),
    MEMO_CASH_HANDED_OVER: Memo(
        gettext_lazy("Cash payout #%(payout)s handed to member %(member)s at %(point)s"),
        ("payout", "member", "point"),
    ),
    MEMO_SURPLUS_POSTED: Memo(
        gettext_lazy("Surplus %(year)s returned to %(count)s households"), ("year", "count")
    ),
    MEMO_SURPLUS_TRANSFERRED: Memo(
        gettext_lazy("Surplus %(year)s: transfers to %(count)s households"), ("year", "count")
    ),
}

# --- text messages ------------------------------------------------------------------------------

STATEMENT_CASH = "coops.statement_cash"
STATEMENT_TRANSFER = "coops.statement_transfer"
CASH_HANDED_OVER = "coops.cash_handed_over"
SURPLUS_CASH = "coops.surplus_cash"
SURPLUS_TRANSFER = "coops.surplus_transfer"


def register_kinds() -> None:
    """Called from `CoopsConfig.ready()`. Short on purpose: two SMS segments in Tibetan."""
    register_kind(
        MessageKind(
            STATEMENT_CASH,
            gettext_noop(
                "Settlement %(run)s: share %(share)s, deducted %(deducted)s, to you "
                "%(payable)s, debt %(debt)s. Cash at %(point)s, code %(code)s."
            ),
        )
    )
    register_kind(
        MessageKind(
            STATEMENT_TRANSFER,
            gettext_noop(
                "Settlement %(run)s: share %(share)s, deducted %(deducted)s, %(payable)s "
                "sent to account …%(account)s, debt %(debt)s."
            ),
        )
    )
    register_kind(
        MessageKind(
            CASH_HANDED_OVER,
            gettext_noop("Payout %(payout)s: %(amount)s handed over in cash at %(point)s."),
        )
    )
    register_kind(
        MessageKind(
            SURPLUS_CASH,
            gettext_noop(
                "Surplus %(year)s: by patronage %(patronage)s, by capital %(capital)s. "
                "Cash at %(point)s, code %(code)s."
            ),
        )
    )
    register_kind(
        MessageKind(
            SURPLUS_TRANSFER,
            gettext_noop(
                "Surplus %(year)s: by patronage %(patronage)s, by capital %(capital)s, "
                "sent to account …%(account)s."
            ),
        )
    )


def message_phone(member: Member) -> str:
    """The member's phone, or without one the phone of an agent of their village point."""
    if member.phone:
        return member.phone
    agent = (
        member.point.agents.exclude(phone="").order_by("pk").first() if member.point_id else None
    )
    return agent.phone if agent is not None else ""


def send_to_member(
    county: County, member: Member, *, kind: str, params: dict[str, object], key: str, actor: User
) -> None:
    phone = message_phone(member)
    if not phone:
        return  # nobody to text: the printed statement is the member's copy
    queue_text_message(
        county,
        phone=phone,
        kind=kind,
        params=params,
        dedupe_key=key,
        actor=actor,
        language=member.language,
    )


def point_name(point: ServicePoint | None, language: str) -> str:
    """The point's village in `language` (short, for a text message), else its name."""
    if point is None:
        return ""
    suffix = {"bo": "bo", "en": "en"}.get(language, "zh")
    return (
        getattr(point, f"village_{suffix}", "")
        or point.village_zh
        or getattr(point, f"name_{suffix}", "")
        or point.name_zh
    )


def statement_params(share: MemberShare, payout: MemberPayout | None) -> tuple[str, dict]:
    """The kind and parameters of a share's statement text message."""
    member = share.member
    common = {
        "run": share.run.number,
        "share": format_fen(share.share_fen),
        "deducted": format_fen(share.share_fen - share.payable_fen),
        "payable": format_fen(share.payable_fen),
        "debt": format_fen(share.debt_carried_fen),
    }
    if member.payout_method == PayoutMethod.CASH:
        return STATEMENT_CASH, {
            **common,
            "point": point_name(member.point, member.language),
            "code": payout.pickup_code if payout is not None else "-",
        }
    return STATEMENT_TRANSFER, {**common, "account": member.payout_account[-4:]}


# --- payouts ----------------------------------------------------------------------------------


def new_pickup_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


@dataclass(frozen=True)
class Payable:
    """What to pay one member: from a run's share or a surplus share."""

    member: Member
    amount_fen: int
    share: MemberShare | None = None
    surplus_share: SurplusShare | None = None


def create_payouts(
    county: County, payables: Sequence[Payable], *, actor: User
) -> tuple[list[MemberPayout], int]:
    """Payouts for what members are owed: transfers paid now, cash waiting at the
    member's point. Returns them and the total transferred (for the ledger entry)."""
    now = timezone.now()
    payouts = []
    transferred = 0
    for payable in payables:
        if payable.amount_fen <= 0:
            continue
        member = payable.member
        cash = member.payout_method == PayoutMethod.CASH
        payouts.append(
            MemberPayout(
                county=county,
                member=member,
                share=payable.share,
                surplus_share=payable.surplus_share,
                amount_fen=payable.amount_fen,
                method=member.payout_method,
                status=PayoutStatus.WAITING if cash else PayoutStatus.PAID,
                point=member.point if cash else None,
                pickup_code=new_pickup_code() if cash else "",
                paid_at=None if cash else now,
                paid_by=None if cash else actor,
            )
        )
        if not cash:
            transferred += payable.amount_fen
    MemberPayout.objects.bulk_create(payouts, batch_size=2000)
    return payouts, transferred


def transfer_lines(payouts: Sequence[MemberPayout]) -> list[tuple[str, int]]:
    lines = [
        (accounts.member_payable(payout.member_id), payout.amount_fen)
        for payout in payouts
        if payout.status == PayoutStatus.PAID
    ]
    total = sum(amount for _code, amount in lines)
    return [*lines, (TRANSFER_SOURCE, -total)] if lines else []


def check_bank_covers(county: County, amount_fen: int) -> None:
    held = balance(county, TRANSFER_SOURCE)
    if amount_fen > held:
        raise ValidationFailed(
            _("The transfers need %(amount)s but the bank account holds %(held)s.")
            % {"amount": format_fen(amount_fen), "held": format_fen(held)},
            code="bank_short",
        )


def settlement_lines(
    run: SettlementRun, shares: Sequence[MemberShare], seller_id: int
) -> list[tuple[str, int]]:
    """The run's entry: the cooperative's payable to each member's advance (what is
    recovered) and payable (the rest). Balanced: Σ share = Σ recovered + Σ payable."""
    lines: list[tuple[str, int]] = []
    for share in shares:
        recovered = share.share_fen - share.payable_fen
        if recovered:
            lines.append((accounts.member_advance(share.member_id), -recovered))
        if share.payable_fen:
            lines.append((accounts.member_payable(share.member_id), -share.payable_fen))
    total = -sum(amount for _code, amount in lines)
    return [(accounts.seller_payable(seller_id), total), *lines] if total else []


PAY_SCOPE = "coops.pay_settlement"


@transaction.atomic
def pay_settlement(
    run: SettlementRun, *, actor: User, idempotent_request: IdempotentRequest | None = None
) -> SettlementRun:
    """Pay an approved run: one entry moving Σ shares from the cooperative's payable to
    the members (advances and debts recovered first), one for the transfers from the
    bank, cash payouts waiting at the members' points, and each member's statement by
    text message. All or nothing, once: a second call finds the run paid and refuses (or,
    with the same Idempotency-Key, answers with the paid run)."""
    require(actor, "coops.pay_members", run)
    claim = None
    if idempotent_request is not None:
        claim = idempotency.claim(
            PAY_SCOPE, caller=idempotency.caller_of(actor), request=idempotent_request
        )
        if claim.replayed:
            return claim.stored_object(SettlementRun)
    run = (
        SettlementRun.objects.select_for_update(of=("self",))
        .select_related("cooperative")
        .get(pk=run.pk)
    )
    if run.status == SettlementStatus.PAID:
        raise ValidationFailed(
            _("Run %(run)s is already paid.") % {"run": run.number}, code="already_paid"
        )
    fields = SETTLEMENT_MACHINE.move(run, SettlementStatus.PAID)
    changed = proceeds_changed(run)
    if changed:
        raise ValidationFailed(
            " ".join(
                [
                    *changed,
                    _("Discard run %(run)s and draft it again.") % {"run": run.number},
                ]
            ),
            code="proceeds_changed",
        )
    county = run.county
    seller = cooperative_seller(run.cooperative)
    shares = list(run.shares.select_related("member__point", "run").order_by("member_id"))
    total = sum(share.share_fen for share in shares)
    owed_to_coop = -balance(county, accounts.seller_payable(seller.pk))
    if owed_to_coop < total:
        raise ValidationFailed(
            _(
                "The cooperative is owed %(owed)s on the marketplace, less than the "
                "%(total)s this run shares out: it cannot be paid now."
            )
            % {"owed": format_fen(owed_to_coop), "total": format_fen(total)},
            code="payable_short",
        )
    owed = owed_by_members(county, [share.member_id for share in shares])
    for share in shares:
        recovered = share.share_fen - share.payable_fen
        if recovered > owed.get(share.member_id, 0):
            raise ValidationFailed(
                _(
                    "Member %(member)s owes less than the run recovers from them (another "
                    "run recovered it first). Discard run %(run)s and draft it again."
                )
                % {"member": share.member.number, "run": run.number},
                code="debt_changed",
            )
    run.paid_by = actor
    run.save(update_fields=[*fields, "paid_by"])
    lines = settlement_lines(run, shares, seller.pk)
    if lines:
        post_entry(
            county,
            kind="coops.settlement.paid",
            memo_code=MEMO_SETTLEMENT_PAID,
            memo_params={"run": run.number, "count": len(shares)},
            lines=lines,
            actor=actor,
            reference=run,
        )
    payouts, transferred = create_payouts(
        county,
        [Payable(share.member, share.payable_fen, share=share) for share in shares],
        actor=actor,
    )
    if transferred:
        check_bank_covers(county, transferred)
        post_entry(
            county,
            kind="coops.settlement.transferred",
            memo_code=MEMO_SETTLEMENT_TRANSFERRED,
            memo_params={
                "run": run.number,
                "count": sum(1 for p in payouts if p.status == PayoutStatus.PAID),
            },
            lines=transfer_lines(payouts),
            actor=actor,
            reference=run,
        )
    by_share = {payout.share_id: payout for payout in payouts}
    for share in shares:
        kind, params = statement_params(share, by_share.get(share.pk))
        send_to_member(
            county,
            share.member,
            kind=kind,
            params=params,
            key=f"coops.statement:{share.pk}",
            actor=actor,
        )
    audit.record(
        actor,
        "coops.settlement.paid",
        run,
        {
            "net_fen": run.net_fen,
            "shares_fen": total,
            "transferred_fen": transferred,
            "cash_waiting": sum(1 for p in payouts if p.status == PayoutStatus.WAITING),
        },
    )
    if claim is not None:
        claim.complete(obj=run)
    return run


HAND_OVER_SCOPE = "coops.hand_over_cash"


@transaction.atomic
def hand_over_member_cash(
    payout: MemberPayout,
    *,
    pickup_code: str,
    actor: User,
    idempotent_request: IdempotentRequest | None = None,
) -> MemberPayout:
    """The agent of the payout's point hands the cash over; the member's code proves it
    is theirs. The point's cash drawer pays. Handed over once: a second time is refused
    (or, with the same Idempotency-Key, answered with the payout)."""
    claim = None
    if idempotent_request is not None:
        require(actor, "coops.hand_over_cash", payout)
        claim = idempotency.claim(
            HAND_OVER_SCOPE, caller=idempotency.caller_of(actor), request=idempotent_request
        )
        if claim.replayed:
            return claim.stored_object(MemberPayout)
    payout = (
        MemberPayout.objects.select_for_update(of=("self",))
        .select_related("member", "point", "share__run", "surplus_share__distribution")
        .get(pk=payout.pk)
    )
    require(actor, "coops.hand_over_cash", payout)
    if payout.status == PayoutStatus.PAID or payout.point is None:
        raise ValidationFailed(
            _("This payout was already handed over."), code="already_handed_over"
        )
    if not secrets.compare_digest(payout.pickup_code.encode(), pickup_code.strip().encode()):
        raise ValidationFailed(_("The pickup code does not match."), field="pickup_code")
    payout.status = PayoutStatus.PAID
    payout.paid_at = timezone.now()
    payout.paid_by = actor
    payout.save(update_fields=["status", "paid_at", "paid_by"])
    post_entry(
        payout.county,
        kind="coops.payout.handed_over",
        memo_code=MEMO_CASH_HANDED_OVER,
        memo_params={
            "payout": payout.pk,
            "member": payout.member.number,
            "point": payout.point.code,
        },
        lines=[
            (accounts.member_payable(payout.member_id), payout.amount_fen),
            (accounts.cash_at_point(payout.point.code), -payout.amount_fen),
        ],
        actor=actor,
        reference=payout,
    )
    send_to_member(
        payout.county,
        payout.member,
        kind=CASH_HANDED_OVER,
        params={
            "payout": payout.pk,
            "amount": format_fen(payout.amount_fen),
            "point": point_name(payout.point, payout.member.language),
        },
        key=f"coops.handed_over:{payout.pk}",
        actor=actor,
    )
    audit.record(
        actor,
        "coops.payout.handed_over",
        payout,
        {"amount_fen": payout.amount_fen, "point": payout.point.code},
        on_behalf_of=payout.member.head,
    )
    if claim is not None:
        claim.complete(obj=payout)
    return payout
