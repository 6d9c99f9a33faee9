"""Counties (the tenant), organisations, people with their roles, audit and API tokens."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from highland.core.i18n import TrilingualName, localized

administrative_code_validator = RegexValidator(
    r"^\d{6}$", _("A GB/T 2260 administrative code has exactly six digits.")
)
mainland_mobile_validator = RegexValidator(
    r"^1[3-9]\d{9}$", _("Enter a mainland China mobile number: 11 digits starting with 13–19.")
)


class CashHoldRule(models.TextChoices):
    POINT_CLOSING = "point_closing", _("Until the point closes on its next opening day")
    HOURS = "hours", _("A fixed number of hours")


class County(TrilingualName):
    """A county: every other record belongs to exactly one."""

    code = models.CharField(
        _("administrative code"),
        max_length=6,
        unique=True,
        validators=[administrative_code_validator],
    )
    prefecture_zh = models.CharField(_("prefecture (Chinese)"), max_length=120)
    prefecture_bo = models.CharField(_("prefecture (Tibetan)"), max_length=200)
    prefecture_en = models.CharField(_("prefecture (English)"), max_length=120)
    # Where buyers paying by bank transfer send the money: the service centre's account.
    transfer_account_name = models.CharField(_("account holder"), max_length=120, blank=True)
    transfer_bank = models.CharField(_("bank and branch"), max_length=120, blank=True)
    transfer_account_number = models.CharField(_("account number"), max_length=40, blank=True)
    # A transfer takes a bank day or two to arrive: its order is held this long.
    transfer_hold_hours = models.PositiveSmallIntegerField(
        _("hours an order waits for a transfer"), default=48
    )
    # How long an order paid in cash at a point waits for its money (see
    # network.hours.cash_held_until): until the point closes on its next opening day, or a
    # number of hours; the hours are also the fallback for a point without opening hours.
    cash_hold_rule = models.CharField(
        _("how long cash orders wait"),
        max_length=20,
        choices=CashHoldRule.choices,
        default=CashHoldRule.POINT_CLOSING,
    )
    cash_hold_hours = models.PositiveSmallIntegerField(
        _("hours a cash order waits (or without opening hours)"), default=24
    )
    # The county hub's GS1 company prefix (7 to 10 digits), from which parcels' SSCCs are
    # made (highland/core/gs1.py); empty until the county has one.
    gs1_company_prefix = models.CharField(
        _("GS1 company prefix"),
        max_length=10,
        blank=True,
        validators=[RegexValidator(r"^[0-9]{7,10}$", _("A GS1 company prefix is 7 to 10 digits."))],
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("county")
        verbose_name_plural = _("counties")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(transfer_hold_hours__gte=1, transfer_hold_hours__lte=240),
                name="county_transfer_hold_within_ten_days",
            ),
            models.CheckConstraint(
                condition=Q(cash_hold_hours__gte=1, cash_hold_hours__lte=240),
                name="county_cash_hold_within_ten_days",
            ),
        ]

    @property
    def prefecture(self) -> str:
        return localized(self, "prefecture")


class User(AbstractUser):
    """A person: staff, agent, member household or buyer. Villagers without a phone
    are users too, with an unusable password, so agents can act for them."""

    county = models.ForeignKey(
        County,
        verbose_name=_("county"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
    )
    display_name = models.CharField(_("display name"), max_length=120, blank=True)
    phone = models.CharField(
        _("mobile phone"), max_length=11, blank=True, validators=[mainland_mobile_validator]
    )
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=10,
        blank=True,
        choices=[("zh-hans", "简体中文"), ("bo", "བོད་ཡིག"), ("en", "English")],
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.display_name or self.username


class OrganisationType(models.TextChoices):
    COMMERCE_BUREAU = "commerce_bureau", _("County commerce bureau")
    SERVICE_CENTRE = "service_centre", _("Service-centre operator")
    SERVICE_STATION = "service_station", _("Service station")
    COOPERATIVE = "cooperative", _("Cooperative")
    ENTERPRISE = "enterprise", _("Enterprise")
    CARRIER = "carrier", _("Carrier")
    BANK = "bank", _("Bank")
    TRAINING_PROVIDER = "training_provider", _("Training provider")


class Organisation(TrilingualName):
    county = models.ForeignKey(
        County, verbose_name=_("county"), on_delete=models.PROTECT, related_name="organisations"
    )
    type = models.CharField(_("type"), max_length=30, choices=OrganisationType.choices)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["county", "type", "name_zh"]
        indexes = [models.Index(fields=["county", "type"])]


class Role(models.TextChoices):
    COUNTY_OFFICIAL = "county_official", _("County official")
    CENTRE_OPERATOR = "centre_operator", _("Centre operator")
    STATION_AGENT = "station_agent", _("Station agent")
    COOPERATIVE_MANAGER = "cooperative_manager", _("Cooperative manager")
    COOPERATIVE_ACCOUNTANT = "cooperative_accountant", _("Cooperative accountant")
    MEMBER = "member", _("Member household (farmer or herder)")
    SELLER_STAFF = "seller_staff", _("Seller staff")
    CARRIER_DISPATCHER = "carrier_dispatcher", _("Carrier dispatcher")
    DRIVER = "driver", _("Driver")
    BANK_OFFICER = "bank_officer", _("Bank officer")
    TRAINER = "trainer", _("Trainer")
    BUYER = "buyer", _("Buyer")


# Which organisation a role is held in. A buyer needs no organisation.
ORGANISATION_TYPES_FOR_ROLE: dict[str, frozenset[str]] = {
    Role.COUNTY_OFFICIAL: frozenset({OrganisationType.COMMERCE_BUREAU}),
    Role.CENTRE_OPERATOR: frozenset({OrganisationType.SERVICE_CENTRE}),
    Role.STATION_AGENT: frozenset(
        {OrganisationType.SERVICE_STATION, OrganisationType.SERVICE_CENTRE}
    ),
    Role.COOPERATIVE_MANAGER: frozenset({OrganisationType.COOPERATIVE}),
    Role.COOPERATIVE_ACCOUNTANT: frozenset({OrganisationType.COOPERATIVE}),
    Role.MEMBER: frozenset({OrganisationType.COOPERATIVE}),
    Role.SELLER_STAFF: frozenset({OrganisationType.COOPERATIVE, OrganisationType.ENTERPRISE}),
    Role.CARRIER_DISPATCHER: frozenset({OrganisationType.CARRIER}),
    Role.DRIVER: frozenset({OrganisationType.CARRIER}),
    Role.BANK_OFFICER: frozenset({OrganisationType.BANK}),
    Role.TRAINER: frozenset({OrganisationType.TRAINING_PROVIDER}),
    Role.BUYER: frozenset(),
}


class Membership(models.Model):
    """A person holding a role, in an organisation, in a county."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="membership_unique_role_in_org"
            ),
        ]
        indexes = [models.Index(fields=["user", "county", "active"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organisation or '-'}"


class AuditRecord(models.Model):
    """Who did what to which object, for whom, when. Written in the action's transaction."""

    county = models.ForeignKey(
        County, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_records"
    )
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_actions"
    )
    on_behalf_of = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_on_behalf"
    )
    action = models.CharField(_("action"), max_length=80, db_index=True)
    object_type = models.CharField(_("object type"), max_length=80)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    changes = models.JSONField(_("data"), default=dict)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["county", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"


class ApiToken(models.Model):
    """A bearer token for a station device, acting as one person. Only its hash is kept."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="api_tokens")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("device name"), max_length=80)
    key_prefix = models.CharField(_("key starts with"), max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens_issued")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="api_tokens_revoked"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be delivered")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class OutboxMessage(models.Model):
    """One event for one after-commit subscriber: written in the emitting transaction,
    delivered after commit, retried with back-off until it is delivered or fails.

    (event_key, subscriber) is unique, so emitting the same event twice delivers it once.
    """

    county = models.ForeignKey(
        County, null=True, blank=True, on_delete=models.PROTECT, related_name="outbox_messages"
    )
    event = models.CharField(_("event"), max_length=80)
    event_key = models.CharField(_("event key"), max_length=120)
    subscriber = models.CharField(_("subscriber"), max_length=80)
    payload = models.JSONField(_("payload"), default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # When the next attempt is due; while an attempt runs, the end of its lease.
    next_attempt_at = models.DateTimeField(_("next attempt"))
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["event_key", "subscriber"], name="outbox_once_per_event_and_subscriber"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscriber} ({self.status})"


class IdempotencyRecord(models.Model):
    """One request a caller meant to make once, and what it produced.

    Claimed in the action's own transaction (`core.idempotency.claim`), so it exists only
    for actions that committed; the unique key makes a concurrent twin wait for it.
    """

    scope = models.CharField(_("scope"), max_length=64)
    caller = models.CharField(_("caller"), max_length=64)
    key = models.CharField(_("key"), max_length=80)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    # What the first request produced: a created object, or an answer to send again.
    object_type = models.CharField(_("object type"), max_length=80, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    body = models.JSONField(_("answer"), null=True, blank=True)
    created_at = models.DateTimeField(_("first seen"), auto_now_add=True, db_index=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "caller", "key"], name="idempotency_key_once_per_caller_and_scope"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.caller} {self.key}"


class ScheduledJobRun(models.Model):
    """When a scheduled job last started and how it ended, for runs from cron.

    `run_scheduled_jobs --once` claims a due job by moving `started_at` forward with one
    conditional UPDATE, so a daily job runs once a day however often cron calls, and two
    overlapping cron runs never run the same job twice.
    """

    name = models.CharField(_("job"), max_length=80, unique=True)
    started_at = models.DateTimeField(_("last started"))
    finished_at = models.DateTimeField(_("last finished"), null=True, blank=True)
    succeeded = models.BooleanField(_("last run succeeded"), null=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("scheduled job run")
        verbose_name_plural = _("scheduled job runs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Gs1SerialCounter(models.Model):
    """The next serial reference for SSCCs under one company prefix: one row per prefix,
    advanced with a guarded UPDATE so two parcels never share a code (highland/core/gs1.py)."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="gs1_counters")
    company_prefix = models.CharField(_("GS1 company prefix"), max_length=10, unique=True)
    next_serial = models.BigIntegerField(_("next serial"), default=0)

    class Meta:
        verbose_name = _("GS1 serial counter")
        verbose_name_plural = _("GS1 serial counters")
        constraints = [
            models.CheckConstraint(
                condition=Q(next_serial__gte=0), name="gs1_serial_counter_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.company_prefix}: {self.next_serial}"
