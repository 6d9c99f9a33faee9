"""After-sales: opening a request on a delivered order, evidence photos, the seller's (or,
after 48 hours without an answer, the service centre's) decision, the returned parcel and
the refund out of the seller's payable.

Locks follow the money paths' order: the payment row, then the order, then the request
(`orders.paying.lock_order`). The refund is requested here and paid back after commit.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import IO, Any

from django.core.files.base import ContentFile, File
from django.db import IntegrityError, transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.catalog.services import make_thumbnail
from highland.core import audit
from highland.core.errors import NotFound, ValidationFailed
from highland.core.models import County, User
from highland.core.money import format_fen
from highland.core.permissions import allowed, require
from highland.orders.lot_allocation import return_goods
from highland.orders.models import (
    ACTIVE_AFTERSALE_STATUSES,
    AFTERSALE_MACHINE,
    AfterSale,
    AfterSaleKind,
    AfterSalePhoto,
    AfterSaleReason,
    AfterSaleStatus,
    Order,
    OrderStatus,
)
from highland.orders.paying import lock_order
from highland.orders.services import seller_payable_account
from highland.payments import refunds

SELLER_ANSWER_TIME = dt.timedelta(hours=48)
# A completed order still takes requests this long after completion.
WINDOW_AFTER_COMPLETION = dt.timedelta(days=7)
MAX_DESCRIPTION = 1000
MAX_REJECT_REASON = 200
MAX_PHOTOS = 6
MAX_PHOTO_BYTES = 8 * 1024 * 1024
# Photos are taken while the request waits for a decision, not after.
PHOTO_STATUSES = frozenset({AfterSaleStatus.OPEN, AfterSaleStatus.ESCALATED})


# --- reads ------------------------------------------------------------------------------------


def refundable_fen(order: Order) -> int:
    """What after-sales may still give back on `order`: goods plus the catch-weight
    adjustment, less what earlier requests refunded. Shipping is not refunded."""
    refunded = order.aftersales.filter(status=AfterSaleStatus.REFUNDED).aggregate(
        total=Sum("amount_fen")
    )["total"]
    return order.items_fen + order.adjustment_fen - int(refunded or 0)


def eligible_for_aftersale(order: Order, *, now: dt.datetime | None = None) -> bool:
    """Whether the order is in the window for a request (delivered, or completed lately)."""
    return aftersale_window_problem(order, now or timezone.now()) is None


def aftersale_window_problem(order: Order, now: dt.datetime) -> ValidationFailed | None:
    """Why the order takes no request now (the error to raise or show), or None."""
    if order.status == OrderStatus.DELIVERED:
        return None
    if order.status == OrderStatus.COMPLETED:
        if order.completed_at is not None and order.completed_at >= now - WINDOW_AFTER_COMPLETION:
            return None
        return ValidationFailed(
            _("The order was completed more than %(days)d days ago; it takes no more requests.")
            % {"days": WINDOW_AFTER_COMPLETION.days},
            code="window_closed",
        )
    return ValidationFailed(
        _("Refunds and returns are requested once the order is delivered."),
        code="not_delivered",
    )


def access_aftersale(user: User, aftersale_id: int) -> AfterSale:
    """The request if `user` may see its order; missing and not-yours give the same 404."""
    aftersale = (
        AfterSale.objects.select_related(
            "county", "order__county", "order__seller", "order__payment", "order__buyer"
        )
        .filter(pk=aftersale_id)
        .first()
    )
    if aftersale is None or not allowed(user, "orders.view_order", aftersale.order):
        raise NotFound(_("No such request."))
    return aftersale


def aftersales_of_order(order: Order) -> QuerySet[AfterSale]:
    return order.aftersales.order_by("-created_at")


def escalated_aftersales(county: County) -> QuerySet[AfterSale]:
    """Requests the service centre has to handle: escalated and not yet closed, oldest first."""
    return (
        AfterSale.objects.filter(
            county=county, escalated_at__isnull=False, status__in=ACTIVE_AFTERSALE_STATUSES
        )
        .select_related("order__seller", "order__buyer")
        .order_by("escalated_at", "pk")
    )


# --- state machine ----------------------------------------------------------------------------


def transition(
    aftersale: AfterSale,
    new_status: str,
    *,
    actor: User | None,
    data: dict[str, Any] | None = None,
    on_behalf_of: User | None = None,
) -> list[str]:
    """Move `aftersale` to `new_status` and audit the move, or raise; returns the fields to
    save. Call inside the action's transaction."""
    current = AfterSaleStatus(aftersale.status)
    fields = AFTERSALE_MACHINE.move(aftersale, new_status)
    audit.record(
        actor,
        f"orders.aftersale.{new_status}",
        aftersale,
        {"from": current.value, **(data or {})},
        on_behalf_of=on_behalf_of,
    )
    return fields


def _locked(aftersale: AfterSale) -> tuple[AfterSale, Order]:
    """The payment, the order and the request, locked in that order, freshly read."""
    order = lock_order(aftersale.order_id)
    locked = AfterSale.objects.select_for_update(of=("self",)).get(pk=aftersale.pk)
    locked.order = order
    locked.county = order.county
    return locked, order


