"""Users and contractor companies through their services: membership, roles, audit."""

from __future__ import annotations

import json
import re

import pytest

from pacta.accounts.access import audience_of
from pacta.accounts.errors import InvalidMembership, RoleNotGrantable
from pacta.accounts.models import Contractor, User
from pacta.accounts.selectors import contractor_list, user_list, user_list_technicians
from pacta.accounts.services import (
    contractor_delete,
    contractor_update,
    user_create,
    user_delete,
    user_set_preferences,
    user_update,
)
from pacta.audit.models import AuditEntry
from pacta.domain.errors import Conflict, Forbidden, InvalidInput
from tests.support import make
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db

ROLES = ["admin", "manager", "dispatcher", "technician", "finance", "contractor", "customer"]
OFFICE = {"admin", "manager", "dispatcher", "finance"}
MARKER = re.compile(r"^[0-9a-f]{8}$")


def _refused_create(values, *, actor=None):
    """Try to create a user; assert nothing was written; return the refusal."""
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        user_create(actor=actor, values={"username": "newcomer", **values})
    assert table_counts() == counts
    assert not User.objects.filter(username="newcomer").exists()
    return refused.value


# --- membership -----------------------------------------------------------------------------------
def test_a_customer_user_needs_a_customer():
    refused = _refused_create({"role": "customer", "password": make.PASSWORD})
    assert refused.fields == {"customer": ["A customer user must belong to a customer."]}
    assert (type(refused), refused.code) == (InvalidMembership, "invalid_membership")


@pytest.mark.parametrize("role", [r for r in ROLES if r != "customer"])
def test_only_customer_users_belong_to_a_customer(role):
    customer = make.customer()
    values = {"role": role, "customer": customer}
    if role == "contractor":
        values["contractor"] = make.contractor()
    refused = _refused_create(values)
    assert refused.fields == {"customer": ["Only customer users belong to a customer."]}
    assert refused.code == "invalid_membership"


def test_a_contractor_user_needs_a_contractor():
    refused = _refused_create({"role": "contractor"})
    assert refused.fields == {
        "contractor": ["A contractor user must belong to a contractor company."]
    }
    assert refused.code == "invalid_membership"


@pytest.mark.parametrize("role", ["admin", "manager", "dispatcher", "finance", "customer"])
def test_only_contractor_users_and_technicians_belong_to_a_contractor(role):
    values = {"role": role, "contractor": make.contractor()}
    if role == "customer":
        values["customer"] = make.customer()
    refused = _refused_create(values)
    assert refused.fields == {
        "contractor": ["Only contractor users and technicians belong to a contractor company."]
    }
    assert refused.code == "invalid_membership"


def test_members_of_a_company_are_created_with_it():
    company = make.contractor(name="Frío Norte S.L.")
    customer = make.customer()
    contractor_user = make.user("contractor", contractor=company)
    technician = make.user("technician", contractor=company)
    own_technician = make.user("technician")
    customer_user = make.user("customer", customer=customer)
    assert (row(contractor_user)["contractor_id"], row(contractor_user)["customer_id"]) == (
        company.pk,
        None,
    )
    assert row(technician)["contractor_id"] == company.pk
    assert row(own_technician)["contractor_id"] is None
    assert (row(customer_user)["customer_id"], row(customer_user)["contractor_id"]) == (
        customer.pk,
        None,
    )


def test_every_bad_field_is_named_at_once():
    refused = _refused_create({"role": "customer", "language": "de", "time_zone": "Nowhere/City"})
    assert refused.code == "invalid_membership"
    assert refused.detail == "The input is not valid."
    assert refused.fields == {
        "customer": ["A customer user must belong to a customer."],
        "language": ["Choose one of: en, es, fr, ru."],
        "time_zone": ["Nowhere/City is not an IANA time zone."],
    }


def test_a_role_change_must_keep_membership_consistent():
    customer_user = make.user("customer", customer=make.customer())
    before = row(customer_user)
    with pytest.raises(InvalidInput) as refused:
        user_update(actor=None, user=customer_user, values={"role": "dispatcher"})
    assert refused.value.fields == {"customer": ["Only customer users belong to a customer."]}
    assert row(customer_user) == before


