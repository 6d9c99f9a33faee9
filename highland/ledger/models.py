"""The county ledger: accounts, entries and their postings, in integer fen, append-only."""

from __future__ import annotations

import re
from typing import Any, NoReturn

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from highland.core.models import County
from highland.ledger.memos import render


class AccountKind(models.TextChoices):
    """The five Beancount roots; an account's kind is the root of its code."""

    ASSETS = "assets", _("Assets")
    LIABILITIES = "liabilities", _("Liabilities")
    EQUITY = "equity", _("Equity")
    INCOME = "income", _("Income")
    EXPENSES = "expenses", _("Expenses")


ROOT_KIND: dict[str, AccountKind] = {
    "Assets": AccountKind.ASSETS,
    "Liabilities": AccountKind.LIABILITIES,
    "Equity": AccountKind.EQUITY,
    "Income": AccountKind.INCOME,
    "Expenses": AccountKind.EXPENSES,
}
# Beancount's component syntax, kept to ASCII so codes read the same in every tool.
ACCOUNT_SEGMENT = re.compile(r"[A-Z0-9][A-Za-z0-9-]*")
ACCOUNT_CODE_MAX_LENGTH = 200


def account_kind(code: str) -> AccountKind:
    """The kind of a Beancount account path; raises ValidationError when it is not one.

    'Assets:Cash:Point:LT-S01' -> assets. A root and at least one more segment are needed.
    """
    segments = code.split(":")
    if len(code) > ACCOUNT_CODE_MAX_LENGTH:
        raise ValidationError(
            _("An account code has at most %(limit)d characters."),
            code="bad_account",
            params={"limit": ACCOUNT_CODE_MAX_LENGTH},
        )
    if segments[0] not in ROOT_KIND:
        raise ValidationError(
            _("“%(code)s” does not start with Assets, Liabilities, Equity, Income or Expenses."),
            code="bad_account",
            params={"code": code},
        )
    if len(segments) < 2 or not all(ACCOUNT_SEGMENT.fullmatch(part) for part in segments[1:]):
        raise ValidationError(
            _(
                "“%(code)s” is not an account path: after the root, each part starts with a "
                "capital letter or a digit and has only letters, digits and hyphens."
            ),
            code="bad_account",
            params={"code": code},
        )
    return ROOT_KIND[segments[0]]


def reference_of(obj: models.Model) -> tuple[str, str]:
    """How an entry names the object it is about: ('orders.order', '42')."""
    return obj._meta.label_lower, str(obj.pk)


class Account(models.Model):
    """A ledger account, opened on first use. Its balance is always derived from postings."""

    county = models.ForeignKey(
        County, verbose_name=_("county"), on_delete=models.PROTECT, related_name="ledger_accounts"
    )
    code = models.CharField(_("account"), max_length=ACCOUNT_CODE_MAX_LENGTH)
    kind = models.CharField(_("kind"), max_length=12, choices=AccountKind.choices)
    name = models.CharField(_("name"), max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        ordering = ["county", "code"]
        constraints = [
            models.UniqueConstraint(fields=["county", "code"], name="ledger_account_unique_code"),
            # The stored kind is the code's root: a backstop for rows written around save().
            models.CheckConstraint(
                condition=(
                    Q(kind=AccountKind.ASSETS, code__startswith="Assets:")
                    | Q(kind=AccountKind.LIABILITIES, code__startswith="Liabilities:")
                    | Q(kind=AccountKind.EQUITY, code__startswith="Equity:")
                    | Q(kind=AccountKind.INCOME, code__startswith="Income:")
                    | Q(kind=AccountKind.EXPENSES, code__startswith="Expenses:")
                ),
                name="ledger_account_kind_matches_root",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.kind = account_kind(self.code)
        super().save(*args, **kwargs)


class AppendOnlyError(RuntimeError):
    """A ledger row was about to be changed or deleted: post a reversing entry instead."""


def _refuse(obj: models.Model, verb: str) -> NoReturn:
    raise AppendOnlyError(
        f"The ledger is append-only: {obj._meta.label} #{obj.pk} cannot be {verb}. "
        "Post a reversing entry instead."
    )


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk updates and deletes are refused, like the instance methods below."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(
            f"The ledger is append-only: {self.model._meta.label} rows cannot be updated."
        )

    def delete(self) -> NoReturn:
        raise AppendOnlyError(
            f"The ledger is append-only: {self.model._meta.label} rows cannot be deleted."
        )


class AppendOnlyModel(models.Model):
    """Rows are inserted once; save() on an existing row and delete() raise AppendOnlyError."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            _refuse(self, "changed")
        # An insert, never an UPDATE of a row that happens to have this primary key.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse(self, "deleted")


class Entry(AppendOnlyModel):
    """One balanced transaction: its postings sum to zero."""

    county = models.ForeignKey(
        County, verbose_name=_("county"), on_delete=models.PROTECT, related_name="ledger_entries"
    )
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now)
    kind = models.CharField(_("kind"), max_length=80, db_index=True)
    # What the entry is for: a memo code with its parameters, rendered in the reader's
    # language (`highland.ledger.memos`); `description` keeps it in the default language.
    memo_code = models.CharField(_("memo code"), max_length=80, blank=True)
    memo_params = models.JSONField(_("memo parameters"), default=dict, blank=True)
    description = models.TextField(_("description"), blank=True)
    reference_type = models.CharField(_("reference type"), max_length=80, blank=True)
    reference_id = models.CharField(_("reference id"), max_length=64, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=120, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        constraints = [
            models.UniqueConstraint(
                fields=["county", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="ledger_entry_unique_idempotency_key",
            ),
        ]
        indexes = [
            models.Index(fields=["county", "-occurred_at", "-id"], name="ledger_entry_latest"),
            models.Index(
                fields=["county", "reference_type", "reference_id"], name="ledger_entry_reference"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind}"

    @property
    def memo(self) -> str:
        """What the entry is for, in the reader's language."""
        if not self.memo_code:
            return self.description
        return render(self.memo_code, self.memo_params)


class Posting(AppendOnlyModel):
    """One line of an entry: a positive amount is a debit, a negative one a credit."""

    entry = models.ForeignKey(
        Entry, verbose_name=_("entry"), on_delete=models.PROTECT, related_name="postings"
    )
    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.PROTECT, related_name="postings"
    )
    amount_fen = models.BigIntegerField(_("amount (fen)"))

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        constraints = [
            models.CheckConstraint(
                condition=~Q(amount_fen=0), name="ledger_posting_amount_not_zero"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount_fen:+d}"

    @property
    def debit_fen(self) -> int:
        return self.amount_fen if self.amount_fen > 0 else 0

    @property
    def credit_fen(self) -> int:
        return -self.amount_fen if self.amount_fen < 0 else 0
