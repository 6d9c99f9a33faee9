"""The member register: households, their capital contributions and how they are paid."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from highland.core.models import County, Organisation, User
from highland.network.models import ServicePoint


class PayoutMethod(models.TextChoices):
    BANK = "bank", _("Bank account")
    MOBILE = "mobile", _("Mobile payment")
    CASH = "cash", _("Cash at the village point")


class Member(models.Model):
    """A member household of one cooperative. The head of household is a person (often a
    villager registered by the point's agent); the phone is optional because herders
    often share one."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="+")
    cooperative = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="coop_members"
    )
    number = models.CharField(_("member number"), max_length=20)
    household = models.CharField(_("household"), max_length=80)
    head = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="coop_memberships",
        verbose_name=_("head of household"),
    )
    # Only the last four digits are kept readable: "**************1234".
    national_id_masked = models.CharField(_("national ID (masked)"), max_length=18, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=11, blank=True)
    point = models.ForeignKey(
        ServicePoint,
        on_delete=models.PROTECT,
        related_name="coop_members",
        verbose_name=_("village point"),
    )
    payout_method = models.CharField(
        _("payout method"),
        max_length=10,
        choices=PayoutMethod.choices,
        default=PayoutMethod.CASH,
    )
    # Bank name and account, or the mobile-payment account; empty for cash.
    payout_bank = models.CharField(_("bank"), max_length=80, blank=True)
    payout_account = models.CharField(_("payout account"), max_length=40, blank=True)
    language = models.CharField(_("language for messages"), max_length=10, default="zh-hans")
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("member household")
        verbose_name_plural = _("member households")
        ordering = ["cooperative_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "number"], name="member_number_unique"),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="member_leaves_after_joining",
            ),
            models.CheckConstraint(
                condition=Q(payout_method="cash") | ~Q(payout_account=""),
                name="member_transfer_needs_account",
            ),
        ]
        indexes = [models.Index(fields=["cooperative", "household"])]

    def __str__(self) -> str:
        return f"{self.number} {self.household}"

    @property
    def is_active(self) -> bool:
        return self.left_on is None


class CapitalContribution(models.Model):
    """Capital paid in (positive) or withdrawn (negative) by a member; the sum is their
    capital, by which the part of the surplus not returned by patronage is shared."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="contributions")
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    occurred_on = models.DateField(_("date"))
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("capital contribution")
        verbose_name_plural = _("capital contributions")
        ordering = ["member_id", "occurred_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount_fen=0), name="contribution_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.amount_fen}"
