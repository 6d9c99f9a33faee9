"""Cooperatives' models, one module per part: rules, members, intake (intakes, produce
lots, processing) and settlement (runs, shares, payouts, the annual surplus)."""

from highland.coops.models.intake import (
    LOT_MACHINE,
    MAX_WEIGHT_G,
    Intake,
    LotStatus,
    ProcessingInput,
    ProcessingOutput,
    ProcessingRun,
    ProduceLot,
)
from highland.coops.models.members import CapitalContribution, Member, PayoutMethod
from highland.coops.models.rules import (
    BASIS_POINTS,
    MIN_PATRONAGE_SHARE_BP,
    CooperativeRules,
    Grade,
    Produce,
)
from highland.coops.models.settlement import (
    SETTLEMENT_MACHINE,
    MemberPayout,
    MemberShare,
    PayoutStatus,
    SettledAllocation,
    SettlementLot,
    SettlementRun,
    SettlementStatus,
    SurplusDistribution,
    SurplusShare,
    SurplusStatus,
)

__all__ = [
    "BASIS_POINTS",
    "LOT_MACHINE",
    "MAX_WEIGHT_G",
    "MIN_PATRONAGE_SHARE_BP",
    "SETTLEMENT_MACHINE",
    "CapitalContribution",
    "CooperativeRules",
    "Grade",
    "Intake",
    "LotStatus",
    "Member",
    "MemberPayout",
    "MemberShare",
    "PayoutMethod",
    "PayoutStatus",
    "ProcessingInput",
    "ProcessingOutput",
    "ProcessingRun",
    "Produce",
    "ProduceLot",
    "SettledAllocation",
    "SettlementLot",
    "SettlementRun",
    "SettlementStatus",
    "SurplusDistribution",
    "SurplusShare",
    "SurplusStatus",
]
