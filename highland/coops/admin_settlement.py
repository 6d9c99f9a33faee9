"""Back office for settlement runs, member payouts and the annual surplus: read-only,
since every figure here moved money through the ledger; changes go through the services."""

from __future__ import annotations

from django.contrib import admin

from highland.coops.models import (
    MemberPayout,
    MemberShare,
    SettledAllocation,
    SettlementLot,
    SettlementRun,
    SurplusDistribution,
    SurplusShare,
)
from highland.core.readonly_admin import ReadOnly, ReadOnlyInline


class SettlementLotInline(ReadOnlyInline):
    model = SettlementLot
    fields = ("lot", "proceeds_fen", "logistics_cost_fen", "processing_cost_fen")


@admin.register(SettlementRun)
class SettlementRunAdmin(ReadOnly):
    list_display = ("number", "cooperative", "status", "partial", "proceeds_fen", "net_fen")
    list_filter = ("status", "partial")
    search_fields = ("number",)
    inlines = (SettlementLotInline,)


@admin.register(MemberShare)
class MemberShareAdmin(ReadOnly):
    list_display = ("run", "member", "share_fen", "payable_fen", "debt_carried_fen")
    search_fields = ("run__number", "member__number", "member__household")


@admin.register(SettledAllocation)
class SettledAllocationAdmin(ReadOnly):
    list_display = ("settlement_lot", "allocation", "amount_fen")


@admin.register(MemberPayout)
class MemberPayoutAdmin(ReadOnly):
    list_display = ("member", "amount_fen", "method", "status", "point", "paid_at")
    list_filter = ("status", "method")
    # The pickup code is the member's secret, like an order's: not shown here.
    exclude = ("pickup_code",)


class SurplusShareInline(ReadOnlyInline):
    model = SurplusShare
    fields = ("member", "volume_fen", "capital_fen", "patronage_part_fen", "capital_part_fen")


@admin.register(SurplusDistribution)
class SurplusDistributionAdmin(ReadOnly):
    list_display = ("cooperative", "year", "status", "distributable_fen", "reserve_fen")
    list_filter = ("status", "year")
    inlines = (SurplusShareInline,)
