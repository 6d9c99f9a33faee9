"""Back office for the ledger: read-only; entries are written only by services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from highland.core.admin import ReadOnlyAdmin
from highland.ledger import accounts
from highland.ledger.models import Account, Entry, Posting


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ("code", "readable_name", "kind", "county", "created_at")
    list_filter = ("county", "kind")
    search_fields = ("code", "name")

    @admin.display(description=_("what it is"))
    def readable_name(self, account: Account) -> str:
        """What the account is, in the reader's language."""
        return accounts.describe(account.code)


class PostingInline(admin.TabularInline):
    model = Posting
    fields = ("account", "amount_fen")
    readonly_fields = ("account", "amount_fen")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "occurred_at", "kind", "memo_text", "county", "created_by")
    list_filter = ("county", "kind")
    search_fields = ("kind", "description", "reference_id", "idempotency_key")
    date_hierarchy = "occurred_at"
    inlines = [PostingInline]
    list_select_related = ("county", "created_by")

    @admin.display(description=_("memo"))
    def memo_text(self, entry: Entry) -> str:
        """The memo in the reader's language."""
        return entry.memo