def _on_behalf_of(order: Order, actor: User) -> User | None:
    return order.buyer if order.buyer_id != actor.pk else None


# --- opening ----------------------------------------------------------------------------------


@transaction.atomic
def open_aftersale(
    order: Order,
    *,
    actor: User,
    kind: str,
    reason: str,
    description: str = "",
    amount_fen: int | None = None,
    now: dt.datetime | None = None,
) -> AfterSale:
    """The buyer (or the agent who placed the order) asks for money back on a delivered order.

    `amount_fen` defaults to all that is left refundable; it may not be more. An order has
    at most one request in progress.
    """
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("county", "seller", "buyer")
        .get(pk=order.pk)
    )
    require(actor, "orders.open_aftersale", order)
    now = now or timezone.now()
    problem = aftersale_window_problem(order, now)
    if problem is not None:
        raise problem
    description = description.strip()
    errors: dict[str, list[str]] = {}
    if kind not in AfterSaleKind.values:
        errors["kind"] = [_("Choose refund only, or return and refund.")]
    if reason not in AfterSaleReason.values:
        errors["reason"] = [_("Choose what is wrong with the order.")]
    elif reason == AfterSaleReason.OTHER and not description:
        errors["description"] = [_("Say what is wrong with the order.")]
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = [
            _("Say it in at most %(limit)d characters.") % {"limit": MAX_DESCRIPTION}
        ]
    if errors:
        raise ValidationFailed(_("Please correct the request."), errors=errors)
    if order.aftersales.filter(status__in=ACTIVE_AFTERSALE_STATUSES).exists():
        raise _already_open()
    left = refundable_fen(order)
    if left <= 0:
        raise ValidationFailed(
            _("Nothing is left to refund on this order."), code="nothing_refundable"
        )
    amount = left if amount_fen is None else amount_fen
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValidationFailed(
            _("The amount must be more than zero."), field="amount_fen", code="bad_amount"
        )
    if amount > left:
        raise ValidationFailed(
            _("At most %(amount)s is left to refund on this order.") % {"amount": format_fen(left)},
            field="amount_fen",
            code="over_refundable",
        )
    try:
        with transaction.atomic():
            aftersale = AfterSale.objects.create(
                county=order.county,
                order=order,
                kind=kind,
                reason=reason,
                description=description,
                amount_fen=amount,
                opened_by=actor,
                answer_by=now + SELLER_ANSWER_TIME,
            )
    except IntegrityError:
        # The order lock makes this a backstop; the partial unique index is the guarantee.
        raise _already_open() from None
    audit.record(
        actor,
        "orders.aftersale.opened",
        aftersale,
        {
            "order": order.number,
            "kind": kind,
            "reason": reason,
            "amount_fen": amount,
            "answer_by": aftersale.answer_by.isoformat(),
        },
        on_behalf_of=_on_behalf_of(order, actor),
    )
    return aftersale


def _already_open() -> ValidationFailed:
    return ValidationFailed(_("This order already has a request in progress."), code="already_open")


# --- evidence ---------------------------------------------------------------------------------


def _read_photo(upload: IO[bytes] | File) -> bytes:
    too_large = ValidationFailed(
        _("The photo is larger than 8 MB. Send a smaller one."), code="too_large", field="photo"
    )
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_PHOTO_BYTES:
        raise too_large
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(MAX_PHOTO_BYTES + 1)
    if len(data) > MAX_PHOTO_BYTES:
        raise too_large
    if not data:
        raise ValidationFailed(_("The file is empty."), code="empty", field="photo")
    return bytes(data)


@transaction.atomic
def add_aftersale_photo(
    aftersale: AfterSale, upload: IO[bytes] | File, *, actor: User
) -> AfterSalePhoto:
    """Keep an evidence photo as a WebP at most 480 px wide; the original is not stored.

    The file is written before the row; if the transaction then rolls back it stays
    behind unreferenced (a media sweep removes it).
    """
    aftersale = (
        AfterSale.objects.select_for_update(of=("self",))
        .select_related("county", "order__seller", "order__county")
        .get(pk=aftersale.pk)
    )
    require(actor, "orders.add_aftersale_photo", aftersale)
    if aftersale.status not in PHOTO_STATUSES:
        raise ValidationFailed(
            _("Photos are added while the request waits for a decision."), code="decided"
        )
    if aftersale.photos.count() >= MAX_PHOTOS:
        raise ValidationFailed(
            _("A request has at most %(count)d photos.") % {"count": MAX_PHOTOS},
            code="too_many_photos",
            field="photo",
        )
    data = _read_photo(upload)
    try:
        thumbnail, width, height, _extension = make_thumbnail(data)
    except ValidationFailed as error:
        raise ValidationFailed(error.message, code=error.code, field="photo") from None
    photo = AfterSalePhoto(
        aftersale=aftersale,
        county_id=aftersale.county_id,
        width=width,
        height=height,
        uploaded_by=actor,
    )
    # A random name: evidence shows people's parcels and homes, so names must not be guessed.
    photo.thumbnail.save(f"{secrets.token_hex(12)}.webp", ContentFile(thumbnail), save=False)
    photo.save()
    audit.record(
        actor,
        "orders.aftersale.photo_added",
        aftersale,
        {"photo": photo.pk, "bytes": len(data), "thumbnail": [width, height]},
        on_behalf_of=_on_behalf_of(aftersale.order, actor),
    )
    return photo


