"""The member register: households, their heads, payout details and capital.

National IDs are checked whole (format, date of birth, check digit) and kept only masked:
fourteen asterisks and the last four characters. A head of household who is a villager is
registered as a resident of the member's village point, so agents there can act for them.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.coops.models import CapitalContribution, Member, PayoutMethod
from highland.coops.services.rules import require_cooperative
from highland.core import audit, idempotency
from highland.core.errors import ValidationFailed
from highland.core.idempotency import IdempotentRequest, caller_of
from highland.core.models import Membership, Organisation, Role, User
from highland.core.money import MAX_FEN, format_fen
from highland.core.permissions import forget_roles, require
from highland.core.phones import normalise_mobile
from highland.network.models import Resident, ServicePoint, Tier

MEMBER_LANGUAGES = ("zh-hans", "bo")
MEMBER_NUMBER = re.compile(r"^[A-Za-z0-9-]{1,20}$")
NUMBER_WIDTH = 4
BANK_ACCOUNT = re.compile(r"^[0-9]{10,30}$")
MASK_LENGTH = 14


def clean_national_id(text: str) -> str:
    """The 18-character resident ID in upper case; ValueError with the reason if it is not
    one. python-stdnum checks it (GB 11643: format, date of birth, ISO 7064 check digit)."""
    from stdnum.cn import ric
    from stdnum.exceptions import InvalidChecksum, InvalidComponent, ValidationError

    number = re.sub(r"\s", "", str(text or "")).upper()
    try:
        number = ric.validate(number)
        born = ric.get_birth_date(number)
    except InvalidChecksum:
        raise ValueError(
            _("The check digit of this ID is wrong: please check the number.")
        ) from None
    except InvalidComponent:
        raise ValueError(_("The date of birth in this ID does not exist.")) from None
    except ValidationError:
        raise ValueError(
            _("A resident ID is 17 digits and a last digit or X (18 characters).")
        ) from None
    if len(number) != 18 or born.year < 1900 or born > timezone.localdate():
        # stdnum also takes the old 15-digit form; members register with the 18-digit one.
        raise ValueError(
            _("A resident ID is 17 digits and a last digit or X (18 characters).")
            if len(number) != 18
            else _("The date of birth in this ID does not exist.")
        )
    return number


def mask_national_id(number: str) -> str:
    """'513334199001011234' -> '**************1234': all that is ever stored."""
    return "*" * MASK_LENGTH + number[-4:]


@dataclass
class MemberDetails:
    """What a register entry holds, cleaned; errors per field when something is wrong."""

    household: str = ""
    head: User | None = None
    head_name: str = ""
    national_id_masked: str = ""
    phone: str = ""
    point: ServicePoint | None = None
    payout_method: str = PayoutMethod.CASH
    payout_bank: str = ""
    payout_account: str = ""
    language: str = "zh-hans"
    joined_on: dt.date | None = None
    number: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)

    def refuse(self, field_name: str, message: str) -> None:
        self.errors.setdefault(field_name, []).append(message)


def clean_payout(details: MemberDetails, method: str, bank: str, account: str) -> None:
    method = str(method or "").strip()
    bank = str(bank or "").strip()
    account = re.sub(r"[\s\u3000]", "", str(account or ""))
    if method not in PayoutMethod.values:
        details.refuse("payout_method", _("Choose bank account, mobile payment or cash."))
        return
    details.payout_method = method
    if method == PayoutMethod.CASH:
        details.payout_bank, details.payout_account = "", ""
        return
    if method == PayoutMethod.BANK:
        if not bank:
            details.refuse("payout_bank", _("Enter the bank of the account."))
        elif len(bank) > 80:
            details.refuse("payout_bank", _("The bank's name is at most 80 characters."))
        if not BANK_ACCOUNT.match(account):
            details.refuse("payout_account", _("Enter the bank account number: 10 to 30 digits."))
    else:
        bank = ""
        if not account:
            details.refuse("payout_account", _("Enter the mobile payment account."))
        elif len(account) > 40:
            details.refuse("payout_account", _("The account is at most 40 characters."))
    details.payout_bank, details.payout_account = bank, account


def clean_point(
    details: MemberDetails, cooperative: Organisation, point: ServicePoint | None
) -> None:
    if (
        point is None
        or point.county_id != cooperative.county_id
        or point.tier != Tier.VILLAGE_POINT
        or not point.active
    ):
        details.refuse("point", _("Choose an active village point of the county."))
        return
    details.point = point


def clean_member_details(
    cooperative: Organisation,
    *,
    household: str,
    head: User | None,
    head_name: str,
    national_id: str,
    phone: str,
    point: ServicePoint | None,
    payout_method: str,
    payout_bank: str,
    payout_account: str,
    language: str,
    joined_on: dt.date | None,
    number: str,
) -> MemberDetails:
    """Check one register entry without saving anything (the Excel import checks every
    row this way before saving any)."""
    details = MemberDetails()
    details.household = str(household or "").strip()
    if not details.household:
        details.refuse("household", _("Enter the household's name."))
    elif len(details.household) > 80:
        details.refuse("household", _("The household's name is at most 80 characters."))
    if head is not None:
        if head.county_id != cooperative.county_id:
            details.refuse("head", _("The head of household must be a person of the county."))
        details.head = head
    else:
        details.head_name = str(head_name or "").strip()
        if not details.head_name:
            details.refuse("head_name", _("Enter the name of the head of household."))
        elif len(details.head_name) > 120:
            details.refuse("head_name", _("A name is at most 120 characters."))
    try:
        details.national_id_masked = mask_national_id(clean_national_id(national_id))
    except ValueError as error:
        details.refuse("national_id", str(error))
    if str(phone or "").strip():
        mobile = normalise_mobile(str(phone))
        if mobile is None:
            details.refuse(
                "phone", _("Enter a mainland China mobile number: 11 digits starting with 13–19.")
            )
        details.phone = mobile or ""
    clean_point(details, cooperative, point)
    clean_payout(details, payout_method, payout_bank, payout_account)
    if language not in MEMBER_LANGUAGES:
        details.refuse("language", _("Choose Chinese (zh-hans) or Tibetan (bo)."))
    details.language = language
    if not isinstance(joined_on, dt.date):
        details.refuse("joined_on", _("Enter the date the household joined."))
    elif joined_on > timezone.localdate():
        details.refuse("joined_on", _("The joining date cannot be in the future."))
    details.joined_on = joined_on
    details.number = str(number or "").strip()
    if details.number and not MEMBER_NUMBER.match(details.number):
        details.refuse("number", _("The member number is 1–20 letters, digits or -."))
    return details


def next_member_number(cooperative: Organisation, taken: set[str] | None = None) -> str:
    """One more than the highest all-digit member number, zero-padded ("0004")."""
    numbers = Member.objects.filter(cooperative=cooperative).values_list("number", flat=True)
    highest = max((int(n) for n in [*numbers, *(taken or ())] if n.isdigit()), default=0)
    return str(highest + 1).zfill(NUMBER_WIDTH)


def _head_for(cooperative: Organisation, details: MemberDetails, actor: User) -> User:
    """The head as given, or a new villager person resident at the member's point; either
    way a member of the cooperative, so they see their own household."""
    assert details.point is not None
    head = details.head
    if head is None:
        head = User(
            county=cooperative.county,
            username=f"m{cooperative.county.code}-{secrets.token_hex(4)}",
            display_name=details.head_name,
            phone=details.phone,
        )
        head.set_unusable_password()
        head.save()
    if not Resident.objects.filter(person=head).exists():
        Resident.objects.create(
            county=cooperative.county,
            person=head,
            point=details.point,
            household=details.household,
            registered_by=actor,
        )
    Membership.objects.get_or_create(
        user=head,
        organisation=cooperative,
        role=Role.MEMBER,
        defaults={"county": cooperative.county},
    )
    Membership.objects.filter(user=head, organisation=cooperative, role=Role.MEMBER).update(
        active=True
    )
    forget_roles(head)
    return head


def create_member(cooperative: Organisation, details: MemberDetails, *, actor: User) -> Member:
    """Save a cleaned entry (inside the caller's transaction, cooperative row locked)."""
    assert details.point is not None and details.joined_on is not None
    head = _head_for(cooperative, details, actor)
    member = Member.objects.create(
        county=cooperative.county,
        cooperative=cooperative,
        number=details.number or next_member_number(cooperative),
        household=details.household,
        head=head,
        national_id_masked=details.national_id_masked,
        phone=details.phone,
        point=details.point,
        payout_method=details.payout_method,
        payout_bank=details.payout_bank,
        payout_account=details.payout_account,
        language=details.language,
        joined_on=details.joined_on,
    )
    return member


def lock_cooperative(cooperative: Organisation) -> None:
    """Serialise register changes of one cooperative (member numbers stay unique)."""
    Organisation.objects.select_for_update().filter(pk=cooperative.pk).first()


def register_member(
    cooperative: Organisation,
    *,
    household: str,
    head: User | None = None,
    head_name: str = "",
    national_id: str,
    phone: str = "",
    point: ServicePoint | None,
    payout_method: str = PayoutMethod.CASH,
    payout_bank: str = "",
    payout_account: str = "",
    language: str = "zh-hans",
    joined_on: dt.date,
    number: str = "",
    actor: User,
) -> Member:
    """Add a member household. `head` is an existing person, or `head_name` names a new
    one (registered as a resident of `point`). A blank `number` takes the next one."""
    require_cooperative(cooperative)
    require(actor, "coops.manage_members", cooperative)
    details = clean_member_details(
        cooperative,
        household=household,
        head=head,
        head_name=head_name,
        national_id=national_id,
        phone=phone,
        point=point,
        payout_method=payout_method,
        payout_bank=payout_bank,
        payout_account=payout_account,
        language=language,
        joined_on=joined_on,
        number=number,
    )
    with transaction.atomic():
        lock_cooperative(cooperative)
        if (
            details.number
            and Member.objects.filter(cooperative=cooperative, number=details.number).exists()
        ):
            details.refuse(
                "number", _("Member number %(number)s is taken.") % {"number": details.number}
            )
        if (
            head is not None
            and Member.objects.filter(
                cooperative=cooperative, head=head, left_on__isnull=True
            ).exists()
        ):
            details.refuse(
                "head", _("This person already heads a member household of the cooperative.")
            )
        if details.errors:
            raise ValidationFailed(_("Please correct the member's details."), errors=details.errors)
        member = create_member(cooperative, details, actor=actor)
        audit.record(
            actor,
            "coops.member.registered",
            member,
            {
                "number": member.number,
                "point": member.point.code,
                "payout_method": member.payout_method,
            },
            on_behalf_of=member.head,
        )
    return member


UNCHANGED: Any = object()


def update_member(
    member: Member,
    *,
    household: str = UNCHANGED,
    national_id: str = UNCHANGED,
    phone: str = UNCHANGED,
    point: ServicePoint | None = UNCHANGED,
    payout_method: str = UNCHANGED,
    payout_bank: str = UNCHANGED,
    payout_account: str = UNCHANGED,
    language: str = UNCHANGED,
    actor: User,
) -> Member:
    """Change a member's register entry; only the arguments given change. A new national
    ID is checked whole and stored masked like the first."""
    require(actor, "coops.manage_members", member)
    cooperative = member.cooperative
    details = MemberDetails()
    changes: dict[str, Any] = {}
    if household is not UNCHANGED:
        household = str(household or "").strip()
        if not household or len(household) > 80:
            details.refuse("household", _("Enter the household's name (at most 80 characters)."))
        changes["household"] = household
    if national_id is not UNCHANGED:
        try:
            changes["national_id_masked"] = mask_national_id(clean_national_id(national_id))
        except ValueError as error:
            details.refuse("national_id", str(error))
    if phone is not UNCHANGED:
        mobile = normalise_mobile(phone) if str(phone or "").strip() else ""
        if mobile is None:
            details.refuse(
                "phone", _("Enter a mainland China mobile number: 11 digits starting with 13–19.")
            )
        changes["phone"] = mobile or ""
    if point is not UNCHANGED:
        clean_point(details, cooperative, point)
        changes["point"] = point
    if any(value is not UNCHANGED for value in (payout_method, payout_bank, payout_account)):
        clean_payout(
            details,
            member.payout_method if payout_method is UNCHANGED else payout_method,
            member.payout_bank if payout_bank is UNCHANGED else payout_bank,
            member.payout_account if payout_account is UNCHANGED else payout_account,
        )
        changes.update(
            payout_method=details.payout_method,
            payout_bank=details.payout_bank,
            payout_account=details.payout_account,
        )
    if language is not UNCHANGED:
        if language not in MEMBER_LANGUAGES:
            details.refuse("language", _("Choose Chinese (zh-hans) or Tibetan (bo)."))
        changes["language"] = language
    if details.errors:
        raise ValidationFailed(_("Please correct the member's details."), errors=details.errors)
    with transaction.atomic():
        locked = Member.objects.select_for_update().get(pk=member.pk)
        audit.save_changes(locked, changes, actor=actor, action="coops.member.changed")
    return locked


def record_member_leaving(member: Member, *, left_on: dt.date, actor: User) -> Member:
    """Record that a household left the cooperative: it takes no more intakes."""
    require(actor, "coops.manage_members", member)
    with transaction.atomic():
        locked = Member.objects.select_for_update().get(pk=member.pk)
        errors: dict[str, list[str]] = {}
        if locked.left_on is not None:
            errors["left_on"] = [
                _("This household left on %(date)s.") % {"date": locked.left_on.isoformat()}
            ]
        elif not isinstance(left_on, dt.date):
            errors["left_on"] = [_("Enter the date the household left.")]
        elif left_on < locked.joined_on:
            errors["left_on"] = [_("A household leaves on or after the day it joined.")]
        elif left_on > timezone.localdate():
            errors["left_on"] = [_("The leaving date cannot be in the future.")]
        if errors:
            raise ValidationFailed(errors["left_on"][0], errors=errors)
        locked.left_on = left_on
        locked.save(update_fields=["left_on"])
        if not Member.objects.filter(
            cooperative_id=locked.cooperative_id, head_id=locked.head_id, left_on__isnull=True
        ).exists():
            Membership.objects.filter(
                user_id=locked.head_id, organisation_id=locked.cooperative_id, role=Role.MEMBER
            ).update(active=False)
        audit.record(actor, "coops.member.left", locked, {"left_on": left_on.isoformat()})
    return locked


def member_capital(member: Member) -> int:
    """The member's capital in fen: everything paid in less everything withdrawn."""
    total = CapitalContribution.objects.filter(member=member).aggregate(total=Sum("amount_fen"))
    return int(total["total"] or 0)


def record_capital_contribution(
    member: Member,
    *,
    amount_fen: int,
    occurred_on: dt.date,
    memo: str = "",
    actor: User,
    idempotent_request: IdempotentRequest | None = None,
) -> CapitalContribution:
    """Capital paid in (positive) or withdrawn (negative); capital never goes below zero,
    and a household that has left pays nothing more in. With `idempotent_request`, the
    same request again returns the first contribution instead of recording a second."""
    require(actor, "coops.manage_members", member)
    errors: dict[str, list[str]] = {}
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen == 0:
        errors["amount_fen"] = [_("Enter an amount other than zero.")]
    elif abs(amount_fen) > MAX_FEN:
        errors["amount_fen"] = [_("The amount is too large.")]
    memo = str(memo or "").strip()
    if len(memo) > 200:
        errors["memo"] = [_("The memo is at most 200 characters.")]
    if not isinstance(occurred_on, dt.date):
        errors["occurred_on"] = [_("Enter the date.")]
    elif occurred_on > timezone.localdate():
        errors["occurred_on"] = [_("The date cannot be in the future.")]
    elif occurred_on < member.joined_on:
        errors["occurred_on"] = [_("The date is before the household joined.")]
    if errors:
        raise ValidationFailed(_("Please correct the contribution."), errors=errors)
    with transaction.atomic():
        locked = Member.objects.select_for_update().get(pk=member.pk)
        claim = None
        if idempotent_request is not None:
            claim = idempotency.claim(
                "coops.capital_contribution", caller=caller_of(actor), request=idempotent_request
            )
            if claim.replayed:
                return claim.stored_object(CapitalContribution)
        capital = member_capital(locked)
        if amount_fen > 0 and locked.left_on is not None:
            raise ValidationFailed(
                _("This household has left the cooperative: it pays in no more capital."),
                field="amount_fen",
            )
        if capital + amount_fen < 0:
            raise ValidationFailed(
                _("The withdrawal is more than the member's capital of %(capital)s.")
                % {"capital": format_fen(capital)},
                field="amount_fen",
                code="capital_negative",
            )
        contribution = CapitalContribution.objects.create(
            county=locked.county,
            member=locked,
            amount_fen=amount_fen,
            occurred_on=occurred_on,
            memo=memo,
            recorded_by=actor,
        )
        audit.record(
            actor,
            "coops.capital.recorded",
            contribution,
            {
                "member": locked.number,
                "amount_fen": amount_fen,
                "capital_after": capital + amount_fen,
            },
        )
        if claim is not None:
            claim.complete(obj=contribution)
    return contribution


# --- reading the register -------------------------------------------------------------------


def search_members(
    members: QuerySet[Member], query: str, *, limit: int | None = None
) -> list[Member]:
    """The members of `members` whose number, household, head's name or village matches
    `query`, whose phone ends with it, or whose household or head's name in pinyin (full
    or initials: "gsj" finds 格桑家) starts with it; by number. The intake desk and the
    register both search with this."""
    from highland.catalog.search import pinyin_forms

    text = " ".join(str(query or "").replace("\x00", "").split())[:60]
    members = members.select_related("head", "point")
    if not text:
        listed = members.order_by("number")
        return list(listed if limit is None else listed[:limit])
    matching = (
        Q(household__icontains=text)
        | Q(number__iexact=text)
        | Q(number__endswith=text)
        | Q(head__display_name__icontains=text)
        | Q(point__village_zh__icontains=text)
        | Q(point__village_bo__icontains=text)
        | Q(point__village_en__icontains=text)
        | Q(point__name_zh__icontains=text)
    )
    if text.isdigit():
        matching |= Q(phone__endswith=text)
    direct = members.filter(matching).order_by("number")
    found = {member.pk: member for member in (direct if limit is None else direct[:limit])}
    latin = text.lower().replace(" ", "")
    if latin.isascii() and latin.isalpha():
        # A cooperative has hundreds of households, not millions: read them here.
        for member in members.exclude(pk__in=list(found)):
            for name in (member.household, member.head.display_name):
                full, initials = pinyin_forms(name)
                if any(form.startswith(latin) for form in (*full, *initials)):
                    found[member.pk] = member
                    break
            if limit is not None and len(found) >= limit:
                break
    return sorted(found.values(), key=lambda member: member.number)


def capital_by_member(member_ids: list[int]) -> dict[int, int]:
    """Each member's capital in fen, in one query."""
    rows = (
        CapitalContribution.objects.filter(member_id__in=member_ids)
        .values("member_id")
        .annotate(total=Sum("amount_fen"))
    )
    return {row["member_id"]: int(row["total"]) for row in rows}
