"""Settlement runs that pay members back for sold lots, and the annual surplus."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from highland.coops.models.intake import ProduceLot
from highland.coops.models.members import Member, PayoutMethod
from highland.core.models import County, Organisation, User
from highland.core.statemachine import StateMachine
from highland.network.models import ServicePoint


class SettlementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEWED = "reviewed", _("Reviewed")
    APPROVED = "approved", _("Approved")
    PAID = "paid", _("Paid")
    DISCARDED = "discarded", _("Discarded")


SETTLEMENT_MACHINE = StateMachine(
    SettlementStatus,
    {
        SettlementStatus.DRAFT: frozenset({SettlementStatus.REVIEWED, SettlementStatus.DISCARDED}),
        SettlementStatus.REVIEWED: frozenset(
            {SettlementStatus.APPROVED, SettlementStatus.DRAFT, SettlementStatus.DISCARDED}
        ),
        SettlementStatus.APPROVED: frozenset({SettlementStatus.PAID}),
    },
    stamps={
        SettlementStatus.REVIEWED: ("reviewed_at",),
        SettlementStatus.APPROVED: ("approved_at",),
        SettlementStatus.PAID: ("paid_at",),
    },
)


class SettlementRun(models.Model):
    """Proceeds of one or more produce lots shared among the members who brought them in.

    net = proceeds − logistics − processing − the cooperative's fee; shared by net weight
    × grade factor, largest remainder. `partial` settles what has sold so far of a lot
    that still has stock (at a period's end); the next run settles only what sold after.
    """

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="+")
    cooperative = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="coop_settlements"
    )
    number = models.CharField(_("run number"), max_length=30)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=SettlementStatus.choices,
        default=SettlementStatus.DRAFT,
    )
    partial = models.BooleanField(_("partial (stock left unsold)"), default=False)
    proceeds_fen = models.BigIntegerField(_("proceeds (fen)"), default=0)
    logistics_cost_fen = models.BigIntegerField(_("logistics cost (fen)"), default=0)
    processing_cost_fen = models.BigIntegerField(_("processing cost (fen)"), default=0)
    fee_fen = models.BigIntegerField(_("cooperative's service fee (fen)"), default=0)
    fee_bp = models.PositiveIntegerField(_("service fee (basis points)"), default=0)
    net_fen = models.BigIntegerField(_("shared among members (fen)"), default=0)
    # Costs (and refunds after an earlier run) the proceeds could not cover: borne by the
    # cooperative, never a negative share (ADR 0011).
    shortfall_fen = models.BigIntegerField(_("shortfall (fen)"), default=0)
    drafted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    reviewed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    paid_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("settlement run")
        verbose_name_plural = _("settlement runs")
        ordering = ["cooperative_id", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["county", "number"], name="settlement_number_unique"),
        ]

    def __str__(self) -> str:
        return self.number


class SettlementLot(models.Model):
    """A produce lot in a run, with the proceeds and costs it brought."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="+")
    run = models.ForeignKey(SettlementRun, on_delete=models.CASCADE, related_name="lots")
    lot = models.ForeignKey(ProduceLot, on_delete=models.PROTECT, related_name="settlements")
    proceeds_fen = models.BigIntegerField(default=0)
    logistics_cost_fen = models.BigIntegerField(default=0)
    processing_cost_fen = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "lot"], name="settlement_lot_once"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.lot_id}"