# --- deciding ---------------------------------------------------------------------------------


def _refund(aftersale: AfterSale, order: Order, *, actor: User) -> list[str]:
    """Pay the request's amount back out of the seller's payable; returns fields to save.

    If the order was already paid out the payable goes into debit: the seller owes it back.
    """
    left = refundable_fen(order)
    if aftersale.amount_fen > left:
        raise ValidationFailed(
            _("At most %(amount)s is left to refund on this order.") % {"amount": format_fen(left)},
            field="amount_fen",
            code="over_refundable",
        )
    refund = refunds.request_refund(
        order.payment,
        aftersale.amount_fen,
        reason=f"after-sale AS{aftersale.pk} of order {order.number}",
        reason_key=f"aftersale:{aftersale.pk}",
        actor=actor,
        debit_lines=[(seller_payable_account(order.seller_id), aftersale.amount_fen)],
    )
    aftersale.refund = refund
    fields = transition(
        aftersale,
        AfterSaleStatus.REFUNDED,
        actor=actor,
        data={"amount_fen": aftersale.amount_fen, "refund": refund.out_refund_no},
    )
    return [*fields, "refund"]


@transaction.atomic
def accept_aftersale(aftersale: AfterSale, *, actor: User) -> AfterSale:
    """The seller (or the centre, once escalated) accepts: refund only is refunded now;
    return and refund waits for the parcel to come back."""
    aftersale, order = _locked(aftersale)
    require(actor, "orders.decide_aftersale", aftersale)
    fields = transition(
        aftersale,
        AfterSaleStatus.ACCEPTED,
        actor=actor,
        data={"amount_fen": aftersale.amount_fen},
    )
    aftersale.decided_by = actor
    fields.append("decided_by")
    if aftersale.kind == AfterSaleKind.RETURN_AND_REFUND:
        fields += transition(aftersale, AfterSaleStatus.AWAITING_RETURN, actor=actor)
    else:
        fields += _refund(aftersale, order, actor=actor)
    aftersale.save(update_fields=sorted(set(fields)))
    return aftersale


@transaction.atomic
def reject_aftersale(aftersale: AfterSale, *, actor: User, reason: str) -> AfterSale:
    """The seller (or the centre, once escalated) refuses, and says why."""
    aftersale, _order = _locked(aftersale)
    require(actor, "orders.decide_aftersale", aftersale)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(_("Say why the request is rejected."), field="reason")
    if len(reason) > MAX_REJECT_REASON:
        raise ValidationFailed(
            _("Say it in at most %(limit)d characters.") % {"limit": MAX_REJECT_REASON},
            field="reason",
        )
    fields = transition(aftersale, AfterSaleStatus.REJECTED, actor=actor, data={"reason": reason})
    aftersale.decided_by = actor
    aftersale.reject_reason = reason
    aftersale.save(update_fields=[*fields, "decided_by", "reject_reason"])
    return aftersale


@transaction.atomic
def receive_return(aftersale: AfterSale, *, actor: User) -> AfterSale:
    """The returned parcel reached the seller: the buyer is refunded, and the goods go back
    into the lots they were packed from and on sale (ADR 0010). A request names an
    amount, not lines: the parcel comes back whole, so every allocation not yet returned
    is; lines packed before lots existed are left as they were."""
    aftersale, order = _locked(aftersale)
    require(actor, "orders.receive_return", aftersale)
    if aftersale.status != AfterSaleStatus.AWAITING_RETURN:
        # Before any lot is touched; the state machine is the backstop.
        AFTERSALE_MACHINE.move(aftersale, AfterSaleStatus.RETURNED)
    returned = return_goods(order, legacy_into_new_lot=False)
    fields = transition(
        aftersale, AfterSaleStatus.RETURNED, actor=actor, data={"returned_to_lots": returned}
    )
    fields += _refund(aftersale, order, actor=actor)
    aftersale.save(update_fields=sorted(set(fields)))
    return aftersale


# --- escalation -------------------------------------------------------------------------------


@transaction.atomic
def escalate_overdue_aftersales(*, now: dt.datetime | None = None) -> int:
    """Hand requests the seller left unanswered past their deadline to the service centre;
    returns how many. Rows another transaction holds are left for the next run."""
    now = now or timezone.now()
    escalated = 0
    for aftersale in (
        AfterSale.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(status=AfterSaleStatus.OPEN, answer_by__lte=now)
        .select_related("county")
        .order_by("pk")
    ):
        fields = transition(
            aftersale,
            AfterSaleStatus.ESCALATED,
            actor=None,
            data={"answer_by": aftersale.answer_by.isoformat()},
        )
        aftersale.save(update_fields=fields)
        escalated += 1
    return escalated
