"""Which stock lots an order line's goods were packed from (ADR 0010)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from highland.catalog.models import StockLot
from highland.core.models import County
from highland.orders.models.core import OrderLine


class LineLotAllocation(models.Model):
    """Part of an order line packed from one lot: units, or packed grams by weight.

    A line is fully allocated once packed: Σ quantity = its units (or packed grams).
    `returned` counts what an after-sale return put back into the same lot.
    """

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="+")
    line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="lot_allocations")
    lot = models.ForeignKey(StockLot, on_delete=models.PROTECT, related_name="allocations")
    quantity = models.BigIntegerField(_("quantity"))
    returned = models.BigIntegerField(_("returned"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("lot allocation")
        verbose_name_plural = _("lot allocations")
        constraints = [
            models.UniqueConstraint(fields=["line", "lot"], name="allocation_one_per_line_lot"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="allocation_positive"),
            models.CheckConstraint(
                condition=Q(returned__gte=0, returned__lte=models.F("quantity")),
                name="allocation_returned_within_quantity",
            ),
        ]
        indexes = [models.Index(fields=["lot", "line"])]

    def __str__(self) -> str:
        return f"{self.line_id} ← {self.lot_id} × {self.quantity}"
