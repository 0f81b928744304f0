"""The web pages: signing in and out, the home page, the user's language."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.support import make

pytestmark = pytest.mark.django_db

BACK_OFFICE_LINK = '<a href="/admin/" data-testid="back-office">'


def _signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_anonymous_visitors_are_sent_to_the_login_page():
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"


def test_the_login_page_renders():
    response = Client().get("/login/?next=/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Sign in · pacta</title>" in page
    assert '<input type="text" name="username" id="id_username"' in page
    assert '<input type="password" name="password" id="id_password"' in page
    assert '<input type="hidden" name="next" value="/">' in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert "did not match" not in page


def test_signing_in_leads_home():
    user = make.user("dispatcher", first_name="Lucía")
    client = Client()
    response = client.post("/login/", {"username": user.username, "password": make.PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "<h1>Welcome, Lucía</h1>" in home.content.decode()
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_wrong_password_shows_an_error_and_signs_nobody_in():
    user = make.user("dispatcher")
    client = Client()
    response = client.post("/login/", {"username": user.username, "password": "not-it-at-all"})
    assert response.status_code == 200
    assert "Your username and password did not match. Please try again." in (
        response.content.decode()
    )
    assert "_auth_user_id" not in client.session


def test_an_inactive_user_cannot_sign_in():
    user = make.user("dispatcher", is_active=False)
    client = Client()
    response = client.post("/login/", {"username": user.username, "password": make.PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("role", ["admin", "manager", "dispatcher", "finance"])
def test_office_roles_see_the_back_office_link(role):
    page = _signed_in(make.user(role)).get("/").content.decode()
    assert BACK_OFFICE_LINK in page
    assert '<a href="/api/docs/">' in page


@pytest.mark.parametrize("role", ["technician", "contractor", "customer"])
def test_people_outside_the_office_do_not_see_the_back_office_link(role):
    values = {}
    if role == "customer":
        values["customer"] = make.customer()
    if role == "contractor":
        values["contractor"] = make.contractor()
    response = _signed_in(make.user(role, **values)).get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="back-office"' not in page
    assert '<a href="/api/docs/">' in page


def test_the_header_names_the_user_and_its_role():
    user = make.user("manager", first_name="Olga", last_name="Ivanova")
    page = _signed_in(user).get("/").content.decode()
    assert '<span class="who" data-testid="who">Olga Ivanova · Manager</span>' in page


def test_signing_out_works():
    user = make.user("manager")
    client = _signed_in(user)
    assert client.get("/").status_code == 200
    response = client.post("/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302


def test_signing_out_needs_a_post():
    client = _signed_in(make.user("manager"))
    assert client.get("/logout/").status_code == 405
    assert client.get("/").status_code == 200


def test_pages_are_shown_in_the_users_language():
    client = _signed_in(make.user("dispatcher", language="es"))
    response = client.get("/", headers={"accept-language": "fr"})
    assert response.status_code == 200
    assert '<html lang="es">' in response.content.decode()
    assert response["Content-Language"] == "es"


def test_without_a_chosen_language_the_browser_decides():
    client = _signed_in(make.user("dispatcher"))
    response = client.get("/", headers={"accept-language": "fr"})
    assert '<html lang="fr">' in response.content.decode()
    assert Client().get("/login/", headers={"accept-language": "ru"})["Content-Language"] == "ru"
