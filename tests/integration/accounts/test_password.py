"""Changing one's own password: checked, audited, and every older API token revoked."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from pacta.accounts.models import User
from pacta.accounts.services import user_change_password, user_update
from pacta.audit.models import AuditEntry
from pacta.domain.errors import InvalidInput
from tests.support import make
from tests.support.state import row

pytestmark = pytest.mark.django_db

NEW = "another-horse-battery-77"


def test_the_current_password_is_checked_first():
    user = make.user("dispatcher")
    before = row(user)
    with pytest.raises(InvalidInput) as refused:
        user_change_password(actor=user, user=user, current_password="wrong", new_password=NEW)
    assert refused.value.fields == {
        "current_password": ["Your current password was entered incorrectly."]
    }
    assert row(user) == before


def test_a_weak_new_password_is_refused_on_the_password():
    user = make.user("dispatcher")
    before = row(user)
    with pytest.raises(InvalidInput) as refused:
        user_change_password(
            actor=user, user=user, current_password=make.PASSWORD, new_password="12345678"
        )
    assert list(refused.value.fields) == ["password"]
    assert row(user) == before


def test_a_changed_password_revokes_tokens_and_is_audited_without_the_hash():
    user = make.user("technician")
    Token.objects.create(user=user)
    user_change_password(actor=user, user=user, current_password=make.PASSWORD, new_password=NEW)
    stored = User.objects.get(pk=user.pk)
    assert stored.check_password(NEW)
    assert not Token.objects.filter(user=user).exists()
    entry = AuditEntry.objects.filter(entity_type="accounts.user", entity_id=str(user.pk)).latest(
        "id"
    )
    assert (entry.actor_id, entry.reason) == (user.pk, "Password changed by its owner.")
    assert entry.before["password"] != entry.after["password"]
    assert stored.password not in (entry.before["password"], entry.after["password"])


def test_an_administrator_setting_a_password_also_revokes_tokens():
    user = make.user("dispatcher")
    Token.objects.create(user=user)
    user_update(actor=make.user("admin"), user=user, values={"password": NEW}, reason="Reset")
    assert not Token.objects.filter(user=user).exists()
    user_update(actor=None, user=user, values={"first_name": "Ana"})
    assert User.objects.get(pk=user.pk).check_password(NEW)


def test_the_password_page_changes_it_and_keeps_the_session():
    user = make.user("finance")
    client = Client()
    client.force_login(user)
    mismatch = client.post(
        "/password/",
        {"current_password": make.PASSWORD, "new_password": NEW, "new_password_again": "x"},
    )
    assert mismatch.status_code == 200
    assert mismatch.context["form"].errors == {
        "new_password_again": ["The two new passwords differ."]
    }
    assert User.objects.get(pk=user.pk).check_password(make.PASSWORD)

    wrong = client.post(
        "/password/",
        {"current_password": "nope", "new_password": NEW, "new_password_again": NEW},
    )
    assert wrong.context["form"].errors == {
        "current_password": ["Your current password was entered incorrectly."]
    }

    done = client.post(
        "/password/",
        {"current_password": make.PASSWORD, "new_password": NEW, "new_password_again": NEW},
    )
    assert (done.status_code, done["Location"]) == (302, "/")
    assert User.objects.get(pk=user.pk).check_password(NEW)
    assert client.get("/").status_code == 200  # still signed in


def test_the_back_office_password_link_leads_to_the_password_page():
    client = Client()
    client.force_login(make.user("manager"))
    response = client.get("/admin/password_change/")
    assert (response.status_code, response["Location"]) == (302, "/password/")
