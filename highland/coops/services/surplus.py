"""The annual surplus: the public reserve withheld, at least the rules' patronage share
returned by each member's transactions with the cooperative in the year (their settled
shares in runs paid that year), the rest by capital contribution; largest remainder,
exact to the fen (the Farmers' Professional Cooperatives Law, ADR 0011)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.coops.models import (
    BASIS_POINTS,
    CapitalContribution,
    Member,
    MemberShare,
    PayoutStatus,
    SettlementStatus,
    SurplusDistribution,
    SurplusShare,
    SurplusStatus,
)
from highland.coops.services.payouts import (
    MEMO_SURPLUS_POSTED,
    MEMO_SURPLUS_TRANSFERRED,
    SURPLUS_CASH,
    SURPLUS_TRANSFER,
    Payable,
    check_bank_covers,
    create_payouts,
    point_name,
    send_to_member,
    transfer_lines,
)
from highland.coops.services.rules import rules_in_force
from highland.coops.services.settlement import cooperative_seller, half_up
from highland.core import audit, idempotency
from highland.core.errors import ValidationFailed
from highland.core.idempotency import IdempotentRequest
from highland.core.models import Organisation, User
from highland.core.money import allocate, format_fen
from highland.core.permissions import require
from highland.ledger import accounts
from highland.ledger.selectors import balance
from highland.ledger.services import post_entry


@dataclass(frozen=True)
class SurplusSplit:
    reserve_fen: int
    patronage_fen: int
    capital_fen: int
    # member id → (volume, capital, by patronage, by capital)
    parts: dict[int, tuple[int, int, int, int]]
    capital_by_volume: bool  # nobody had capital: the capital part went by volume too
    patronage_by_capital: bool  # nobody traded with the cooperative: all by capital


def split_surplus(
    distributable_fen: int,
    *,
    reserve_bp: int,
    patronage_bp: int,
    volumes: dict[int, int],
    capitals: dict[int, int],
) -> SurplusSplit:
    """Pure: the reserve (half up), the patronage part (rounded up: "at least" the rules'
    share), the rest by capital; each shared by largest remainder in member order."""
    reserve = half_up(distributable_fen, reserve_bp)
    remainder = distributable_fen - reserve
    patronage = -(-remainder * patronage_bp // BASIS_POINTS)
    capital = remainder - patronage
    members = sorted(
        {pk for pk, amount in volumes.items() if amount > 0}
        | {pk for pk, amount in capitals.items() if amount > 0}
    )
    if remainder and not members:
        raise ValidationFailed(
            _(
                "No member traded with the cooperative in the year or holds capital: there "
                "is nobody to return the surplus to."
            ),
            field="distributable",
            code="nobody",
        )
    volume = [max(volumes.get(pk, 0), 0) for pk in members]
    held = [max(capitals.get(pk, 0), 0) for pk in members]
    patronage_by_capital = not any(volume)
    capital_by_volume = not any(held)
    by_patronage = allocate(patronage, held if patronage_by_capital else volume) if members else []
    by_capital = allocate(capital, volume if capital_by_volume else held) if members else []
    return SurplusSplit(
        reserve_fen=reserve,
        patronage_fen=patronage,
        capital_fen=capital,
        parts={
            pk: (volume[i], held[i], by_patronage[i], by_capital[i]) for i, pk in enumerate(members)
        },
        capital_by_volume=capital_by_volume and capital > 0,
        patronage_by_capital=patronage_by_capital and patronage > 0,
    )


def year_volumes(cooperative: Organisation, year: int) -> dict[int, int]:
    """member id → Σ of their shares in runs paid in `year` (local time), in SQL."""
    start = timezone.make_aware(dt.datetime(year, 1, 1))
    end = timezone.make_aware(dt.datetime(year + 1, 1, 1))
    return {
        member_id: int(total)
        for member_id, total in MemberShare.objects.filter(
            run__cooperative=cooperative,
            run__status=SettlementStatus.PAID,
            run__paid_at__gte=start,
            run__paid_at__lt=end,
        )
        .values("member_id")
        .annotate(total=Sum("share_fen"))
        .values_list("member_id", "total")
    }


def year_end_capital(cooperative: Organisation, year: int) -> dict[int, int]:
    """member id → capital held at the end of `year` (Σ contributions up to 31 December)."""
    return {
        member_id: int(total)
        for member_id, total in CapitalContribution.objects.filter(
            member__cooperative=cooperative, occurred_on__lte=dt.date(year, 12, 31)
        )
        .values("member_id")
        .annotate(total=Sum("amount_fen"))
        .values_list("member_id", "total")
    }


@transaction.atomic
def draft_surplus_distribution(
    cooperative: Organisation, *, year: int, distributable_fen: int, actor: User
) -> SurplusDistribution:
    """Draft the year's distribution (a draft of the same year is replaced; a posted one
    stays). Uses the rules in force on 31 December of `year`."""
    require(actor, "coops.manage_cooperative", cooperative)
    if distributable_fen < 0:
        raise ValidationFailed(
            _("The distributable surplus cannot be negative."), field="distributable"
        )
    if not 2000 <= year <= timezone.localdate().year:
        raise ValidationFailed(_("Choose a year that has ended or is running."), field="year")
    existing = (
        SurplusDistribution.objects.select_for_update()
        .filter(cooperative=cooperative, year=year)
        .first()
    )
    if existing is not None and existing.status == SurplusStatus.POSTED:
        raise ValidationFailed(
            _("The surplus of %(year)s is already posted.") % {"year": year},
            field="year",
            code="already_posted",
        )
    rules = rules_in_force(cooperative, dt.date(year, 12, 31))
    split = split_surplus(
        distributable_fen,
        reserve_bp=rules.public_reserve_bp,
        patronage_bp=rules.patronage_share_bp,
        volumes=year_volumes(cooperative, year),
        capitals=year_end_capital(cooperative, year),
    )
    if existing is not None:
        existing.delete()
    distribution = SurplusDistribution.objects.create(
        county=cooperative.county,
        cooperative=cooperative,
        year=year,
        distributable_fen=distributable_fen,
        reserve_bp=rules.public_reserve_bp,
        patronage_bp=rules.patronage_share_bp,
        reserve_fen=split.reserve_fen,
        patronage_fen=split.patronage_fen,
        capital_fen=split.capital_fen,
        created_by=actor,
    )
    SurplusShare.objects.bulk_create(
        (
            SurplusShare(
                county=cooperative.county,
                distribution=distribution,
                member_id=pk,
                volume_fen=volume,
                capital_fen=capital,
                patronage_part_fen=by_patronage,
                capital_part_fen=by_capital,
            )
            for pk, (volume, capital, by_patronage, by_capital) in split.parts.items()
        ),
        batch_size=2000,
    )
    audit.record(
        actor,
        "coops.surplus.drafted",
        distribution,
        {
            "year": year,
            "distributable_fen": distributable_fen,
            "reserve_fen": split.reserve_fen,
            "patronage_fen": split.patronage_fen,
            "capital_fen": split.capital_fen,
            "capital_by_volume": split.capital_by_volume,
            "patronage_by_capital": split.patronage_by_capital,
        },
    )
    return distribution


def how_shared(distribution: SurplusDistribution) -> list[str]:
    """Sentences for the report when a part could not go the usual way."""
    notes = []
    shares = list(distribution.shares.all())
    if distribution.capital_fen and not any(share.capital_fen > 0 for share in shares):
        notes.append(_("No member holds capital: the capital part was shared by volume too."))
    if distribution.patronage_fen and not any(share.volume_fen > 0 for share in shares):
        notes.append(
            _("No member traded with the cooperative this year: all was shared by capital.")
        )
    return notes


POST_SCOPE = "coops.post_surplus"


@transaction.atomic
def post_surplus_distribution(
    distribution: SurplusDistribution,
    *,
    actor: User,
    idempotent_request: IdempotentRequest | None = None,
) -> SurplusDistribution:
    """Post the year's distribution: the cooperative's payable to each member's payable
    (the reserve stays with the cooperative), transfers from the bank, cash waiting at
    the members' points, a text message to each member."""
    require(actor, "coops.pay_members", distribution)
    claim = None
    if idempotent_request is not None:
        claim = idempotency.claim(
            POST_SCOPE, caller=idempotency.caller_of(actor), request=idempotent_request
        )
        if claim.replayed:
            return claim.stored_object(SurplusDistribution)
    distribution = (
        SurplusDistribution.objects.select_for_update(of=("self",))
        .select_related("cooperative")
        .get(pk=distribution.pk)
    )
    if distribution.status == SurplusStatus.POSTED:
        raise ValidationFailed(
            _("The surplus of %(year)s is already posted.") % {"year": distribution.year},
            code="already_posted",
        )
    county = distribution.county
    seller = cooperative_seller(distribution.cooperative)
    shares = list(distribution.shares.select_related("member__point").order_by("member_id"))
    total = distribution.patronage_fen + distribution.capital_fen
    owed_to_coop = -balance(county, accounts.seller_payable(seller.pk))
    if owed_to_coop < total:
        raise ValidationFailed(
            _(
                "The cooperative is owed %(owed)s on the marketplace, less than the "
                "%(total)s to return to members."
            )
            % {"owed": format_fen(owed_to_coop), "total": format_fen(total)},
            code="payable_short",
        )
    distribution.status = SurplusStatus.POSTED
    distribution.posted_at = timezone.now()
    distribution.posted_by = actor
    distribution.save(update_fields=["status", "posted_at", "posted_by"])
    member_lines = [
        (
            accounts.member_payable(share.member_id),
            -(share.patronage_part_fen + share.capital_part_fen),
        )
        for share in shares
        if share.patronage_part_fen + share.capital_part_fen
    ]
    if member_lines:
        post_entry(
            county,
            kind="coops.surplus.posted",
            memo_code=MEMO_SURPLUS_POSTED,
            memo_params={"year": distribution.year, "count": len(member_lines)},
            lines=[(accounts.seller_payable(seller.pk), total), *member_lines],
            actor=actor,
            reference=distribution,
        )
    payouts, transferred = create_payouts(
        county,
        [
            Payable(
                share.member,
                share.patronage_part_fen + share.capital_part_fen,
                surplus_share=share,
            )
            for share in shares
        ],
        actor=actor,
    )
    if transferred:
        check_bank_covers(county, transferred)
        post_entry(
            county,
            kind="coops.surplus.transferred",
            memo_code=MEMO_SURPLUS_TRANSFERRED,
            memo_params={
                "year": distribution.year,
                "count": sum(1 for p in payouts if p.status == PayoutStatus.PAID),
            },
            lines=transfer_lines(payouts),
            actor=actor,
            reference=distribution,
        )
    for payout in payouts:
        share = payout.surplus_share
        assert share is not None
        member: Member = share.member
        params: dict[str, object] = {
            "year": distribution.year,
            "patronage": format_fen(share.patronage_part_fen),
            "capital": format_fen(share.capital_part_fen),
        }
        if payout.status == PayoutStatus.WAITING:
            kind = SURPLUS_CASH
            params |= {
                "point": point_name(member.point, member.language),
                "code": payout.pickup_code,
            }
        else:
            kind = SURPLUS_TRANSFER
            params |= {"account": member.payout_account[-4:]}
        send_to_member(
            county, member, kind=kind, params=params, key=f"coops.surplus:{share.pk}", actor=actor
        )
    audit.record(
        actor,
        "coops.surplus.posted",
        distribution,
        {"returned_fen": total, "reserve_fen": distribution.reserve_fen, "members": len(shares)},
    )
    if claim is not None:
        claim.complete(obj=distribution)
    return distribution
