"""Text messages to people's phones, and the one-time codes that registration sends."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from highland.core.models import County, User
from highland.core.statemachine import StateMachine


class TextMessageStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    RATE_LIMITED = "rate_limited", _("Not sent: too many messages to this number")


TEXT_MESSAGE_MACHINE = StateMachine(
    TextMessageStatus,
    {
        # A delivery report may overtake the gateway's answer to the send itself.
        TextMessageStatus.QUEUED: frozenset(
            {TextMessageStatus.SENT, TextMessageStatus.DELIVERED, TextMessageStatus.FAILED}
        ),
        TextMessageStatus.SENT: frozenset({TextMessageStatus.DELIVERED, TextMessageStatus.FAILED}),
    },
    stamps={
        TextMessageStatus.SENT: ("sent_at",),
        TextMessageStatus.DELIVERED: ("delivered_at",),
        TextMessageStatus.FAILED: ("failed_at",),
    },
)


class TextMessage(models.Model):
    """One text message to one phone, rendered in the recipient's language when queued.

    Written in the transaction of its cause, sent after commit by the outbox; `dedupe_key`
    is unique per county, so the same cause never sends twice.
    """

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="text_messages")
    recipient = models.ForeignKey(
        User,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="text_messages_received",
    )
    sender = models.ForeignKey(
        User,
        verbose_name=_("sent by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="text_messages_sent",
    )
    phone = models.CharField(_("mobile phone"), max_length=11)
    language = models.CharField(_("language"), max_length=10)
    kind = models.CharField(_("kind"), max_length=60)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    body = models.TextField(_("text"))
    segments = models.PositiveSmallIntegerField(_("segments"))
    status = models.CharField(
        _("status"),
        max_length=15,
        choices=TextMessageStatus.choices,
        default=TextMessageStatus.QUEUED,
    )
    provider_message_id = models.CharField(_("gateway's message id"), max_length=64, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    dedupe_key = models.CharField(_("cause"), max_length=120)
    created_at = models.DateTimeField(_("queued"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed"), null=True, blank=True)

    class Meta:
        verbose_name = _("text message")
        verbose_name_plural = _("text messages")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "dedupe_key"], name="text_message_once_per_cause"
            ),
        ]
        indexes = [
            models.Index(fields=["phone", "created_at"]),
            models.Index(fields=["county", "-created_at"]),
            models.Index(fields=["provider_message_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → …{self.phone[-4:]} ({self.status})"

    @property
    def masked_phone(self) -> str:
        """The number with all but its last four digits hidden."""
        return "•" * max(len(self.phone) - 4, 0) + self.phone[-4:]


class CodePurpose(models.TextChoices):
    REGISTER = "register", _("Registration")
    RESET_PASSWORD = "reset_password", _("Password reset")


class PhoneCode(models.Model):
    """A six-digit code sent by text message; only its keyed hash is kept."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="phone_codes")
    phone = models.CharField(_("mobile phone"), max_length=11)
    purpose = models.CharField(_("purpose"), max_length=20, choices=CodePurpose.choices)
    code_hash = models.CharField(max_length=64, blank=True)
    requested_from = models.GenericIPAddressField(_("requested from"), null=True, blank=True)
    tries = models.PositiveSmallIntegerField(_("tries"), default=0)
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("phone code")
        verbose_name_plural = _("phone codes")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["phone", "purpose", "created_at"]),
            models.Index(fields=["requested_from", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} …{self.phone[-4:]}"
