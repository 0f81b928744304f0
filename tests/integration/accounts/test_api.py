"""/api/v1/users/, /contractors/, /me/ and /auth/token/ over real HTTP."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token

from pacta.accounts.models import Contractor, User
from pacta.audit.models import AuditEntry
from tests.support import make
from tests.support.fixtures import ids_of, results
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db(transaction=True)

NEW_USER = {
    "username": "ana.ruiz",
    "first_name": "Ana",
    "last_name": "Ruiz",
    "email": "ana.ruiz@pacta.test",
    "phone": "+34 600 111 222",
    "role": "dispatcher",
    "language": "es",
    "time_zone": "Europe/Madrid",
}
NEW_PASSWORD = "tortilla-de-patatas-77"

NEW_CONTRACTOR = {
    "name": "Frío Norte S.L.",
    "tax_id": "ESB87654321",
    "email": "ops@frionorte.es",
    "phone": "+34 910 000 000",
    "country": "ES",
    "is_active": True,
}

NOT_GRANTABLE = {
    "code": "role_not_grantable",
    "detail": "Only an administrator may grant or change administrator accounts.",
    "fields": {},
}
PERMISSION_DENIED = {
    "code": "permission_denied",
    "detail": "You do not have permission to perform this action.",
    "fields": {},
}
NOT_FOUND = {"code": "not_found", "detail": "Not found.", "fields": {}}
BAD_CREDENTIALS = {
    "code": "invalid",
    "detail": "Check these fields: non_field_errors.",
    "fields": {"non_field_errors": ["Unable to log in with provided credentials."]},
}


def _user_body(pk, **changes):
    return {
        "id": pk,
        **NEW_USER,
        "customer": None,
        "contractor": None,
        "is_active": True,
        "last_login": None,
        **changes,
    }


# --- an administrator manages users and contractors ---------------------------------------------
def test_an_admin_creates_reads_updates_lists_and_deletes_a_user(api):
    admin = make.user("admin")
    client = api(admin)

    created = client.post("/users/", {**NEW_USER, "password": NEW_PASSWORD, "reason": "Hired"})
    assert created.status_code == 201, created.text
    pk = created.json()["id"]
    assert created.json() == _user_body(pk)
    stored = User.objects.get(pk=pk)
    assert (stored.is_staff, stored.is_superuser, stored.check_password(NEW_PASSWORD)) == (
        True,
        False,
        True,
    )

    assert client.get(f"/users/{pk}/").json() == _user_body(pk)

    patched = client.patch(f"/users/{pk}/", {"role": "finance", "reason": "Moved to finance"})
    assert patched.status_code == 200, patched.text
    assert patched.json() == _user_body(pk, role="finance")

    put = client.put(f"/users/{pk}/", {**NEW_USER, "role": "technician", "first_name": "Ana María"})
    assert put.status_code == 200, put.text
    assert put.json() == _user_body(pk, role="technician", first_name="Ana María")
    assert row(stored)["is_staff"] is False

    listed = client.get("/users/", params={"search": "ana.ruiz"})
    assert results(listed) == [_user_body(pk, role="technician", first_name="Ana María")]
    assert ids_of(client.get("/users/", params={"role": "technician"})) == {pk}

    deleted = client.delete(f"/users/{pk}/", params={"reason": "Left"})
    assert deleted.status_code == 204
    assert not User.objects.filter(pk=pk).exists()

    log = list(
        AuditEntry.objects.filter(entity_type="accounts.user", entity_id=str(pk))
        .order_by("id")
        .values_list("action", "actor_id", "reason")
    )
    assert log == [
        ("create", admin.pk, "Hired"),
        ("update", admin.pk, "Moved to finance"),
        ("update", admin.pk, ""),
        ("delete", admin.pk, "Left"),
    ]


def test_the_password_is_write_only(api):
    admin = make.user("admin")
    client = api(admin)
    created = client.post("/users/", {**NEW_USER, "password": NEW_PASSWORD})
    assert created.status_code == 201, created.text
    pk = created.json()["id"]
    stored_hash = User.objects.get(pk=pk).password

    responses = [
        created,
        client.get(f"/users/{pk}/"),
        client.get("/users/"),
        client.patch(f"/users/{pk}/", {"password": "another-long-secret-9"}),
        client.get("/audit-entries/", params={"entity_type": "accounts.user"}),
    ]
    for response in responses:
        assert response.status_code in (200, 201), response.text
        assert NEW_PASSWORD not in response.text
        assert stored_hash not in response.text
    for body in (responses[0].json(), responses[1].json(), *results(responses[2])):
        assert "password" not in body
    assert User.objects.get(pk=pk).check_password("another-long-secret-9")


def test_a_created_user_obtains_a_token_and_reads_its_profile(api):
    client = api(make.user("admin"))
    created = client.post("/users/", {**NEW_USER, "password": NEW_PASSWORD})
    assert created.status_code == 201, created.text

    anonymous = api()
    issued = anonymous.post(
        "/auth/token/", {"username": NEW_USER["username"], "password": NEW_PASSWORD}
    )
    assert issued.status_code == 200, issued.text
    token = issued.json()["token"]
    assert issued.json() == {"token": Token.objects.get(user_id=created.json()["id"]).key}

    me = anonymous.get("/me/", headers={"Authorization": f"Token {token}"})
    assert me.status_code == 200, me.text
    assert me.json()["id"] == created.json()["id"]
    assert me.json()["username"] == "ana.ruiz"


def test_a_user_without_a_password_cannot_obtain_a_token(api):
    client = api(make.user("admin"))
    created = client.post("/users/", NEW_USER)
    assert created.status_code == 201, created.text
    assert User.objects.get(pk=created.json()["id"]).has_usable_password() is False
    tokens = Token.objects.count()
    for password in ("", "!", User.objects.get(pk=created.json()["id"]).password):
        response = api().post(
            "/auth/token/", {"username": NEW_USER["username"], "password": password}
        )
        assert response.status_code == 400, password
        assert response.json()["code"] == "invalid"
    assert Token.objects.count() == tokens


def test_an_admin_creates_reads_updates_lists_and_deletes_a_contractor(api):
    client = api(make.user("admin"))

    created = client.post("/contractors/", {**NEW_CONTRACTOR, "reason": "New partner"})
    assert created.status_code == 201, created.text
    pk = created.json()["id"]
    assert created.json() == {"id": pk, **NEW_CONTRACTOR}

    assert client.get(f"/contractors/{pk}/").json() == {"id": pk, **NEW_CONTRACTOR}

    patched = client.patch(f"/contractors/{pk}/", {"country": "PT", "is_active": False})
    assert patched.status_code == 200, patched.text
    assert patched.json() == {"id": pk, **NEW_CONTRACTOR, "country": "PT", "is_active": False}

    assert results(client.get("/contractors/", params={"search": "Frío"})) == [patched.json()]

    deleted = client.delete(f"/contractors/{pk}/", params={"reason": "Never worked with us"})
    assert deleted.status_code == 204
    assert not Contractor.objects.filter(pk=pk).exists()
    assert list(
        AuditEntry.objects.filter(entity_type="accounts.contractor", entity_id=str(pk))
        .order_by("id")
        .values_list("action", "reason")
    ) == [("create", "New partner"), ("update", ""), ("delete", "Never worked with us")]


def test_a_contractor_with_users_cannot_be_deleted(api):
    company = make.contractor()
    make.user("contractor", contractor=company)
    client = api(make.user("admin"))
    counts = table_counts()
    response = client.delete(f"/contractors/{company.pk}/")
    assert response.status_code == 409
    assert response.json()["code"] == "in_use"
    assert table_counts() == counts


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"role": "customer"}, "customer", "invalid_membership"),
        ({"role": "contractor"}, "contractor", "invalid_membership"),
        ({"role": "chief"}, "role", "invalid"),
        ({"language": "de"}, "language", "invalid"),
        ({"time_zone": "Nowhere/City"}, "time_zone", "invalid"),
        ({"password": "short"}, "password", "invalid"),
        ({"password": "password1"}, "password", "invalid"),
        ({"email": "not-an-address"}, "email", "invalid"),
        ({"username": "has spaces"}, "username", "invalid"),
        ({"customer": 999999, "role": "customer"}, "customer", "invalid"),
    ],
)
def test_bad_user_input_answers_400_naming_the_field(api, change, field, code):
    client = api(make.user("admin"))
    counts = table_counts()
    response = client.post("/users/", {**NEW_USER, **change})
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == code
    assert list(body["fields"]) == [field]
    assert table_counts() == counts


def test_a_membership_refusal_has_its_own_code(api):
    client = api(make.user("admin"))
    company = make.contractor()
    counts = table_counts()
    response = client.post("/users/", {**NEW_USER, "contractor": company.pk})
    assert response.status_code == 400
    message = "Only contractor users and technicians belong to a contractor company."
    assert response.json() == {
        "code": "invalid_membership",
        "detail": message,
        "fields": {"contractor": [message]},
    }
    assert table_counts() == counts


def test_a_duplicate_username_answers_400(api):
    make.user("dispatcher", username="ana.ruiz")
    client = api(make.user("admin"))
    counts = table_counts()
    response = client.post("/users/", NEW_USER)
    assert response.status_code == 400
    assert response.json()["fields"] == {"username": ["A user with that username already exists."]}
    assert table_counts() == counts


# --- managers and the administrator role ----------------------------------------------------------
def test_a_manager_creates_a_dispatcher_but_not_an_admin(api):
    manager = make.user("manager")
    client = api(manager)

    created = client.post("/users/", {**NEW_USER, "password": NEW_PASSWORD})
    assert created.status_code == 201, created.text
    assert created.json()["role"] == "dispatcher"

    counts = table_counts()
    refused = client.post("/users/", {**NEW_USER, "username": "boss", "role": "admin"})
    assert refused.status_code == 403
    assert refused.json() == NOT_GRANTABLE
    assert table_counts() == counts
    assert not User.objects.filter(username="boss").exists()


def test_a_manager_cannot_promote_edit_or_delete_an_admin(api):
    manager, admin = make.user("manager"), make.user("admin")
    dispatcher = make.user("dispatcher")
    client = api(manager)
    counts = table_counts()
    rows = row(admin), row(dispatcher)

    promoted = client.patch(f"/users/{dispatcher.pk}/", {"role": "admin"})
    assert (promoted.status_code, promoted.json()) == (403, NOT_GRANTABLE)
    edited = client.patch(f"/users/{admin.pk}/", {"first_name": "Demoted"})
    assert (edited.status_code, edited.json()) == (403, NOT_GRANTABLE)
    deleted = client.delete(f"/users/{admin.pk}/")
    assert (deleted.status_code, deleted.json()) == (403, PERMISSION_DENIED)

    assert (row(admin), row(dispatcher)) == rows
    assert table_counts() == counts


def test_an_admin_grants_the_admin_role(api):
    dispatcher = make.user("dispatcher")
    client = api(make.user("admin"))
    response = client.patch(f"/users/{dispatcher.pk}/", {"role": "admin"})
    assert response.status_code == 200, response.text
    assert (row(dispatcher)["role"], row(dispatcher)["is_staff"]) == ("admin", True)


# --- who sees which users -------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["dispatcher", "finance"])
def test_dispatchers_and_finance_list_users_but_may_not_create_them(api, role):
    caller = make.user(role)
    other = make.user("technician")
    client = api(caller)
    assert ids_of(client.get("/users/")) == {caller.pk, other.pk}
    assert client.get("/contractors/").status_code == 200

    counts = table_counts()
    for path, body in (("/users/", NEW_USER), ("/contractors/", NEW_CONTRACTOR)):
        refused = client.post(path, body)
        assert (refused.status_code, refused.json()) == (403, PERMISSION_DENIED)
    refused = client.patch(f"/users/{other.pk}/", {"first_name": "X"})
    assert refused.status_code == 403
    assert table_counts() == counts


def test_a_technician_sees_only_itself(api):
    technician = make.user("technician")
    other = make.user("technician")
    client = api(technician)
    assert ids_of(client.get("/users/")) == {technician.pk}
    assert client.get(f"/users/{technician.pk}/").json()["username"] == technician.username
    hidden = client.get(f"/users/{other.pk}/")
    assert (hidden.status_code, hidden.json()) == (404, NOT_FOUND)
    assert client.get("/contractors/").status_code == 403


def test_a_contractor_user_sees_its_own_company_only(api):
    company, other_company = make.contractor(), make.contractor()
    caller = make.user("contractor", contractor=company)
    colleague = make.user("technician", contractor=company)
    make.user("technician", contractor=other_company)
    make.user("technician")
    client = api(caller)

    assert ids_of(client.get("/users/")) == {caller.pk, colleague.pk}
    assert ids_of(client.get("/contractors/")) == {company.pk}
    assert client.get(f"/contractors/{company.pk}/").json()["name"] == company.name
    hidden = client.get(f"/contractors/{other_company.pk}/")
    assert (hidden.status_code, hidden.json()) == (404, NOT_FOUND)

    before = row(company)
    refused = client.patch(f"/contractors/{company.pk}/", {"name": "Ours now"})
    assert refused.status_code == 403
    assert row(company) == before


def test_list_filters_do_not_reveal_other_companies(api):
    company, other_company = make.contractor(), make.contractor()
    caller = make.user("contractor", contractor=company)
    client = api(caller)
    assert ids_of(client.get("/users/", params={"contractor": company.pk})) == {caller.pk}
    hidden = client.get("/users/", params={"contractor": other_company.pk})
    missing = client.get("/users/", params={"contractor": 987654})
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json() == {
        **missing.json(),
        "fields": {
            "contractor": [
                "Select a valid choice. That choice is not one of the available choices."
            ]
        },
    }


def test_a_customer_user_may_not_list_users_or_contractors(api):
    client = api(make.user("customer", customer=make.customer()))
    for path in ("/users/", "/contractors/"):
        response = client.get(path)
        assert (response.status_code, response.json()) == (403, PERMISSION_DENIED), path


# --- the caller's own profile ---------------------------------------------------------------------
def test_me_returns_the_caller(api):
    company = make.contractor()
    caller = make.user(
        "technician", first_name="Iván", last_name="Petrov", contractor=company, phone="+7 900"
    )
    response = api(caller).get("/me/")
    assert response.status_code == 200
    assert response.json() == {
        "id": caller.pk,
        "username": caller.username,
        "first_name": "Iván",
        "last_name": "Petrov",
        "email": "",
        "phone": "+7 900",
        "role": "technician",
        "customer": None,
        "contractor": company.pk,
        "language": "",
        "time_zone": "",
    }


def test_me_patch_sets_language_and_time_zone(api):
    caller = make.user("technician")
    client = api(caller)
    response = client.patch("/me/", {"language": "es", "time_zone": "Europe/Moscow"})
    assert response.status_code == 200, response.text
    assert (response.json()["language"], response.json()["time_zone"]) == ("es", "Europe/Moscow")
    assert (row(caller)["language"], row(caller)["time_zone"]) == ("es", "Europe/Moscow")
    entry = AuditEntry.objects.filter(entity_type="accounts.user").latest("id")
    assert (entry.actor_id, entry.entity_id, entry.after["time_zone"]) == (
        caller.pk,
        str(caller.pk),
        "Europe/Moscow",
    )


def test_me_patch_refuses_an_unknown_time_zone(api):
    caller = make.user("technician")
    before = row(caller)
    counts = table_counts()
    response = api(caller).patch("/me/", {"time_zone": "Nowhere/City"})
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "detail": "Nowhere/City is not an IANA time zone.",
        "fields": {"time_zone": ["Nowhere/City is not an IANA time zone."]},
    }
    assert row(caller) == before
    assert table_counts() == counts


def test_me_patch_refuses_an_unknown_language(api):
    caller = make.user("technician")
    before = row(caller)
    response = api(caller).patch("/me/", {"language": "de"})
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["language"]
    assert row(caller) == before


@pytest.mark.parametrize(
    "change",
    [
        {"role": "admin"},
        {"username": "someone-else"},
        {"contractor": None},
        {"id": 1},
    ],
)
def test_me_patch_cannot_change_role_name_or_membership(api, change):
    company = make.contractor()
    caller = make.user("technician", contractor=company)
    before = row(caller)
    response = api(caller).patch("/me/", change)
    assert response.status_code == 200, response.text
    assert (response.json()["role"], response.json()["contractor"]) == ("technician", company.pk)
    after = row(caller)
    assert (after["role"], after["username"], after["contractor_id"], after["is_staff"]) == (
        "technician",
        before["username"],
        company.pk,
        False,
    )


def test_me_patch_cannot_set_the_password(api):
    caller = make.user("technician")
    response = api(caller).patch("/me/", {"password": "another-long-secret-9"})
    assert response.status_code == 200, response.text
    assert User.objects.get(pk=caller.pk).check_password(make.PASSWORD)


def test_me_needs_authentication(api):
    response = api().get("/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


# --- tokens ---------------------------------------------------------------------------------------
def test_a_wrong_password_answers_400_in_the_error_shape(api):
    user = make.user("dispatcher")
    response = api().post("/auth/token/", {"username": user.username, "password": "wrong-one-1"})
    assert response.status_code == 400
    assert response.json() == BAD_CREDENTIALS
    assert not Token.objects.filter(user=user).exists()


def test_missing_credentials_answer_400_naming_the_fields(api):
    make.user("dispatcher")
    tokens = Token.objects.count()
    response = api().post("/auth/token/", {})
    assert Token.objects.count() == tokens
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "detail": "Check these fields: password, username.",
        "fields": {
            "username": ["This field is required."],
            "password": ["This field is required."],
        },
    }


def test_an_inactive_user_cannot_obtain_a_token(api):
    user = make.user("dispatcher", is_active=False)
    response = api().post("/auth/token/", {"username": user.username, "password": make.PASSWORD})
    assert response.status_code == 400
    assert response.json() == BAD_CREDENTIALS
    assert not Token.objects.filter(user=user).exists()


def test_a_deactivated_users_token_stops_working(api):
    user = make.user("dispatcher")
    client = api(user)
    assert client.get("/me/").status_code == 200
    make_inactive = api(make.user("admin")).patch(f"/users/{user.pk}/", {"is_active": False})
    assert make_inactive.status_code == 200, make_inactive.text
    # Deactivating an account revokes its tokens.
    assert not Token.objects.filter(user=user).exists()
    response = client.get("/me/")
    assert response.status_code == 401
    assert response.json() == {
        "code": "authentication_failed",
        "detail": "Invalid token.",
        "fields": {},
    }


def test_a_bad_token_answers_401(api):
    response = api().get("/me/", headers={"Authorization": "Token not-a-real-token"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    assert response.json() == {
        "code": "authentication_failed",
        "detail": "Invalid token.",
        "fields": {},
    }
