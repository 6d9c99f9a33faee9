"""A cooperative's rules, versioned by the date they take effect, with their grade schemes."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from highland.core.i18n import TrilingualName, localized
from highland.core.models import County, Organisation, User

BASIS_POINTS = 10_000  # 100 %
# The Farmers' Professional Cooperatives Law: at least 60 % of the distributable surplus
# is returned by each member's transactions with the cooperative.
MIN_PATRONAGE_SHARE_BP = 6_000


class Produce(TrilingualName):
    """What members bring in (fresh matsutake, yak meat by carcass): not a SKU, the raw
    material the cooperative grades and pools. `attributes` lists what intake measures:
    [{"key": "cap_mm", "label_zh": …, "label_bo": …, "label_en": …, "unit": "mm",
    "min": 0, "max": 300, "required": true}]."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="+")
    cooperative = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="coop_produce"
    )
    code = models.CharField(_("code"), max_length=20)
    attributes = models.JSONField(_("measured attributes"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("produce")
        verbose_name_plural = _("produce")
        ordering = ["cooperative_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "code"], name="produce_code_unique"),
        ]


class CooperativeRules(models.Model):
    """One version of a cooperative's rules, in force from `effective_from` until the next
    version's date. Never edited once in force: a change is a new version."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="+")
    cooperative = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="coop_rules"
    )
    effective_from = models.DateField(_("takes effect on"))
    # Of the net proceeds of a settlement (after logistics and processing costs).
    service_fee_bp = models.PositiveIntegerField(_("service fee (basis points)"))
    # Of the year's distributable surplus.
    public_reserve_bp = models.PositiveIntegerField(_("public reserve (basis points)"))
    patronage_share_bp = models.PositiveIntegerField(_("patronage share (basis points)"))
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("cooperative rules")
        verbose_name_plural = _("cooperative rules")
        ordering = ["cooperative_id", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "effective_from"], name="coop_rules_one_per_date"
            ),
            models.CheckConstraint(
                condition=Q(service_fee_bp__lte=BASIS_POINTS), name="coop_rules_fee_range"
            ),
            models.CheckConstraint(
                condition=Q(public_reserve_bp__lte=BASIS_POINTS), name="coop_rules_reserve_range"
            ),
            models.CheckConstraint(
                condition=Q(
                    patronage_share_bp__gte=MIN_PATRONAGE_SHARE_BP,
                    patronage_share_bp__lte=BASIS_POINTS,
                ),
                name="coop_rules_patronage_at_least_60",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cooperative_id} @ {self.effective_from}"


class Grade(models.Model):
    """A grade of one produce under one rules version, with the factor its net weight is
    multiplied by when proceeds are shared (10,000 = ×1)."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="+")
    rules = models.ForeignKey(CooperativeRules, on_delete=models.CASCADE, related_name="grades")
    produce = models.ForeignKey(Produce, on_delete=models.PROTECT, related_name="grades")
    code = models.CharField(_("grade"), max_length=10)
    label_zh = models.CharField(_("label (Chinese)"), max_length=120)
    label_bo = models.CharField(_("label (Tibetan)"), max_length=200, blank=True)
    label_en = models.CharField(_("label (English)"), max_length=120, blank=True)
    factor_bp = models.PositiveIntegerField(_("factor (basis points)"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("grade")
        verbose_name_plural = _("grades")
        ordering = ["rules_id", "produce_id", "position", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["rules", "produce", "code"], name="grade_code_unique_per_rules"
            ),
            models.CheckConstraint(
                condition=Q(factor_bp__gt=0, factor_bp__lte=10 * BASIS_POINTS),
                name="grade_factor_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ×{self.factor_bp / BASIS_POINTS:g}"

    @property
    def label(self) -> str:
        return localized(self, "label")
