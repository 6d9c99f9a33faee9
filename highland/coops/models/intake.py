"""Produce brought in by members, pooled into lots, and processed into stock lots."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from highland.catalog.models import StockLot
from highland.coops.models.members import Member
from highland.coops.models.rules import Grade, Produce
from highland.core.models import County, Organisation, User
from highland.core.statemachine import StateMachine
from highland.core.storage import private_storage
from highland.network.models import ServicePoint

MAX_WEIGHT_G = 10_000_000  # 10 t on one scale reading


class LotStatus(models.TextChoices):
    OPEN = "open", _("Open: taking intakes")
    CLOSED = "closed", _("Closed: waiting to be stocked or processed")
    STOCKED = "stocked", _("Received into stock")
    PROCESSED = "processed", _("Processed")


LOT_MACHINE = StateMachine(
    LotStatus,
    {
        LotStatus.OPEN: frozenset({LotStatus.CLOSED}),
        LotStatus.CLOSED: frozenset({LotStatus.OPEN, LotStatus.STOCKED, LotStatus.PROCESSED}),
    },
    stamps={LotStatus.CLOSED: ("closed_at",)},
)


class ProduceLot(models.Model):
    """Intakes of one produce and grade pooled together (a collection day, or as the
    manager chooses). Either received straight into a SKU's stock (`stock_lot`) or used
    as an input of processing runs."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="+")
    cooperative = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="coop_lots"
    )
    code = models.CharField(_("lot code"), max_length=40)
    produce = models.ForeignKey(Produce, on_delete=models.PROTECT, related_name="lots")
    grade_code = models.CharField(_("grade"), max_length=10)
    collected_on = models.DateField(_("collected on"))
    status = models.CharField(
        _("status"), max_length=12, choices=LotStatus.choices, default=LotStatus.OPEN
    )
    stock_lot = models.OneToOneField(
        StockLot, null=True, blank=True, on_delete=models.PROTECT, related_name="coop_lot"
    )
    # Carrying the lot from the points to the yard or hub, charged at settlement.
    logistics_cost_fen = models.BigIntegerField(_("logistics cost (fen)"), default=0)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("produce lot")
        verbose_name_plural = _("produce lots")
        ordering = ["cooperative_id", "-collected_on", "code"]
        constraints = [
            models.UniqueConstraint(fields=["county", "code"], name="produce_lot_code_unique"),
            models.CheckConstraint(
                condition=Q(logistics_cost_fen__gte=0), name="produce_lot_cost_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.code


def intake_photo_path(intake: Intake, filename: str) -> str:
    return f"coops/intakes/{intake.county_id}/{intake.cooperative_id}/{filename}"


class Intake(models.Model):
    """One weighing of one member's produce at a village point or the cooperative's yard.

    Net = gross − tare, always above zero. The grade's factor is copied from the rules in
    force at intake, so a later rules version never changes what was promised.
    """

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="+")
    cooperative = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="coop_intakes"
    )
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="intakes")
    produce = models.ForeignKey(Produce, on_delete=models.PROTECT, related_name="intakes")
    grade = models.ForeignKey(Grade, on_delete=models.PROTECT, related_name="intakes")
    factor_bp = models.PositiveIntegerField(_("grade factor (basis points)"))
    gross_g = models.BigIntegerField(_("gross weight (g)"))
    tare_g = models.BigIntegerField(_("tare (g)"), default=0)
    net_g = models.BigIntegerField(_("net weight (g)"))
    attributes = models.JSONField(_("measurements"), default=dict, blank=True)
    photo = models.ImageField(
        _("photo"), storage=private_storage, upload_to=intake_photo_path, blank=True
    )
    # The village point it was weighed at; empty at the cooperative's own yard.
    point = models.ForeignKey(
        ServicePoint, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("weighed at"))
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    # Printed on the receipt and sent by text: the member looks the intake up with it.
    check_code = models.CharField(_("check code"), max_length=12)
    advance_fen = models.BigIntegerField(_("cash advance (fen)"), default=0)
    lot = models.ForeignKey(
        ProduceLot, null=True, blank=True, on_delete=models.PROTECT, related_name="intakes"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("intake")
        verbose_name_plural = _("intakes")
        ordering = ["-recorded_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "check_code"], name="intake_check_code_unique"
            ),
            models.CheckConstraint(
                condition=Q(net_g__gt=0, tare_g__gte=0)
                & Q(net_g=models.F("gross_g") - models.F("tare_g")),
                name="intake_net_is_gross_less_tare",
            ),
            models.CheckConstraint(
                condition=Q(advance_fen__gte=0), name="intake_advance_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["lot", "member"]),
            models.Index(fields=["member", "recorded_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.check_code} {self.net_g} g"


class ProcessingRun(models.Model):
    """Produce lots made into packs (10 kg of fresh yak meat → 28 jerky packs of 100 g).

    Outputs are stock lots whose origin is this run, so every pack keeps the link to the
    produce lots it was made from; proceeds go back to the inputs by grams used.
    """

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="+")
    cooperative = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="coop_processing_runs"
    )
    code = models.CharField(_("run code"), max_length=40)
    ran_on = models.DateField(_("processed on"))
    processing_cost_fen = models.BigIntegerField(_("processing cost (fen)"), default=0)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("processing run")
        verbose_name_plural = _("processing runs")
        ordering = ["cooperative_id", "-ran_on", "code"]
        constraints = [
            models.UniqueConstraint(fields=["county", "code"], name="processing_run_code_unique"),
            models.CheckConstraint(
                condition=Q(processing_cost_fen__gte=0), name="processing_cost_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class ProcessingInput(models.Model):
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="+")
    run = models.ForeignKey(ProcessingRun, on_delete=models.CASCADE, related_name="inputs")
    lot = models.ForeignKey(ProduceLot, on_delete=models.PROTECT, related_name="processing_inputs")
    grams = models.BigIntegerField(_("grams used"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "lot"], name="processing_input_once"),
            models.CheckConstraint(condition=Q(grams__gt=0), name="processing_input_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id} ← {self.lot_id} {self.grams} g"


class ProcessingOutput(models.Model):
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="+")
    run = models.ForeignKey(ProcessingRun, on_delete=models.CASCADE, related_name="outputs")
    stock_lot = models.OneToOneField(
        StockLot, on_delete=models.PROTECT, related_name="processing_output"
    )

    class Meta:
        verbose_name = _("processing output")
        verbose_name_plural = _("processing outputs")

    def __str__(self) -> str:
        return f"{self.run_id} → {self.stock_lot_id}"