class SettledAllocation(models.Model):
    """What a run counted, for one produce lot, of the proceeds of one order line's lot
    allocation. The next run of the same lot counts only the difference (ADR 0011): what
    sold since, or a refund that came after (a negative amount)."""

    settlement_lot = models.ForeignKey(
        SettlementLot, on_delete=models.CASCADE, related_name="allocations"
    )
    allocation = models.ForeignKey(
        "orders.LineLotAllocation", on_delete=models.PROTECT, related_name="+"
    )
    amount_fen = models.BigIntegerField(_("counted (fen)"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["settlement_lot", "allocation"], name="settled_allocation_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.settlement_lot_id}/{self.allocation_id}: {self.amount_fen}"


class MemberShare(models.Model):
    """One member's part of a run. `share_fen` is their part of the net by weighted grams;
    advances and debt brought forward are deducted; what cannot be deducted is carried as
    debt to the next run (`debt_carried_fen`), never a negative payment."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="+")
    run = models.ForeignKey(SettlementRun, on_delete=models.CASCADE, related_name="shares")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="shares")
    net_g = models.BigIntegerField(_("net weight (g)"))
    # Σ net_g × factor_bp over the member's intakes in the run's lots.
    weighted = models.BigIntegerField(_("weighted grams"))
    share_fen = models.BigIntegerField(_("share (fen)"))
    advances_fen = models.BigIntegerField(_("advances deducted (fen)"), default=0)
    debt_brought_fen = models.BigIntegerField(_("debt brought forward (fen)"), default=0)
    payable_fen = models.BigIntegerField(_("to pay (fen)"))
    debt_carried_fen = models.BigIntegerField(_("debt carried forward (fen)"), default=0)

    class Meta:
        verbose_name = _("member share")
        verbose_name_plural = _("member shares")
        ordering = ["run_id", "member_id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "member"], name="member_share_once"),
            models.CheckConstraint(
                condition=Q(share_fen__gte=0, payable_fen__gte=0, debt_carried_fen__gte=0),
                name="member_share_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.member_id}: {self.share_fen}"


class PayoutStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting to be handed over")
    PAID = "paid", _("Paid")


class MemberPayout(models.Model):
    """Money paid to a member household: their payable from a run or a surplus year, by
    transfer, or in cash at their village point against the code on their statement."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="payouts")
    share = models.OneToOneField(
        MemberShare, null=True, blank=True, on_delete=models.PROTECT, related_name="payout"
    )
    surplus_share = models.OneToOneField(
        "coops.SurplusShare",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payout",
    )
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    method = models.CharField(_("method"), max_length=10, choices=PayoutMethod.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=PayoutStatus.choices, default=PayoutStatus.WAITING
    )
    point = models.ForeignKey(
        ServicePoint, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    pickup_code = models.CharField(_("pickup code"), max_length=12, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("member payout")
        verbose_name_plural = _("member payouts")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="member_payout_positive"),
            models.CheckConstraint(
                condition=Q(share__isnull=False, surplus_share__isnull=True)
                | Q(share__isnull=True, surplus_share__isnull=False),
                name="member_payout_of_one_thing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.amount_fen} ({self.status})"


class SurplusStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    POSTED = "posted", _("Posted")


class SurplusDistribution(models.Model):
    """A year's distributable surplus: the public reserve withheld, at least the rules'
    patronage share returned by each member's transactions in the year, the rest by
    capital."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="+")
    cooperative = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="coop_surpluses"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"), max_length=10, choices=SurplusStatus.choices, default=SurplusStatus.DRAFT
    )
    distributable_fen = models.BigIntegerField(_("distributable surplus (fen)"))
    reserve_bp = models.PositiveIntegerField(_("public reserve (basis points)"))
    patronage_bp = models.PositiveIntegerField(_("patronage share (basis points)"))
    reserve_fen = models.BigIntegerField(_("public reserve (fen)"))
    patronage_fen = models.BigIntegerField(_("returned by patronage (fen)"))
    capital_fen = models.BigIntegerField(_("returned by capital (fen)"))
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    posted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("annual surplus distribution")
        verbose_name_plural = _("annual surplus distributions")
        ordering = ["cooperative_id", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "year"], name="surplus_once_a_year"),
            models.CheckConstraint(
                condition=Q(distributable_fen__gte=0), name="surplus_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(
                    distributable_fen=models.F("reserve_fen")
                    + models.F("patronage_fen")
                    + models.F("capital_fen")
                ),
                name="surplus_parts_sum",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cooperative_id} {self.year}"


class SurplusShare(models.Model):
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="+")
    distribution = models.ForeignKey(
        SurplusDistribution, on_delete=models.CASCADE, related_name="shares"
    )
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="surplus_shares")
    # The member's transactions with the cooperative in the year (their settled shares).
    volume_fen = models.BigIntegerField(_("transactions in the year (fen)"))
    capital_fen = models.BigIntegerField(_("capital (fen)"))
    patronage_part_fen = models.BigIntegerField(_("by patronage (fen)"))
    capital_part_fen = models.BigIntegerField(_("by capital (fen)"))

    class Meta:
        ordering = ["distribution_id", "member_id"]
        constraints = [
            models.UniqueConstraint(fields=["distribution", "member"], name="surplus_share_once"),
            models.CheckConstraint(
                condition=Q(patronage_part_fen__gte=0, capital_part_fen__gte=0),
                name="surplus_share_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.distribution_id}/{self.member_id}"
