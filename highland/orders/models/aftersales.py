"""After-sales: a buyer asks for money back (and perhaps to send the goods back) on a
delivered order; the seller decides, or the service centre once the seller let 48 hours
pass."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from highland.core.models import County, User
from highland.core.statemachine import StateMachine
from highland.core.storage import private_storage
from highland.orders.models.core import Order
from highland.payments.models import Refund


class AfterSaleKind(models.TextChoices):
    REFUND_ONLY = "refund_only", _("Refund only")
    RETURN_AND_REFUND = "return_and_refund", _("Return and refund")


class AfterSaleReason(models.TextChoices):
    DAMAGED = "damaged", _("Damaged")
    WRONG_ITEM = "wrong_item", _("Wrong item")
    NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
    SPOILED = "spoiled", _("Spoiled (cold chain)")
    MISSING = "missing", _("Missing")
    OTHER = "other", _("Other")


class AfterSaleStatus(models.TextChoices):
    OPEN = "open", _("Awaiting the seller")
    ESCALATED = "escalated", _("With the service centre")
    ACCEPTED = "accepted", _("Accepted")
    AWAITING_RETURN = "awaiting_return", _("Awaiting the returned goods")
    RETURNED = "returned", _("Goods returned")
    REFUNDED = "refunded", _("Refunded")
    REJECTED = "rejected", _("Rejected")


# The after-sale state machine: from each status, the statuses it may move to.
# "accepted" and "returned" are passed through in the same transaction as the refund
# (refunds are synchronous), so the audit trail shows each step.
AFTERSALE_TRANSITIONS: dict[str, frozenset[str]] = {
    AfterSaleStatus.OPEN: frozenset(
        {AfterSaleStatus.ACCEPTED, AfterSaleStatus.REJECTED, AfterSaleStatus.ESCALATED}
    ),
    AfterSaleStatus.ESCALATED: frozenset({AfterSaleStatus.ACCEPTED, AfterSaleStatus.REJECTED}),
    AfterSaleStatus.ACCEPTED: frozenset(
        {AfterSaleStatus.AWAITING_RETURN, AfterSaleStatus.REFUNDED}
    ),
    AfterSaleStatus.AWAITING_RETURN: frozenset({AfterSaleStatus.RETURNED}),
    AfterSaleStatus.RETURNED: frozenset({AfterSaleStatus.REFUNDED}),
    AfterSaleStatus.REFUNDED: frozenset(),
    AfterSaleStatus.REJECTED: frozenset(),
}

# A request in one of these is still in progress: the order has at most one, and is
# not paid out to the seller while it lasts.
ACTIVE_AFTERSALE_STATUSES: frozenset[str] = frozenset(
    status for status, moves in AFTERSALE_TRANSITIONS.items() if moves
)


AFTERSALE_MACHINE = StateMachine(
    AfterSaleStatus,
    AFTERSALE_TRANSITIONS,
    stamps={
        AfterSaleStatus.ESCALATED: ("escalated_at",),
        AfterSaleStatus.ACCEPTED: ("decided_at",),
        AfterSaleStatus.REJECTED: ("decided_at", "closed_at"),
        AfterSaleStatus.RETURNED: ("returned_at",),
        AfterSaleStatus.REFUNDED: ("closed_at",),
    },
)


class AfterSale(models.Model):
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="aftersales")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="aftersales")
    kind = models.CharField(_("kind"), max_length=20, choices=AfterSaleKind.choices)
    reason = models.CharField(_("reason"), max_length=20, choices=AfterSaleReason.choices)
    description = models.CharField(_("what happened"), max_length=1000, blank=True)
    amount_fen = models.BigIntegerField(_("amount requested (fen)"))
    status = models.CharField(
        _("status"), max_length=20, choices=AfterSaleStatus.choices, default=AfterSaleStatus.OPEN
    )
    opened_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="aftersales_opened")
    created_at = models.DateTimeField(auto_now_add=True)
    # Past this, an open request goes to the service centre.
    answer_by = models.DateTimeField(_("seller answers by"))
    escalated_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="aftersales_decided"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.CharField(_("why it was rejected"), max_length=200, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    refund = models.OneToOneField(
        Refund, null=True, blank=True, on_delete=models.PROTECT, related_name="aftersale"
    )

    class Meta:
        verbose_name = _("after-sale request")
        verbose_name_plural = _("after-sale requests")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "answer_by"]),
            models.Index(fields=["county", "status"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="aftersale_amount_positive"),
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(status__in=sorted(ACTIVE_AFTERSALE_STATUSES)),
                name="one_active_aftersale_per_order",
            ),
            models.CheckConstraint(
                condition=~Q(status="refunded") | Q(refund__isnull=False),
                name="refunded_aftersale_has_its_refund",
            ),
        ]

    def __str__(self) -> str:
        return f"AS{self.pk} ({self.order_id})"

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_AFTERSALE_STATUSES


def evidence_path(photo: AfterSalePhoto, filename: str) -> str:
    return f"orders/aftersales/{photo.county_id}/{photo.aftersale_id}/{filename}"


class AfterSalePhoto(models.Model):
    """Evidence for a request, kept only as a small WebP: enough to judge, little to store."""

    aftersale = models.ForeignKey(AfterSale, on_delete=models.CASCADE, related_name="photos")
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="+")
    # Private: served only through the request's photo view, which checks access.
    thumbnail = models.ImageField(
        _("photo"), upload_to=evidence_path, storage=private_storage, max_length=255
    )
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("after-sale photo")
        verbose_name_plural = _("after-sale photos")
        ordering = ["aftersale", "id"]

    def __str__(self) -> str:
        return f"{self.aftersale} photo {self.pk}"