@pytest.mark.parametrize("language", ["de", "EN", "es-es", "xx"])
def test_language_must_be_one_of_the_four(language):
    refused = _refused_create({"role": "dispatcher", "language": language})
    assert refused.fields == {"language": ["Choose one of: en, es, fr, ru."]}
    assert (type(refused), refused.code) == (InvalidInput, "invalid")


@pytest.mark.parametrize("language", ["en", "es", "fr", "ru", ""])
def test_the_four_languages_and_none_are_accepted(language):
    user = make.user("dispatcher", language=language)
    assert row(user)["language"] == language


@pytest.mark.parametrize("zone", ["Nowhere/City", "CET+1", "europe/madrid"])
def test_time_zone_must_be_an_iana_name(zone):
    refused = _refused_create({"role": "dispatcher", "time_zone": zone})
    assert refused.fields == {"time_zone": [f"{zone} is not an IANA time zone."]}
    assert refused.code == "invalid"


def test_an_iana_time_zone_is_accepted():
    assert row(make.user("dispatcher", time_zone="America/Argentina/Buenos_Aires"))[
        "time_zone"
    ] == ("America/Argentina/Buenos_Aires")


@pytest.mark.parametrize(
    ("password", "messages"),
    [
        ("Xq7#z", ["This password is too short. It must contain at least 8 characters."]),
        ("password1", ["This password is too common."]),
        ("12345678", ["This password is too common.", "This password is entirely numeric."]),
    ],
)
def test_a_weak_password_is_refused_on_the_password_field(password, messages):
    refused = _refused_create({"role": "dispatcher", "password": password})
    assert refused.fields == {"password": messages}


def test_a_password_like_the_username_is_refused():
    refused = _refused_create({"role": "dispatcher", "password": "newcomer1"})
    assert refused.fields == {"password": ["The password is too similar to the username."]}


def test_a_weak_new_password_leaves_the_old_one():
    user = make.user("dispatcher")
    before = row(user)
    with pytest.raises(InvalidInput) as refused:
        user_update(actor=None, user=user, values={"password": "short"})
    assert list(refused.value.fields) == ["password"]
    assert row(user) == before
    assert User.objects.get(pk=user.pk).check_password(make.PASSWORD)


def test_a_password_is_stored_hashed():
    user = make.user("dispatcher")
    stored = User.objects.get(pk=user.pk)
    assert stored.password != make.PASSWORD
    assert stored.password.startswith("md5$")
    assert stored.check_password(make.PASSWORD)


def test_without_a_password_the_account_cannot_sign_in():
    user = user_create(actor=None, values={"username": "nopass", "role": "technician"})
    stored = User.objects.get(pk=user.pk)
    assert stored.has_usable_password() is False
    assert stored.check_password("") is False


def test_an_empty_password_on_update_keeps_the_current_one():
    user = make.user("dispatcher")
    user_update(actor=None, user=user, values={"password": "", "first_name": "Ana"})
    stored = User.objects.get(pk=user.pk)
    assert (stored.first_name, stored.check_password(make.PASSWORD)) == ("Ana", True)


@pytest.mark.parametrize("role", ROLES)
def test_is_staff_follows_the_role_and_nobody_is_superuser(role):
    values = {"role": role, "is_staff": role not in OFFICE, "is_superuser": True}
    if role == "customer":
        values["customer"] = make.customer()
    if role == "contractor":
        values["contractor"] = make.contractor()
    user = make.user(**values)
    stored = row(user)
    assert (stored["is_staff"], stored["is_superuser"]) == (role in OFFICE, False)


def test_is_staff_follows_a_role_change():
    user = make.user("dispatcher")
    user_update(actor=None, user=user, values={"role": "technician"})
    assert row(user)["is_staff"] is False
    user_update(actor=None, user=user, values={"role": "finance"})
    assert row(user)["is_staff"] is True


def test_a_duplicate_username_is_refused_on_the_username():
    make.user("dispatcher", username="ana")
    refused = _refused_create({"role": "dispatcher", "username": "ana"})
    assert refused.fields == {"username": ["A user with that username already exists."]}


# --- who may grant the administrator role -------------------------------------------------------
def test_a_manager_cannot_create_an_administrator():
    manager = make.user("manager")
    counts = table_counts()
    with pytest.raises(RoleNotGrantable) as refused:
        user_create(actor=manager, values={"username": "boss", "role": "admin"})
    assert refused.value.code == "role_not_grantable"
    assert isinstance(refused.value, Forbidden)
    assert table_counts() == counts


