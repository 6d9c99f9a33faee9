"""Stock lots by location in the hub (ADR 0014): how much of a lot lies at each location,
and every movement that changed it.

A lot's goods are either at locations (its placements) or not yet put away (received,
on the packing bench after picking, or at the seller's premises): per lot,
Σ placement.quantity ≤ lot.on_hand, the rest is "not yet put away". Every writer of a
lot's placements holds the lot's row lock first (the lock order of ADR 0010: lots in
ascending id), so placements of one lot change one transaction at a time.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from highland.catalog.models import StockLot
from highland.core.models import County, User
from highland.logistics.models.hub import HubLocation


class LotPlacement(models.Model):
    """So much of a lot lies at one location (units, or grams for goods sold by weight).

    A row that reaches zero is deleted: "where is lot X" lists only places with goods.
    """

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="lot_placements")
    # Lots are never deleted by the product; a data repair that removes one (or a test
    # rebuilding the world before lots) takes where it lay and its moves with it.
    lot = models.ForeignKey(
        StockLot, on_delete=models.CASCADE, related_name="placements", verbose_name=_("lot")
    )
    location = models.ForeignKey(
        HubLocation,
        on_delete=models.PROTECT,
        related_name="placements",
        verbose_name=_("location"),
    )
    quantity = models.BigIntegerField(_("quantity"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("lot at a location")
        verbose_name_plural = _("lots at locations")
        ordering = ["lot_id", "location__code"]
        constraints = [
            models.UniqueConstraint(fields=["lot", "location"], name="lot_placement_unique"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="lot_placement_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.lot_id}@{self.location_id}: {self.quantity}"


class LotMovementKind(models.TextChoices):
    PUT_AWAY = "put_away", _("Put away")
    MOVED = "moved", _("Moved")
    PICKED = "picked", _("Picked")
    # Packing (or a stocktake) took goods out of the lot beyond what was not yet put away:
    # they must have come from its locations (ADR 0014).
    TAKEN_BY_PACKING = "taken", _("Taken out by packing or a stock count")


class LotMovement(models.Model):
    """One change to where a lot's goods lie: from a location (or from "not yet put
    away"), to a location (or to the packing bench), how much, by whom."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="lot_movements")
    lot = models.ForeignKey(
        StockLot, on_delete=models.CASCADE, related_name="movements", verbose_name=_("lot")
    )
    kind = models.CharField(_("what happened"), max_length=10, choices=LotMovementKind.choices)
    from_location = models.ForeignKey(
        HubLocation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from"),
    )
    to_location = models.ForeignKey(
        HubLocation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("to"),
    )
    quantity = models.BigIntegerField(_("quantity"))
    # The order a pick was for, when the picker named one.
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("order"),
    )
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("lot movement")
        verbose_name_plural = _("lot movements")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="lot_movement_positive"),
            models.CheckConstraint(
                condition=Q(from_location__isnull=False) | Q(to_location__isnull=False),
                name="lot_movement_has_a_place",
            ),
        ]
        indexes = [models.Index(fields=["lot", "created_at"], name="lot_movement_lot_time")]

    def __str__(self) -> str:
        return f"{self.lot_id} {self.kind} {self.quantity}"
