"""A cooperative's produce and its rules, versioned by the date they take effect.

A version in force is never edited: a change is a new version from a later date. A
version not yet in force (dated in the future) may be replaced by adding another with
the same date. Intake asks `rules_in_force` and `grade_for` for the rules of its day.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.coops.models import (
    BASIS_POINTS,
    MIN_PATRONAGE_SHARE_BP,
    CooperativeRules,
    Grade,
    Produce,
)
from highland.core import audit
from highland.core.errors import NotFound, ValidationFailed
from highland.core.models import Organisation, OrganisationType, User
from highland.core.permissions import require

PRODUCE_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,19}$")
GRADE_CODE = re.compile(r"^[A-Z0-9][A-Z0-9+-]{0,9}$")
ATTRIBUTE_KEY = re.compile(r"^[a-z][a-z0-9_]{0,29}$")
ATTRIBUTE_FIELDS = frozenset(
    {"key", "label_zh", "label_bo", "label_en", "unit", "min", "max", "required"}
)
MAX_ATTRIBUTES = 12
MAX_GRADES = 60
MAX_FACTOR_BP = 10 * BASIS_POINTS


class GradeSpec(NamedTuple):
    """One grade of a new rules version: `factor_bp` 10,000 is ×1."""

    produce: Produce
    code: str
    label_zh: str
    label_bo: str
    label_en: str
    factor_bp: int


def require_cooperative(organisation: Organisation) -> None:
    if organisation.type != OrganisationType.COOPERATIVE:
        raise NotFound(_("No such cooperative."))


# --- produce -------------------------------------------------------------------------------


def _clean_names(names: Mapping[str, str], errors: dict[str, list[str]]) -> dict[str, str]:
    cleaned = {
        f"name_{suffix}": str(names.get(suffix, "") or "").strip() for suffix in ("zh", "bo", "en")
    }
    if not cleaned["name_zh"]:
        errors.setdefault("names", []).append(_("Enter the produce's name in Chinese."))
    for field, limit in (("name_zh", 120), ("name_bo", 200), ("name_en", 120)):
        if len(cleaned[field]) > limit:
            errors.setdefault("names", []).append(
                _("A name is at most %(limit)d characters.") % {"limit": limit}
            )
    return cleaned


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def clean_attributes(attributes: Any) -> list[dict[str, Any]]:
    """The measured-attribute list of a produce, checked; ValidationFailed on `attributes`
    naming the attribute (by position and key) and what is wrong."""
    if not isinstance(attributes, list):
        raise ValidationFailed(_("The measured attributes must be a list."), field="attributes")
    if len(attributes) > MAX_ATTRIBUTES:
        raise ValidationFailed(
            _("A produce measures at most %(count)d attributes.") % {"count": MAX_ATTRIBUTES},
            field="attributes",
        )
    problems: list[str] = []
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    for position, attribute in enumerate(attributes, start=1):
        if not isinstance(attribute, dict):
            problems.append(_("Attribute %(position)d: not an attribute.") % {"position": position})
            continue
        key = str(attribute.get("key", "")).strip()
        where = _("Attribute %(position)d (%(key)s)") % {"position": position, "key": key or "?"}
        unknown = sorted(set(attribute) - ATTRIBUTE_FIELDS)
        if unknown:
            problems.append(
                _("%(where)s: unknown fields %(fields)s.")
                % {"where": where, "fields": ", ".join(unknown)}
            )
        if not ATTRIBUTE_KEY.match(key):
            problems.append(
                _("%(where)s: the key is lower-case letters, digits and _, starting with a letter.")
                % {"where": where}
            )
        elif key in seen:
            problems.append(_("%(where)s: the key is used twice.") % {"where": where})
        seen.add(key)
        labels = {
            field: str(attribute.get(field, "") or "").strip()
            for field in ("label_zh", "label_bo", "label_en")
        }
        if not labels["label_zh"]:
            problems.append(_("%(where)s: enter the label in Chinese.") % {"where": where})
        if any(len(label) > 120 for label in labels.values()):
            problems.append(_("%(where)s: a label is at most 120 characters.") % {"where": where})
        unit = str(attribute.get("unit", "") or "").strip()
        if len(unit) > 10:
            problems.append(_("%(where)s: the unit is at most 10 characters.") % {"where": where})
        low, high = attribute.get("min"), attribute.get("max")
        if (low is not None and not _number(low)) or (high is not None and not _number(high)):
            problems.append(_("%(where)s: min and max are numbers.") % {"where": where})
        elif low is not None and high is not None and low > high:
            problems.append(_("%(where)s: min is above max.") % {"where": where})
        required = attribute.get("required", False)
        if not isinstance(required, bool):
            problems.append(_("%(where)s: required is true or false.") % {"where": where})
        cleaned.append(
            {"key": key, **labels, "unit": unit, "min": low, "max": high, "required": required}
        )
    if problems:
        raise ValidationFailed(" ".join(problems), errors={"attributes": problems})
    return cleaned


def add_produce(
    cooperative: Organisation,
    *,
    code: str,
    names: Mapping[str, str],
    attributes: Sequence[Mapping[str, Any]] = (),
    actor: User,
) -> Produce:
    """Add a produce the cooperative takes in. `names` has "zh" (required), "bo", "en"."""
    require_cooperative(cooperative)
    require(actor, "coops.manage_cooperative", cooperative)
    errors: dict[str, list[str]] = {}
    code = code.strip().upper()
    if not PRODUCE_CODE.match(code):
        errors["code"] = [_("The code is 1–20 letters, digits or -.")]
    elif Produce.objects.filter(cooperative=cooperative, code=code).exists():
        errors["code"] = [
            _("The cooperative already has a produce with code %(code)s.") % {"code": code}
        ]
    cleaned_names = _clean_names(names, errors)
    try:
        cleaned_attributes = clean_attributes(list(attributes))
    except ValidationFailed as error:
        errors.update(error.errors)
    if errors:
        raise ValidationFailed(_("Please correct the produce."), errors=errors)
    with transaction.atomic():
        produce = Produce.objects.create(
            county=cooperative.county,
            cooperative=cooperative,
            code=code,
            attributes=cleaned_attributes,
            **cleaned_names,
        )
        audit.record(actor, "coops.produce.added", produce, {"code": code})
    return produce


def update_produce(
    produce: Produce,
    *,
    names: Mapping[str, str] | None = None,
    attributes: Sequence[Mapping[str, Any]] | None = None,
    active: bool | None = None,
    actor: User,
) -> Produce:
    """Change a produce's names, measured attributes or whether it is still taken in."""
    require(actor, "coops.manage_cooperative", produce)
    errors: dict[str, list[str]] = {}
    changes: dict[str, Any] = {}
    if names is not None:
        changes.update(_clean_names(names, errors))
    if attributes is not None:
        try:
            changes["attributes"] = clean_attributes(list(attributes))
        except ValidationFailed as error:
            errors.update(error.errors)
    if active is not None:
        changes["active"] = bool(active)
    if errors:
        raise ValidationFailed(_("Please correct the produce."), errors=errors)
    with transaction.atomic():
        locked = Produce.objects.select_for_update().get(pk=produce.pk)
        audit.save_changes(locked, changes, actor=actor, action="coops.produce.changed")
    return locked