def test_a_manager_cannot_promote_someone_to_administrator():
    manager = make.user("manager")
    dispatcher = make.user("dispatcher")
    for target in (dispatcher, manager):
        before = row(target)
        with pytest.raises(RoleNotGrantable):
            user_update(actor=manager, user=target, values={"role": "admin"})
        assert row(target) == before


@pytest.mark.parametrize(
    "values",
    [{"first_name": "Renamed"}, {"role": "dispatcher"}, {"is_active": False}],
)
def test_a_manager_cannot_edit_an_administrator(values):
    manager, admin = make.user("manager"), make.user("admin")
    before = row(admin)
    counts = table_counts()
    with pytest.raises(RoleNotGrantable):
        user_update(actor=manager, user=admin, values=values)
    assert row(admin) == before
    assert table_counts() == counts


def test_a_manager_cannot_change_an_administrators_password():
    manager, admin = make.user("manager"), make.user("admin")
    before = row(admin)
    with pytest.raises(RoleNotGrantable):
        user_update(actor=manager, user=admin, values={"password": "another-long-secret-9"})
    assert row(admin) == before
    assert User.objects.get(pk=admin.pk).check_password(make.PASSWORD)


def test_a_manager_cannot_delete_an_administrator():
    manager, admin = make.user("manager"), make.user("admin")
    counts = table_counts()
    with pytest.raises(RoleNotGrantable):
        user_delete(actor=manager, user=admin)
    assert table_counts() == counts


def test_a_manager_manages_other_roles():
    manager = make.user("manager")
    created = user_create(
        actor=manager,
        values={"username": "disp", "role": "dispatcher", "password": make.PASSWORD},
    )
    user_update(actor=manager, user=created, values={"role": "finance"})
    assert row(created)["role"] == "finance"


@pytest.mark.parametrize("actor_role", ["admin", None])
def test_an_administrator_and_the_system_grant_the_administrator_role(actor_role):
    actor = make.user(actor_role) if actor_role else None
    created = user_create(actor=actor, values={"username": "boss", "role": "admin"})
    assert (row(created)["role"], row(created)["is_staff"]) == ("admin", True)

    promoted = make.user("dispatcher")
    user_update(actor=actor, user=promoted, values={"role": "admin"})
    assert row(promoted)["role"] == "admin"

    user_update(actor=actor, user=created, values={"first_name": "Edited"})
    assert row(created)["first_name"] == "Edited"

    user_update(actor=actor, user=promoted, values={"role": "manager"})
    assert row(promoted)["role"] == "manager"

    pk = created.pk
    user_delete(actor=actor, user=created)
    assert not User.objects.filter(pk=pk).exists()


# --- preferences ----------------------------------------------------------------------------------
def test_a_user_sets_its_language_and_time_zone():
    user = make.user("technician")
    user_set_preferences(
        actor=user, user=user, values={"language": "ru", "time_zone": "Europe/Moscow"}
    )
    stored = row(user)
    assert (stored["language"], stored["time_zone"]) == ("ru", "Europe/Moscow")
    entry = AuditEntry.objects.filter(entity_type="accounts.user").latest("id")
    assert (entry.actor_id, entry.action, entry.before["language"], entry.after["language"]) == (
        user.pk,
        "update",
        "",
        "ru",
    )


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"role": "admin"}, "role"),
        ({"is_active": False}, "is_active"),
        ({"customer": None}, "customer"),
        ({"password": "another-long-secret-9"}, "password"),
    ],
)
def test_preferences_refuse_what_a_user_may_not_change_about_itself(values, field):
    user = make.user("technician")
    before = row(user)
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        user_set_preferences(actor=user, user=user, values={"language": "es", **values})
    assert refused.value.fields == {field: ["You cannot change this yourself."]}
    assert row(user) == before
    assert table_counts() == counts


def test_preferences_refuse_an_unknown_time_zone():
    user = make.user("technician")
    before = row(user)
    with pytest.raises(InvalidInput) as refused:
        user_set_preferences(actor=user, user=user, values={"time_zone": "Nowhere/City"})
    assert refused.value.fields == {"time_zone": ["Nowhere/City is not an IANA time zone."]}
    assert row(user) == before


