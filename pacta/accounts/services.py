"""Writing users, contractor companies and teams."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from pacta.accounts.errors import InvalidMembership, RoleNotGrantable
from pacta.accounts.models import Contractor, Team, User
from pacta.accounts.roles import BACK_OFFICE_ROLES, Role
from pacta.audit.services import (
    Actor,
    RecordWriter,
    apply_values,
    ids,
    record_create,
    record_delete,
    record_save,
    record_update,
)
from pacta.domain.errors import FieldErrors, InvalidInput
from pacta.domain.zones import is_time_zone

LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)
MEMBERSHIP_FIELDS = frozenset({"customer", "contractor"})


# --- users --------------------------------------------------------------------------------------
def user_check(user: User, m2m: Mapping[str, list[Any]] | None = None) -> None:
    errors = FieldErrors()
    if user.role == Role.CUSTOMER and user.customer_id is None:
        errors.add("customer", _("A customer user must belong to a customer."))
    if user.role != Role.CUSTOMER and user.customer_id is not None:
        errors.add("customer", _("Only customer users belong to a customer."))
    if user.role == Role.CONTRACTOR and user.contractor_id is None:
        errors.add("contractor", _("A contractor user must belong to a contractor company."))
    if user.contractor_id is not None and user.role not in (Role.CONTRACTOR, Role.TECHNICIAN):
        errors.add(
            "contractor", _("Only contractor users and technicians belong to a contractor company.")
        )
    if user.language and user.language not in LANGUAGE_CODES:
        errors.add(
            "language",
            _("Choose one of: %(codes)s.") % {"codes": ", ".join(sorted(LANGUAGE_CODES))},
        )
    if user.time_zone and not is_time_zone(user.time_zone):
        errors.add("time_zone", _("%(zone)s is not an IANA time zone.") % {"zone": user.time_zone})
    try:
        errors.raise_if_any()
    except InvalidInput as error:
        if MEMBERSHIP_FIELDS & set(error.fields):
            # A stable code for "this role and this company do not go together".
            raise InvalidMembership(error.detail, fields=error.fields) from None
        raise


def _guard_role(actor: Actor, *, granting: str, current: str | None = None) -> None:
    """Only an administrator grants, removes or edits the administrator role."""
    actor_role = getattr(actor, "role", None)
    if actor is None or actor_role == Role.ADMIN:
        return
    if Role.ADMIN in (granting, current):
        raise RoleNotGrantable(
            _("Only an administrator may grant or change administrator accounts.")
        )


def _set_password(user: User, password: str | None) -> None:
    if password in (None, ""):
        return
    try:
        validate_password(password, user)
    except ValidationError as error:
        errors = FieldErrors()
        for message in error.messages:
            errors.add("password", message)
        errors.raise_if_any()
    user.set_password(password)


def _sync_staff(user: User) -> None:
    # Django's admin looks at is_staff; pacta derives it from the role so the two never disagree.
    user.is_staff = user.role in BACK_OFFICE_ROLES
    user.is_superuser = False


@transaction.atomic
def user_create(*, actor: Actor, values: Mapping[str, Any], reason: str = "") -> User:
    values = dict(values)
    password = values.pop("password", None)
    _guard_role(actor, granting=values.get("role", Role.DISPATCHER))
    user = User()
    m2m = apply_values(user, values)
    if password:
        _set_password(user, password)
    else:
        user.set_unusable_password()
    _sync_staff(user)
    return record_save(user, actor=actor, reason=reason, check=user_check, m2m=m2m)


@transaction.atomic
def user_update(*, actor: Actor, user: User, values: Mapping[str, Any], reason: str = "") -> User:
    values = dict(values)
    password = values.pop("password", None)
    current_role = User.objects.only("role").get(pk=user.pk).role
    _guard_role(actor, granting=values.get("role", current_role), current=current_role)
    m2m = apply_values(user, values)
    _set_password(user, password)
    _sync_staff(user)
    saved = record_save(user, actor=actor, reason=reason, check=user_check, m2m=m2m)
    if password or not saved.is_active:
        _revoke_tokens(saved)
    return saved


def _revoke_tokens(user: User) -> None:
    """A new password (or a deactivated account) ends every API token issued before."""
    Token.objects.filter(user=user).delete()


@transaction.atomic
def user_change_password(
    *, actor: Actor, user: User, current_password: str, new_password: str
) -> User:
    """A user changes its own password: the current one first, then the password rules."""
    if not user.check_password(current_password):
        raise InvalidInput.on(
            "current_password", _("Your current password was entered incorrectly.")
        )
    _set_password(user, new_password)
    saved = record_save(user, actor=actor, reason=_("Password changed by its owner."))
    _revoke_tokens(saved)
    return saved


def user_delete(*, actor: Actor, user: User, reason: str = "") -> None:
    _guard_role(actor, granting=user.role, current=user.role)
    record_delete(user, actor=actor, reason=reason)


@transaction.atomic
def user_set_preferences(
    *, actor: Actor, user: User, values: Mapping[str, Any], reason: str = ""
) -> User:
    """What every user may change about themselves: name, e-mail, phone, language, time zone."""
    allowed = {"first_name", "last_name", "email", "phone", "language", "time_zone"}
    unknown = sorted(set(values) - allowed)
    if unknown:
        errors = FieldErrors()
        for name in unknown:
            errors.add(name, _("You cannot change this yourself."))
        errors.raise_if_any()
    return record_update(user, actor=actor, values=values, reason=reason, check=user_check)


USER = RecordWriter(
    param="user", create=user_create, update=user_update, delete=user_delete, check=user_check
)


# --- contractors ----------------------------------------------------------------------------------
def contractor_create(*, actor: Actor, values: Mapping[str, Any], reason: str = "") -> Contractor:
    return record_create(Contractor, actor=actor, values=values, reason=reason)


def contractor_update(
    *, actor: Actor, contractor: Contractor, values: Mapping[str, Any], reason: str = ""
) -> Contractor:
    return record_update(contractor, actor=actor, values=values, reason=reason)


def contractor_delete(*, actor: Actor, contractor: Contractor, reason: str = "") -> None:
    record_delete(contractor, actor=actor, reason=reason)


CONTRACTOR = RecordWriter(
    param="contractor",
    create=contractor_create,
    update=contractor_update,
    delete=contractor_delete,
)


# --- teams -------------------------------------------------------------------------------------
def _zone_codes(value: Any) -> Any:
    """Region codes stripped and upper-cased, blanks and repeats dropped (other shapes are left
    for the check to refuse)."""
    if not isinstance(value, list | tuple) or not all(isinstance(code, str) for code in value):
        return value
    codes = [code.strip().upper() for code in value]
    return list(dict.fromkeys(code for code in codes if code))


def team_check(team: Team, m2m: Mapping[str, list[Any]] | None = None) -> None:
    errors = FieldErrors()
    codes = team.zone_codes
    if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
        errors.add("zone_codes", _('Give the regions as a list of codes, e.g. ["MAD-NORTE"].'))
    elif not codes:
        errors.add("zone_codes", _("A team covers at least one region."))
    if m2m is not None and "members" in m2m:
        wanted = ids(m2m["members"])
        found = {user.pk: user for user in User.objects.filter(pk__in=wanted)}
        for pk in wanted:
            user = found.get(pk)
            if user is None:
                errors.add("members", _("There is no user %(id)s.") % {"id": pk})
            elif user.role != Role.TECHNICIAN or not user.is_active:
                errors.add(
                    "members",
                    _("%(user)s is not an active technician.") % {"user": user.get_username()},
                )
    errors.raise_if_any()


def _team_values(values: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(values)
    if isinstance(values.get("name"), str):
        values["name"] = values["name"].strip()
    if "zone_codes" in values:
        values["zone_codes"] = _zone_codes(values["zone_codes"])
    return values


def team_create(*, actor: Actor, values: Mapping[str, Any], reason: str = "") -> Team:
    """A team of technicians covering some regions (site zone codes)."""
    return record_create(
        Team, actor=actor, values=_team_values(values), reason=reason, check=team_check
    )


def team_update(*, actor: Actor, team: Team, values: Mapping[str, Any], reason: str = "") -> Team:
    return record_update(
        team, actor=actor, values=_team_values(values), reason=reason, check=team_check
    )


def team_delete(*, actor: Actor, team: Team, reason: str = "") -> None:
    record_delete(team, actor=actor, reason=reason)


TEAM = RecordWriter(
    param="team", create=team_create, update=team_update, delete=team_delete, check=team_check
)