# --- rules versions -----------------------------------------------------------------------


def _check_rates(
    service_fee_bp: int, public_reserve_bp: int, patronage_share_bp: int
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for field, value, label in (
        ("service_fee_bp", service_fee_bp, _("The service fee")),
        ("public_reserve_bp", public_reserve_bp, _("The public reserve")),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= BASIS_POINTS:
            errors[field] = [
                _("%(what)s is between %(low)s and %(high)s.")
                % {"what": label, "low": "0 %", "high": "100 %"}
            ]
    if (
        isinstance(patronage_share_bp, bool)
        or not isinstance(patronage_share_bp, int)
        or not MIN_PATRONAGE_SHARE_BP <= patronage_share_bp <= BASIS_POINTS
    ):
        errors["patronage_share_bp"] = [
            _(
                "The patronage share is at least %(min)s and at most %(max)s: the Farmers' "
                "Professional Cooperatives Law returns at least %(min)s of the distributable "
                "surplus by each member's transactions with the cooperative."
            )
            % {"min": f"{MIN_PATRONAGE_SHARE_BP // 100} %", "max": "100 %"}
        ]
    return errors


def _check_grades(
    cooperative: Organisation, grades: Iterable[GradeSpec | tuple[Any, ...]]
) -> tuple[list[GradeSpec], list[str]]:
    problems: list[str] = []
    cleaned: list[GradeSpec] = []
    seen: set[tuple[int, str]] = set()
    for position, raw in enumerate(grades, start=1):
        spec = GradeSpec(*raw)
        code = str(spec.code or "").strip().upper()
        produce = spec.produce
        where = _("Grade %(position)d (%(code)s)") % {"position": position, "code": code or "?"}
        if not isinstance(produce, Produce) or produce.cooperative_id != cooperative.pk:
            problems.append(
                _("%(where)s: the produce is not this cooperative's.") % {"where": where}
            )
            continue
        if not GRADE_CODE.match(code):
            problems.append(_("%(where)s: the code is 1–10 letters or digits.") % {"where": where})
        elif (produce.pk, code) in seen:
            problems.append(
                _("%(where)s: grade %(code)s of %(produce)s is listed twice.")
                % {"where": where, "code": code, "produce": produce.name}
            )
        seen.add((produce.pk, code))
        label_zh = str(spec.label_zh or "").strip()
        if not label_zh:
            problems.append(_("%(where)s: enter the label in Chinese.") % {"where": where})
        factor = spec.factor_bp
        if isinstance(factor, bool) or not isinstance(factor, int) or factor <= 0:
            problems.append(_("%(where)s: the factor must be above 0.") % {"where": where})
        elif factor > MAX_FACTOR_BP:
            problems.append(_("%(where)s: the factor is at most ×10.") % {"where": where})
        cleaned.append(
            GradeSpec(
                produce,
                code,
                label_zh[:120],
                str(spec.label_bo or "").strip()[:200],
                str(spec.label_en or "").strip()[:120],
                factor,
            )
        )
    if len(cleaned) > MAX_GRADES:
        problems.append(_("A rules version has at most %(count)d grades.") % {"count": MAX_GRADES})
    return cleaned, problems


def add_rules_version(
    cooperative: Organisation,
    *,
    effective_from: dt.date,
    service_fee_bp: int,
    public_reserve_bp: int,
    patronage_share_bp: int,
    grades: Iterable[GradeSpec | tuple[Any, ...]],
    actor: User,
) -> CooperativeRules:
    """Add a version of the rules taking effect on `effective_from`, with its grades.

    The first version may take any date; later ones take effect today or later and after
    the version in force, which stays as it is. A version dated in the future may be
    replaced by another of the same date.
    """
    require_cooperative(cooperative)
    require(actor, "coops.manage_cooperative", cooperative)
    errors = _check_rates(service_fee_bp, public_reserve_bp, patronage_share_bp)
    cleaned, problems = _check_grades(cooperative, grades)
    if problems:
        errors["grades"] = problems
    today = timezone.localdate()
    with transaction.atomic():
        # One version at a time per cooperative: the dates checked below stay true.
        Organisation.objects.select_for_update().filter(pk=cooperative.pk).first()
        versions = CooperativeRules.objects.filter(cooperative=cooperative)
        in_force = versions.filter(effective_from__lte=today).order_by("-effective_from").first()
        if in_force is not None and effective_from <= in_force.effective_from:
            errors["effective_from"] = [
                _(
                    "The version of %(date)s is in force and cannot be changed: the new "
                    "version must take effect after it."
                )
                % {"date": in_force.effective_from.isoformat()}
            ]
        elif versions.exists() and effective_from < today:
            errors["effective_from"] = [
                _(
                    "A new version takes effect today or later: produce already taken in "
                    "keeps the rules it was graded under."
                )
            ]
        if errors:
            raise ValidationFailed(_("Please correct the rules."), errors=errors)
        replaced = versions.filter(effective_from=effective_from).first()
        if replaced is not None:
            replaced.delete()  # a future version: nothing was graded under it
        rules = CooperativeRules.objects.create(
            county=cooperative.county,
            cooperative=cooperative,
            effective_from=effective_from,
            service_fee_bp=service_fee_bp,
            public_reserve_bp=public_reserve_bp,
            patronage_share_bp=patronage_share_bp,
            created_by=actor,
        )
        Grade.objects.bulk_create(
            Grade(
                county=cooperative.county,
                rules=rules,
                produce=spec.produce,
                code=spec.code,
                label_zh=spec.label_zh,
                label_bo=spec.label_bo,
                label_en=spec.label_en,
                factor_bp=spec.factor_bp,
                position=position,
            )
            for position, spec in enumerate(cleaned)
        )
        audit.record(
            actor,
            "coops.rules.added",
            rules,
            {
                "effective_from": effective_from.isoformat(),
                "service_fee_bp": service_fee_bp,
                "public_reserve_bp": public_reserve_bp,
                "patronage_share_bp": patronage_share_bp,
                "grades": [[spec.produce.code, spec.code, spec.factor_bp] for spec in cleaned],
                "replaced_future_version": replaced is not None,
            },
        )
    return rules


def rules_in_force(cooperative: Organisation, on: dt.date) -> CooperativeRules:
    """The version of the cooperative's rules in force on `on` (the latest taking effect
    on or before it); ValidationFailed on `rules` if there is none."""
    rules = (
        CooperativeRules.objects.filter(cooperative=cooperative, effective_from__lte=on)
        .order_by("-effective_from")
        .first()
    )
    if rules is None:
        raise ValidationFailed(
            _("The cooperative has no rules in force on %(date)s.") % {"date": on.isoformat()},
            field="rules",
            code="no_rules",
        )
    return rules


def grade_for(cooperative: Organisation, produce: Produce, code: str, on: dt.date) -> Grade:
    """The grade `code` of `produce` in the rules in force on `on`; ValidationFailed on
    `grade` ("grade X is not in the scheme for <produce>") when that scheme lacks it."""
    rules = rules_in_force(cooperative, on)
    wanted = str(code or "").strip().upper()
    grade = (
        Grade.objects.filter(rules=rules, produce=produce, code=wanted)
        .select_related("produce")
        .first()
        if produce.cooperative_id == cooperative.pk
        else None
    )
    if grade is None:
        raise ValidationFailed(
            _("Grade %(grade)s is not in the scheme for %(produce)s.")
            % {"grade": wanted or "?", "produce": produce.name},
            field="grade",
            code="unknown_grade",
        )
    return grade


def grade_scheme(rules: CooperativeRules) -> list[Grade]:
    """The grades of one version, by produce and position."""
    return list(
        rules.grades.select_related("produce").order_by("produce__code", "position", "code")
    )