# --- the change log keeps no password hash --------------------------------------------------------
def _user_entries(user):
    return list(
        AuditEntry.objects.filter(entity_type="accounts.user", entity_id=str(user.pk)).order_by(
            "id"
        )
    )


def test_the_audit_log_never_holds_a_password_hash():
    admin = make.user("admin")
    user = user_create(
        actor=admin,
        values={"username": "ana", "role": "dispatcher", "password": "first-long-secret-1"},
    )
    first_hash = User.objects.get(pk=user.pk).password
    user_update(actor=admin, user=user, values={"password": "second-long-secret-2"})
    second_hash = User.objects.get(pk=user.pk).password
    user_update(actor=admin, user=user, values={"first_name": "Ana"})
    assert first_hash != second_hash

    created, changed, renamed = _user_entries(user)
    assert created.before is None
    assert MARKER.match(created.after["password"])
    assert MARKER.match(changed.before["password"])
    assert MARKER.match(changed.after["password"])
    assert changed.before["password"] == created.after["password"]
    assert changed.before["password"] != changed.after["password"]
    assert renamed.before["password"] == renamed.after["password"] == changed.after["password"]
    logged = json.dumps([[e.before, e.after] for e in (created, changed, renamed)])
    for secret in (first_hash, second_hash, "first-long-secret-1", "second-long-secret-2"):
        assert secret not in logged
        assert secret.split("$")[-1] not in logged


def test_a_deleted_user_leaves_no_password_hash_in_the_log():
    user = make.user("dispatcher")
    stored_hash = User.objects.get(pk=user.pk).password
    user_delete(actor=None, user=user, reason="Left the company")
    entry = AuditEntry.objects.latest("id")
    assert (entry.action, entry.after, entry.reason) == ("delete", None, "Left the company")
    assert MARKER.match(entry.before["password"])
    assert stored_hash not in json.dumps(entry.before)


# --- contractors ----------------------------------------------------------------------------------
def test_contractor_names_are_unique():
    make.contractor(name="Frío Norte S.L.")
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        make.contractor(name="Frío Norte S.L.")
    assert refused.value.fields == {"name": ["Contractor with this Name already exists."]}
    assert table_counts() == counts


def test_a_contractor_with_an_unknown_country_is_refused():
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        make.contractor(country="XX")
    assert list(refused.value.fields) == ["country"]
    assert table_counts() == counts


def test_a_contractor_with_users_cannot_be_deleted():
    company = make.contractor()
    make.user("technician", contractor=company)
    counts = table_counts()
    with pytest.raises(Conflict) as refused:
        contractor_delete(actor=None, contractor=company)
    assert refused.value.code == "in_use"
    assert table_counts() == counts


def test_contractor_update_and_delete_are_audited():
    company = make.contractor(name="Old Name")
    contractor_update(actor=None, contractor=company, values={"name": "New Name"}, reason="Rebrand")
    pk = company.pk
    contractor_delete(actor=None, contractor=company, reason="Closed")
    assert not Contractor.objects.filter(pk=pk).exists()
    log = list(
        AuditEntry.objects.filter(entity_type="accounts.contractor", entity_id=str(pk))
        .order_by("id")
        .values_list("action", "reason")
    )
    assert log == [("create", ""), ("update", "Rebrand"), ("delete", "Closed")]


# --- who sees which users -------------------------------------------------------------------------
def test_user_selectors_follow_the_audience():
    company, other_company = make.contractor(), make.contractor()
    contractor_user = make.user("contractor", contractor=company)
    employed = make.user("technician", contractor=company)
    make.user("technician", contractor=other_company)
    own = make.user("technician")
    inactive = make.user("technician", is_active=False)
    admin = make.user("admin")
    customer_user = make.user("customer", customer=make.customer())

    everyone = set(User.objects.values_list("pk", flat=True))
    assert set(user_list(audience=audience_of(admin)).values_list("pk", flat=True)) == everyone
    assert list(user_list(audience=audience_of(own))) == [own]
    assert set(user_list(audience=audience_of(contractor_user))) == {contractor_user, employed}
    assert list(user_list(audience=audience_of(customer_user))) == []
    assert set(user_list_technicians(audience=audience_of(contractor_user))) == {employed}
    assert inactive not in set(user_list_technicians(audience=audience_of(admin)))
    assert list(contractor_list(audience=audience_of(contractor_user))) == [company]
    assert list(contractor_list(audience=audience_of(own))) == []
