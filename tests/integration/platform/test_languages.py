"""pacta's own words in the reader's language: service errors, domain errors, pages — and
nothing of one request's language or zone left behind for the next."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.utils import translation

from pacta.customers.services import site_create
from pacta.domain.errors import InvalidInput
from tests.support import make

pytestmark = pytest.mark.django_db(transaction=True)

BAD_ZONE = {
    "es": "Mars/Olympus no es una zona horaria IANA (p. ej., Europe/Madrid).",
    "fr": "Mars/Olympus n'est pas un fuseau horaire IANA (p. ex. Europe/Madrid).",
    "ru": "Mars/Olympus не является часовым поясом IANA (например, Europe/Madrid).",
    "en": "Mars/Olympus is not an IANA time zone (e.g. Europe/Madrid).",
}


@pytest.mark.parametrize("language", ["es", "fr", "ru", "en"])
def test_a_service_refusal_reaches_the_api_in_the_users_language(api, language):
    customer = make.customer()
    client = api(make.user("manager", language=language))
    response = client.post(
        "/sites/",
        {"customer": customer.pk, "name": "Depot", "country": "ES", "time_zone": "Mars/Olympus"},
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"time_zone": [BAD_ZONE[language]]}
    assert response.headers["Content-Language"] == language


def test_a_domain_refusal_is_translated_with_its_values_in_the_language_too(api):
    customer = make.customer()
    contract = make.contract(customer, status="draft", starts_on=date(2026, 1, 1))
    client = api(make.user("manager", language="ru"))
    response = client.post(
        f"/contracts/{contract.pk}/status/", {"status": "suspended", "reason": "Неоплата"}
    )
    assert response.status_code == 409
    assert response.json()["detail"] == (
        "Договор нельзя перевести из статуса «черновик» в статус «приостановлен»."
    )


def test_the_language_chosen_on_me_applies_to_the_next_request(api):
    client = api(make.user("manager"))
    assert client.patch("/me/", {"language": "fr"}).json()["language"] == "fr"
    response = client.post(
        "/tax-rate-values/",
        {"tax_rate": make.tax_rate().pk, "effective_on": "2030-01-01", "percent": "5"},
    )
    assert response.json()["fields"] == {
        "reason": ["Indiquez pourquoi : un motif est obligatoire pour cette modification."]
    }


def test_the_home_page_greets_in_the_users_language():
    for language, greeting in (
        ("es", "Le damos la bienvenida, Ana"),
        ("fr", "Bienvenue, Ana"),
        ("ru", "Добро пожаловать, Ana"),
    ):
        client = Client()
        client.force_login(make.user("dispatcher", first_name="Ana", language=language))
        page = client.get("/", headers={"accept-language": "en"}).content.decode()
        assert greeting in page, language


def test_anonymous_visitors_get_the_browsers_language():
    page = Client().get("/login/", headers={"accept-language": "ru"}).content.decode()
    assert "<h1>Войти</h1>" in page
    page = Client().get("/login/", headers={"accept-language": "es"}).content.decode()
    assert "<h1>Iniciar sesión</h1>" in page


def test_a_request_leaves_no_language_behind_for_what_the_thread_does_next():
    client = Client()
    client.force_login(make.user("dispatcher", language="ru", time_zone="Asia/Yekaterinburg"))
    assert client.get("/").status_code == 200
    assert translation.get_language() == "en"
    with pytest.raises(InvalidInput) as refused:
        site_create(
            actor=None,
            values={
                "customer": make.customer(),
                "name": "X",
                "country": "ES",
                "time_zone": "Mars/Olympus",
            },
        )
    assert refused.value.fields == {"time_zone": [BAD_ZONE["en"]]}


def test_datetimes_are_shown_in_the_users_time_zone(api):
    site = make.site(make.customer())
    ticket = make.ticket(site, make.service(), opened_at=make.at("2026-03-02 09:00"))
    madrid = api(make.user("dispatcher"))
    yekaterinburg = api(make.user("dispatcher", time_zone="Asia/Yekaterinburg"))
    assert madrid.get(f"/tickets/{ticket.pk}/").json()["opened_at"] == "2026-03-02T09:00:00+01:00"
    assert yekaterinburg.get(f"/tickets/{ticket.pk}/").json()["opened_at"] == (
        "2026-03-02T13:00:00+05:00"
    )
