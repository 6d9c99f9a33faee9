"""The sandbox's settlement book: what the gateway pays into the merchant's bank, per day.

Every paid charge and every refund becomes a settlement item of its day (China Standard
Time). A day's open items are closed into a batch once the day is over (or at once via
the test API); a batch pays `gross − fees − refunds` into the merchant's bank. The fee
is `fee_rate_bp` basis points of each charge, rounded half up, and is not returned when
the charge is refunded. Call every method with the gateway's lock held.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from highland.core.sandboxes import CHINA_STANDARD_TIME


@dataclass(frozen=True)
class SettlementItem:
    kind: str  # "charge" or "refund"
    out_trade_no: str
    gateway_trade_no: str
    out_refund_no: str | None
    amount_fen: int
    fee_fen: int
    at: str  # ISO 8601 in +08:00
    day: date

    def as_dict(self) -> dict[str, object]:
        return {
            "type": self.kind,
            "out_trade_no": self.out_trade_no,
            "gateway_trade_no": self.gateway_trade_no,
            "out_refund_no": self.out_refund_no,
            "amount_fen": self.amount_fen,
            "fee_fen": self.fee_fen,
            "at": self.at,
        }


@dataclass
class Batch:
    batch_id: str
    settle_date: date
    items: list[SettlementItem] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        charges = [item for item in self.items if item.kind == "charge"]
        refunds = [item for item in self.items if item.kind == "refund"]
        gross = sum(item.amount_fen for item in charges)
        fees = sum(item.fee_fen for item in charges)
        refunded = sum(item.amount_fen for item in refunds)
        return {
            "batch_id": self.batch_id,
            "settle_date": self.settle_date.isoformat(),
            "gross_fen": gross,
            "fee_fen": fees,
            "refund_fen": refunded,
            "net_fen": gross - fees - refunded,
            "charge_count": len(charges),
            "refund_count": len(refunds),
            "items": [item.as_dict() for item in self.items],
        }


class SettlementBook:
    def __init__(self, fee_rate_bp: int) -> None:
        if not 0 <= fee_rate_bp < 10_000:
            raise ValueError("the fee rate is 0 to 9999 basis points")
        self.fee_rate_bp = fee_rate_bp
        self._open: dict[str, list[SettlementItem]] = {}
        self._batches: dict[str, list[Batch]] = {}

    def fee_for(self, amount_fen: int) -> int:
        return (amount_fen * self.fee_rate_bp + 5_000) // 10_000

    def record(
        self,
        merchant_id: str,
        kind: str,
        out_trade_no: str,
        gateway_trade_no: str,
        amount_fen: int,
        *,
        out_refund_no: str | None = None,
    ) -> None:
        """A charge paid or a refund made now joins the open items of its day."""
        now = datetime.now(CHINA_STANDARD_TIME)
        item = SettlementItem(
            kind=kind,
            out_trade_no=out_trade_no,
            gateway_trade_no=gateway_trade_no,
            out_refund_no=out_refund_no,
            amount_fen=amount_fen,
            fee_fen=self.fee_for(amount_fen) if kind == "charge" else 0,
            at=now.isoformat(timespec="seconds"),
            day=now.date(),
        )
        self._open.setdefault(merchant_id, []).append(item)

    def close(self, merchant_id: str, *, through: date) -> list[Batch]:
        """Close the open items of days up to `through` into one new batch per day."""
        still_open: list[SettlementItem] = []
        closing: dict[date, list[SettlementItem]] = {}
        for item in self._open.get(merchant_id, []):
            if item.day <= through:
                closing.setdefault(item.day, []).append(item)
            else:
                still_open.append(item)
        self._open[merchant_id] = still_open
        batches = self._batches.setdefault(merchant_id, [])
        closed = []
        for day, items in sorted(closing.items()):
            number = sum(1 for batch in batches if batch.settle_date == day) + 1
            batch = Batch(f"SB{day:%Y%m%d}-{number:03d}", day, items)
            batches.append(batch)
            closed.append(batch)
        return closed

    def report(self, merchant_id: str, settle_date: date, *, today: date) -> list[Batch]:
        """The batches of `settle_date`, closing every day before `today` first."""
        self.close(merchant_id, through=date.fromordinal(today.toordinal() - 1))
        return [
            batch
            for batch in self._batches.get(merchant_id, [])
            if batch.settle_date == settle_date
        ]
