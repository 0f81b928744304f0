"""The back-office pages for users: passwords, roles, and refusals on the right field."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from pacta.accounts.models import User
from pacta.audit.models import AuditEntry
from tests.support import make
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db

ADD = reverse("admin:accounts_user_add")


def _change(user):
    return reverse("admin:accounts_user_change", args=[user.pk])


def _signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def _form(**changes):
    return {
        "username": "lucia",
        "password": "",
        "is_active": "on",
        "first_name": "Lucía",
        "last_name": "Gómez",
        "email": "lucia@pacta.test",
        "phone": "",
        "language": "es",
        "time_zone": "Europe/Madrid",
        "role": "dispatcher",
        "customer": "",
        "contractor": "",
        "reason": "",
        **changes,
    }


def _form_of(user, **changes):
    stored = row(user)
    names = ("username", "first_name", "last_name", "email", "language", "time_zone", "role")
    return _form(**{**{name: stored[name] for name in names}, **changes})


def test_an_admin_adds_a_user_with_a_password():
    admin = make.user("admin")
    response = _signed_in(admin).post(
        ADD, _form(password="paella-valenciana-12", reason="New dispatcher")
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(username="lucia")
    assert user.check_password("paella-valenciana-12")
    assert (user.role, user.is_staff, user.is_superuser, user.language) == (
        "dispatcher",
        True,
        False,
        "es",
    )
    entry = AuditEntry.objects.get(entity_type="accounts.user", entity_id=str(user.pk))
    assert (entry.action, entry.actor_id, entry.reason) == ("create", admin.pk, "New dispatcher")
    assert re.fullmatch(r"[0-9a-f]{8}", entry.after["password"])


def test_a_user_added_without_a_password_cannot_sign_in():
    response = _signed_in(make.user("admin")).post(ADD, _form())
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert User.objects.get(username="lucia").has_usable_password() is False


def test_an_empty_password_keeps_the_current_one():
    user = make.user("dispatcher")
    response = _signed_in(make.user("admin")).post(_change(user), _form_of(user, phone="+34 1"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    stored = User.objects.get(pk=user.pk)
    assert (stored.phone, stored.check_password(make.PASSWORD)) == ("+34 1", True)


def test_an_admin_sets_a_new_password():
    user = make.user("dispatcher")
    client = _signed_in(make.user("admin"))
    response = client.post(_change(user), _form_of(user, password="gazpacho-andaluz-34"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert User.objects.get(pk=user.pk).check_password("gazpacho-andaluz-34")


def test_changing_ones_own_password_keeps_one_signed_in():
    admin = make.user("admin")
    client = _signed_in(admin)
    response = client.post(_change(admin), _form_of(admin, password="gazpacho-andaluz-34"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert User.objects.get(pk=admin.pk).check_password("gazpacho-andaluz-34")
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_weak_password_is_refused_on_the_password_field():
    user = make.user("dispatcher")
    client = _signed_in(make.user("admin"))
    before = row(user)
    counts = table_counts()
    response = client.post(_change(user), _form_of(user, password="Xq7#z"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "password": ["This password is too short. It must contain at least 8 characters."]
    }
    assert row(user) == before
    assert table_counts() == counts


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone", "Mars/Olympus is not an IANA time zone."),
        (
            {"language": "xx"},
            "language",
            "Select a valid choice. xx is not one of the available choices.",
        ),
        pytest.param(
            {"role": "customer"},
            "customer",
            "A customer user must belong to a customer.",
        ),
        pytest.param(
            {"role": "contractor"},
            "contractor",
            "A contractor user must belong to a contractor company.",
        ),
        (
            {"role": "finance", "contractor": "{company}"},
            "contractor",
            "Only contractor users and technicians belong to a contractor company.",
        ),
    ],
)
def test_bad_input_is_refused_on_its_field(changes, field, message):
    company = make.contractor()
    changes = {k: v.format(company=company.pk) for k, v in changes.items()}
    client = _signed_in(make.user("manager"))
    counts = table_counts()
    response = client.post(ADD, _form(**changes))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {field: [message]}
    assert table_counts() == counts


@pytest.mark.parametrize("role", ["dispatcher", "finance"])
def test_a_read_only_user_page_never_shows_the_password_hash(role):
    target = make.user("technician")
    stored_hash = User.objects.get(pk=target.pk).password
    response = _signed_in(make.user(role)).get(_change(target))
    assert response.status_code == 200
    page = response.content.decode()
    assert target.username in page
    assert stored_hash not in page
    assert stored_hash.split("$")[-1] not in page


def test_an_editable_user_page_never_shows_the_password_hash():
    target = make.user("technician")
    stored_hash = User.objects.get(pk=target.pk).password
    page = _signed_in(make.user("admin")).get(_change(target)).content.decode()
    assert 'name="password"' in page
    assert stored_hash.split("$")[-1] not in page


def test_a_manager_cannot_create_an_admin_through_the_back_office():
    client = _signed_in(make.user("manager"))
    counts = table_counts()
    response = client.post(ADD, _form(role="admin"))
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "Only an administrator may grant or change administrator accounts."
    ]
    assert table_counts() == counts


def test_a_manager_cannot_edit_an_admin_through_the_back_office():
    admin = make.user("admin")
    before = row(admin)
    response = _signed_in(make.user("manager")).post(
        _change(admin), _form_of(admin, first_name="Demoted")
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "Only an administrator may grant or change administrator accounts."
    ]
    assert row(admin) == before


def test_a_manager_may_not_delete_users():
    user = make.user("dispatcher")
    response = _signed_in(make.user("manager")).post(
        reverse("admin:accounts_user_delete", args=[user.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert User.objects.filter(pk=user.pk).exists()


def test_an_admin_deletes_a_user_and_the_deletion_is_audited():
    admin, user = make.user("admin"), make.user("dispatcher")
    pk = user.pk
    response = _signed_in(admin).post(
        reverse("admin:accounts_user_delete", args=[pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not User.objects.filter(pk=pk).exists()
    entry = AuditEntry.objects.filter(entity_type="accounts.user", entity_id=str(pk)).latest("id")
    assert (entry.action, entry.actor_id) == ("delete", admin.pk)


def test_groups_are_not_a_back_office_page():
    response = _signed_in(make.user("admin")).get("/admin/auth/group/")
    assert response.status_code == 404
