"""Business actions on counties, organisations, people and API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.core import audit, selectors, throttling
from highland.core.errors import ValidationFailed
from highland.core.models import (
    ORGANISATION_TYPES_FOR_ROLE,
    ApiToken,
    CashHoldRule,
    County,
    Membership,
    Organisation,
    OrganisationType,
    Role,
    User,
)
from highland.core.pagecache import shop_changed
from highland.core.permissions import confine_to_county, forget_roles, require


def _require_all_names(**names: str) -> None:
    missing = {
        field: [_("This name is required.")] for field, value in names.items() if not value.strip()
    }
    if missing:
        raise ValidationFailed(
            _("Names are needed in Chinese, Tibetan and English."), errors=missing
        )


@transaction.atomic
def create_organisation(
    county: County,
    *,
    actor: User,
    type: str,
    name_zh: str,
    name_bo: str,
    name_en: str,
) -> Organisation:
    """Register an organisation of `type` in `county`."""
    require(actor, "core.manage_people", county)
    if type not in OrganisationType.values:
        raise ValidationFailed(_("Unknown organisation type."), field="type")
    _require_all_names(name_zh=name_zh, name_bo=name_bo, name_en=name_en)
    organisation = Organisation.objects.create(
        county=county,
        type=type,
        name_zh=name_zh.strip(),
        name_bo=name_bo.strip(),
        name_en=name_en.strip(),
    )
    audit.record(actor, "core.organisation.created", organisation, {"type": type})
    return organisation


@transaction.atomic
def register_person(
    county: County,
    *,
    actor: User,
    username: str,
    display_name: str,
    phone: str = "",
    password: str | None = None,
) -> User:
    """Create a person in `county`; without a password they cannot log in (agents act for them)."""
    require(actor, "core.manage_people", county)
    if not username.strip():
        raise ValidationFailed(_("A username is required."), field="username")
    if User.objects.filter(username=username.strip()).exists():
        raise ValidationFailed(_("This username is taken."), field="username")
    person = User(
        county=county,
        username=username.strip(),
        display_name=display_name.strip(),
        phone=phone.strip(),
    )
    if password:
        person.set_password(password)
    else:
        person.set_unusable_password()
    from django.core.exceptions import ValidationError

    try:
        person.full_clean(exclude=["password"])
    except ValidationError as error:
        raise ValidationFailed(
            _("Please correct the person's details."),
            errors={k: [str(m) for m in v] for k, v in error.message_dict.items()},
        ) from error
    person.save()
    audit.record(
        actor, "core.person.registered", person, {"username": person.username}, county=county
    )
    return person


@transaction.atomic
def add_membership(
    user: User,
    *,
    actor: User,
    role: str,
    county: County,
    organisation: Organisation | None = None,
) -> Membership:
    """Give `user` a `role` in `organisation` (a buyer needs none)."""
    require(actor, "core.manage_people", county)
    if role not in Role.values:
        raise ValidationFailed(_("Unknown role."), field="role")
    allowed_types = ORGANISATION_TYPES_FOR_ROLE[role]
    if organisation is None and allowed_types:
        raise ValidationFailed(_("This role is held in an organisation."), field="organisation")
    if organisation is not None:
        if organisation.county_id != county.pk:
            raise ValidationFailed(
                _("The organisation belongs to another county."), field="organisation"
            )
        if organisation.type not in allowed_types:
            raise ValidationFailed(
                _("This role cannot be held in this kind of organisation."), field="role"
            )
    if user.county_id not in (None, county.pk):
        raise ValidationFailed(_("This person belongs to another county."), field="user")
    if user.county_id is None:
        user.county = county
        user.save(update_fields=["county"])
    membership, created = Membership.objects.get_or_create(
        user=user, organisation=organisation, role=role, defaults={"county": county}
    )
    if not created and not membership.active:
        membership.active = True
        membership.save(update_fields=["active"])
    forget_roles(user)
    audit.record(
        actor,
        "core.membership.added",
        membership,
        {"role": role, "user": user.pk, "organisation": organisation.pk if organisation else None},
        county=county,
    )
    return membership


@transaction.atomic
def end_membership(membership: Membership, *, actor: User) -> Membership:
    require(actor, "core.manage_people", membership.county)
    membership.active = False
    membership.save(update_fields=["active"])
    forget_roles(membership.user)
    audit.record(actor, "core.membership.ended", membership, {"role": membership.role})
    return membership


def _hash_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    raw_key: str  # shown once, never stored


@transaction.atomic
def issue_api_token(holder: User, *, actor: User, name: str) -> IssuedToken:
    """Issue a device token that acts as `holder`; the raw key is returned only here."""
    county = holder.county
    if county is None:
        raise ValidationFailed(_("The token holder must belong to a county."), field="user")
    require(actor, "core.manage_api_tokens", county)
    # The same selector fills the page's choice, so page, API and admin agree.
    if not selectors.token_holders(county, actor).filter(pk=holder.pk).exists():
        raise ValidationFailed(
            _(
                "A device token can act only as an active person of the county whose "
                "roles you manage, never as staff or a platform administrator."
            ),
            code="holder_not_allowed",
            field="holder",
        )
    if not name.strip():
        raise ValidationFailed(_("Give the device a name."), field="name")
    raw_key = settings.API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        county=county,
        user=holder,
        name=name.strip(),
        key_prefix=raw_key[:10],
        key_hash=_hash_key(raw_key),
        created_by=actor,
    )
    audit.record(actor, "core.api_token.issued", token, {"holder": holder.pk, "name": token.name})
    return IssuedToken(token=token, raw_key=raw_key)


@transaction.atomic
def revoke_api_token(token: ApiToken, *, actor: User) -> ApiToken:
    require(actor, "core.manage_api_tokens", token.county)
    if token.revoked_at is not None:
        raise ValidationFailed(_("This token is already revoked."), code="already_revoked")
    token.revoked_at = timezone.now()
    token.revoked_by = actor
    token.save(update_fields=["revoked_at", "revoked_by"])
    audit.record(actor, "core.api_token.revoked", token, {"name": token.name})
    return token


def user_for_api_key(raw_key: str) -> User | None:
    """The user a live token acts as, confined to the token's county, or None.

    A holder who has since become staff or a superuser, or moved to another county,
    is refused: the token was issued for a station agent of that county only.
    Marks the token used.
    """
    if not raw_key.startswith(settings.API_TOKEN_PREFIX):
        return None
    token = (
        # The county too: nearly every endpoint starts from the person's home county.
        ApiToken.objects.select_related("user__county")
        .filter(key_hash=_hash_key(raw_key), revoked_at__isnull=True)
        .first()
    )
    if token is None:
        return None
    holder = token.user
    if (
        not holder.is_active
        or holder.is_staff
        or holder.is_superuser
        or holder.county_id != token.county_id
    ):
        return None
    # Throttle the write: a device polling every second should not write every second.
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return confine_to_county(holder, token.county_id)


COUNTY_FIELDS = frozenset(
    {"name_zh", "name_bo", "name_en", "prefecture_zh", "prefecture_bo", "prefecture_en"}
)


@transaction.atomic
def create_county(*, actor: User, code: str, **names: str) -> County:
    """Open a county on this platform (platform administrators only)."""
    require(actor, "core.manage_counties")
    if not re.fullmatch(r"\d{6}", code.strip()):
        raise ValidationFailed(
            _("A GB/T 2260 administrative code has exactly six digits."), field="code"
        )
    unknown = set(names) - COUNTY_FIELDS
    if unknown:
        raise ValidationFailed(_("This field cannot be changed here."), field=sorted(unknown)[0])
    _require_all_names(**{field: names.get(field, "") for field in sorted(COUNTY_FIELDS)})
    if County.objects.filter(code=code.strip()).exists():
        raise ValidationFailed(_("A county with this code exists already."), field="code")
    county = County.objects.create(
        code=code.strip(), **{field: value.strip() for field, value in names.items()}
    )
    audit.record(actor, "core.county.created", county, {"code": county.code})
    shop_changed(county)
    return county


@transaction.atomic
def update_county(county: County, changes: dict[str, str], *, actor: User) -> County:
    require(actor, "core.manage_counties")
    unknown = set(changes) - COUNTY_FIELDS
    if unknown:
        raise ValidationFailed(_("This field cannot be changed here."), field=sorted(unknown)[0])
    _require_all_names(**changes)
    cleaned = {field: value.strip() for field, value in changes.items()}
    audit.save_changes(county, cleaned, actor=actor, action="core.county.updated")
    shop_changed(county)
    return county


TRANSFER_ACCOUNT_NUMBER = re.compile(r"[0-9 ]{8,40}")


@transaction.atomic
def set_transfer_account(
    county: County,
    *,
    account_name: str,
    bank: str,
    account_number: str,
    hold_hours: int,
    actor: User,
) -> County:
    """Set the service centre's account that buyers paying by transfer send money to, and
    how long an order waits for a transfer. Platform administrators only: buyers' money
    goes where this says."""
    require(actor, "core.manage_counties")
    errors: dict[str, list[str]] = {}
    number = " ".join(account_number.split())
    if any((account_name.strip(), bank.strip(), number)) and not all(
        (account_name.strip(), bank.strip(), number)
    ):
        errors["account_number"] = [
            _("Give the account holder, the bank and the account number together.")
        ]
    if number and not TRANSFER_ACCOUNT_NUMBER.fullmatch(number):
        errors["account_number"] = [_("An account number has 8 to 40 digits.")]
    if isinstance(hold_hours, bool) or not 1 <= hold_hours <= 240:
        errors["hold_hours"] = [_("Hold an order for 1 to 240 hours.")]
    if errors:
        raise ValidationFailed(_("Please correct the transfer account."), errors=errors)
    audit.save_changes(
        county,
        {
            "transfer_account_name": account_name.strip(),
            "transfer_bank": bank.strip(),
            "transfer_account_number": number,
            "transfer_hold_hours": hold_hours,
        },
        actor=actor,
        action="core.county.transfer_account_set",
    )
    return county


@transaction.atomic
def set_cash_hold(county: County, *, rule: str, hours: int, actor: User) -> County:
    """Set how long an order paid in cash at a point waits for its money: until the
    point's closing time on its next opening day, or `hours` (also the fallback for a
    point without opening hours). Platform administrators only."""
    require(actor, "core.manage_counties")
    errors: dict[str, list[str]] = {}
    if rule not in CashHoldRule.values:
        errors["cash_hold_rule"] = [_("Choose how long cash orders wait.")]
    if isinstance(hours, bool) or not 1 <= hours <= 240:
        errors["cash_hold_hours"] = [_("Hold an order for 1 to 240 hours.")]
    if errors:
        raise ValidationFailed(_("Please correct how long cash orders wait."), errors=errors)
    audit.save_changes(
        county,
        {"cash_hold_rule": rule, "cash_hold_hours": hours},
        actor=actor,
        action="core.county.cash_hold_set",
    )
    return county


@transaction.atomic
def update_organisation(
    organisation: Organisation, changes: dict[str, object], *, actor: User
) -> Organisation:
    """Rename an organisation or (de)activate it; its type and county are fixed."""
    require(actor, "core.manage_people", organisation.county)
    allowed_fields = {"name_zh", "name_bo", "name_en", "active"}
    unknown = set(changes) - allowed_fields
    if unknown:
        raise ValidationFailed(_("This field cannot be changed here."), field=sorted(unknown)[0])
    names = {field: str(value) for field, value in changes.items() if field != "active"}
    _require_all_names(**names)
    cleaned: dict[str, object] = {field: value.strip() for field, value in names.items()}
    if "active" in changes:
        cleaned["active"] = bool(changes["active"])
    audit.save_changes(organisation, cleaned, actor=actor, action="core.organisation.updated")
    return organisation


@transaction.atomic
def record_person_change(person: User, changed_fields: list[str], *, actor: User) -> User:
    """Save a person edited in the back office, with the audit record of what changed.

    Passwords are never written to the audit trail, only the fact of a change.
    """
    _require_may_manage(actor, person)
    creating = person.pk is None
    if creating:
        person.save()
    else:
        concrete = {field.name for field in User._meta.concrete_fields}
        fields = [field for field in changed_fields if field in concrete]
        if fields:
            person.save(update_fields=fields)
    data = {field: "changed" for field in changed_fields}
    action = "core.person.registered" if creating else "core.person.updated"
    audit.record(actor, action, person, data, county=person.county)
    return person


def _require_may_manage(actor: User, person: User) -> None:
    if person.county is not None:
        require(actor, "core.manage_people", person.county)
    else:
        require(actor, "core.manage_counties")


@transaction.atomic
def record_password_reset(person: User, *, actor: User) -> User:
    """Audit that `actor` set a new password for `person` (the password itself is not kept)."""
    _require_may_manage(actor, person)
    audit.record(actor, "core.person.password_reset", person, {}, county=person.county)
    return person


@transaction.atomic
def unlock_login(person: User, *, actor: User) -> User:
    """Lift a login lockout of `person` before it expires (their failed logins are forgotten).

    A lockout of an address shared by many accounts is not lifted here; it expires.
    """
    _require_may_manage(actor, person)
    forgotten = throttling.forget_failed_logins(person.username)
    audit.record(
        actor, "core.person.login_unlocked", person, {"failures": forgotten}, county=person.county
    )
    return person


@transaction.atomic
def set_preferred_language(person: User, language: str, *, actor: User) -> User:
    """Remember the interface language a person chose; applied again at their next login."""
    if actor.pk != person.pk:
        require(actor, "core.manage_people", person.county)
    codes = [code for code, _label in settings.LANGUAGES]
    if language not in codes:
        raise ValidationFailed(_("Unknown language."), field="language")
    if person.preferred_language == language:
        return person
    previous = person.preferred_language
    person.preferred_language = language
    person.save(update_fields=["preferred_language"])
    audit.record(
        actor,
        "core.person.language_set",
        person,
        {"from": previous, "to": language},
        county=person.county,
    )
    return person


@transaction.atomic
def register_buyer(
    county: County, *, phone: str, display_name: str, password: str, verified_by: str
) -> User:
    """A buyer registers themselves with a mobile number someone verified (`verified_by`
    says how: an SMS code). Their username is the number; they act as their own actor."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    if User.objects.filter(phone=phone).exists() or User.objects.filter(username=phone).exists():
        raise ValidationFailed(
            _("This number is registered already. Log in, or reset your password."),
            code="phone_registered",
            field="phone",
        )
    if not display_name.strip():
        raise ValidationFailed(_("Tell us your name."), field="display_name")
    person = User(county=county, username=phone, phone=phone, display_name=display_name.strip())
    try:
        validate_password(password, person)
    except ValidationError as error:
        raise ValidationFailed(
            " ".join(error.messages), field="password", errors={"password": error.messages}
        ) from error
    person.set_password(password)
    person.save()
    Membership.objects.create(county=county, user=person, role=Role.BUYER)
    audit.record(
        person,
        "core.person.registered",
        person,
        {"username": person.username, "role": Role.BUYER, "verified_by": verified_by},
        county=county,
    )
    return person


@transaction.atomic
def set_forgotten_password(person: User, *, password: str, verified_by: str) -> User:
    """A person who proved they hold their number (`verified_by`) sets a new password."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    try:
        validate_password(password, person)
    except ValidationError as error:
        raise ValidationFailed(
            " ".join(error.messages), field="password", errors={"password": error.messages}
        ) from error
    person.set_password(password)
    person.save(update_fields=["password"])
    audit.record(
        person,
        "core.person.password_reset",
        person,
        {"verified_by": verified_by},
        county=person.county,
    )
    return person
