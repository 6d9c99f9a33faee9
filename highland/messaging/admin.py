"""Text messages and phone codes in the back office: read-only (services write them)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from highland.messaging.models import PhoneCode, TextMessage


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TextMessage)
class TextMessageAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "county",
        "kind",
        "masked_phone",
        "segments",
        "status",
        "attempts",
    )
    list_filter = ("status", "kind", "county")
    search_fields = ("provider_message_id", "dedupe_key")
    exclude = ("phone",)


@admin.register(PhoneCode)
class PhoneCodeAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "county", "purpose", "tries", "expires_at", "used_at")
    list_filter = ("purpose", "county")
    exclude = ("code_hash", "phone")
