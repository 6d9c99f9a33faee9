"""What stock lots must say, per SKU (ADR 0010); checked by `manage.py verify`.

- sellable total (Sku.stock) + reserved-but-unpacked = Σ lot on hand;
- every line packed after lots existed is fully allocated (Σ allocation = its units, or
  its packed grams by weight);
- no lot is negative; no allocation returned more than it took.

Each check is one aggregate query, whatever the number of SKUs or lines. Apps that keep
more about lots (the hub's locations, ADR 0014) register their own checks with
`register_stock_check`; `verify_stock` runs them after these.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db.migrations.recorder import MigrationRecorder
from django.db.models import F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from highland.catalog.models import Sku, StockLot
from highland.core.hooks import Hook
from highland.core.models import County
from highland.orders.models import LineLotAllocation, OrderLine, OrderStatus

# Orders whose lines still hold a reservation on the SKU's sellable stock.
UNPACKED = (OrderStatus.PENDING_PAYMENT, OrderStatus.PAID)
OPENING_MIGRATION = ("orders", "0014_opening_stock_lots_lots")


def lots_since() -> dt.datetime | None:
    """When today's stock went into opening lots: lines packed before were never allocated
    (ADR 0010). None when the migration is not recorded (a test database built without
    migrations): then every packed line is checked."""
    applied = (
        MigrationRecorder.Migration.objects.filter(
            app=OPENING_MIGRATION[0], name=OPENING_MIGRATION[1]
        )
        .values_list("applied", flat=True)
        .first()
    )
    return applied


def _total(queryset: object, field: str) -> Coalesce:
    return Coalesce(
        Subquery(queryset.values(field)[:1]),  # type: ignore[attr-defined]
        Value(0),
    )


def skus_match_their_lots(county: County) -> list[str]:
    """Sellable + reserved-but-unpacked = Σ lot on hand, for every SKU of the county."""
    on_hand = (
        StockLot.objects.filter(sku_id=OuterRef("pk"))
        .order_by()
        .values("sku_id")
        .annotate(total=Sum("on_hand"))
    )
    reserved = (
        OrderLine.objects.filter(sku_id=OuterRef("pk"), order__status__in=UNPACKED)
        .order_by()
        .values("sku_id")
        .annotate(total=Sum("quantity"))
    )
    rows = (
        Sku.objects.filter(county=county)
        .annotate(on_hand=_total(on_hand, "total"), reserved=_total(reserved, "total"))
        .exclude(on_hand=F("stock") + F("reserved"))
        .order_by("pk")
        .values_list("code", "stock", "reserved", "on_hand")
    )
    return [
        _(
            "SKU %(code)s: %(stock)d for sale + %(reserved)d reserved is not the "
            "%(on_hand)d its lots hold."
        )
        % {"code": code, "stock": stock, "reserved": reserved, "on_hand": on_hand}
        for code, stock, reserved, on_hand in rows
    ]


def packed_lines_allocated(county: County) -> list[str]:
    """Every line packed since lots exist has allocations summing to what it packed."""
    allocated = (
        LineLotAllocation.objects.filter(line_id=OuterRef("pk"))
        .order_by()
        .values("line_id")
        .annotate(total=Sum("quantity"))
    )
    lines = OrderLine.objects.filter(order__county=county, order__packed_at__isnull=False)
    since = lots_since()
    if since is not None:
        lines = lines.filter(order__packed_at__gte=since)
    rows = (
        lines.annotate(
            allocated=_total(allocated, "total"),
            packed=Coalesce("packed_grams", "quantity"),
        )
        .exclude(allocated=F("packed"))
        .order_by("pk")
        .values_list("pk", "order__number", "packed", "allocated")
    )
    return [
        _("Order %(order)s line %(line)d packed %(packed)d but %(allocated)d is allocated to lots.")
        % {"order": number, "line": pk, "packed": packed, "allocated": allocated}
        for pk, number, packed, allocated in rows
    ]


def lots_not_negative(county: County) -> list[str]:
    """No lot below zero (the database refuses it too), no allocation returned twice or
    taken from another SKU's lot."""
    problems = [
        _("Lot %(lot)s holds %(on_hand)d.") % {"lot": code, "on_hand": on_hand}
        for code, on_hand in StockLot.objects.filter(county=county, on_hand__lt=0)
        .order_by("pk")
        .values_list("code", "on_hand")
    ]
    problems += [
        _("Allocation #%(allocation)d returned %(returned)d of %(quantity)d.")
        % {"allocation": pk, "returned": returned, "quantity": quantity}
        for pk, returned, quantity in LineLotAllocation.objects.filter(county=county)
        .filter(Q(returned__lt=0) | Q(returned__gt=F("quantity")) | Q(quantity__lte=0))
        .order_by("pk")
        .values_list("pk", "returned", "quantity")
    ]
    problems += [
        _("Allocation #%(allocation)d takes from lot %(lot)s of another SKU.")
        % {"allocation": pk, "lot": code}
        for pk, code in LineLotAllocation.objects.filter(county=county)
        .exclude(lot__sku_id=F("line__sku_id"))
        .order_by("pk")
        .values_list("pk", "lot__code")
    ]
    return problems


StockCheck = Callable[[County], list[str]]

stock_checks: Hook[StockCheck] = Hook("stock invariants")


def register_stock_check(name: str, check: StockCheck) -> StockCheck:
    """Add another app's stock check under a unique name (from its AppConfig.ready())."""
    return stock_checks.register(name, check)


def verify_stock(county: County) -> list[str]:
    """Every stock-lot problem of the county; empty when all hold. Problems found by
    registered checks are prefixed with the check's name."""
    return [
        *skus_match_their_lots(county),
        *packed_lines_allocated(county),
        *lots_not_negative(county),
        *(
            f"{name}: {problem}"
            for name, check in stock_checks.items()
            for problem in check(county)
        ),
    ]
