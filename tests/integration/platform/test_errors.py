"""Every API error has one shape, ``{"code", "detail", "fields"}``, and the right status."""

from __future__ import annotations

import pytest

from pacta.customers.models import Customer
from tests.support import make
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db(transaction=True)

CUSTOMER = {"legal_name": "Hôtel Lumière SAS", "country": "FR", "currency": "EUR"}


def _shape(response):
    body = response.json()
    assert set(body) == {"code", "detail", "fields"}, body
    assert isinstance(body["code"], str)
    assert isinstance(body["detail"], str)
    assert isinstance(body["fields"], dict)
    return body


def test_400_from_the_serializer_names_every_field(api):
    client = api(make.user("admin"))
    counts = table_counts()
    response = client.post(
        "/customers/", {"legal_name": "", "country": "ZZ", "payment_terms_days": "soon"}
    )
    assert response.status_code == 400
    assert _shape(response) == {
        "code": "invalid",
        "detail": "Check these fields: country, legal_name, payment_terms_days.",
        "fields": {
            "legal_name": ["This field may not be blank."],
            "country": ['"ZZ" is not a valid choice.'],
            "payment_terms_days": ["A valid integer is required."],
        },
    }
    assert table_counts() == counts


def test_400_from_a_service_names_the_field(api):
    client = api(make.user("admin"))
    counts = table_counts()
    response = client.post("/customers/", {**CUSTOMER, "currency": "XXX"})
    assert response.status_code == 400
    assert _shape(response) == {
        "code": "invalid",
        "detail": "XXX is not an ISO 4217 currency code.",
        "fields": {"currency": ["XXX is not an ISO 4217 currency code."]},
    }
    assert table_counts() == counts


def test_400_for_an_unknown_related_row(api):
    client = api(make.user("admin"))
    response = client.post("/customers/", {**CUSTOMER, "parent": 987654})
    assert response.status_code == 400
    assert _shape(response)["fields"] == {
        "parent": ['Invalid pk "987654" - object does not exist.']
    }


def test_401_without_credentials_asks_for_a_token(api):
    response = api().get("/customers/")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    assert _shape(response) == {
        "code": "not_authenticated",
        "detail": "Authentication credentials were not provided.",
        "fields": {},
    }


def test_401_for_a_bad_token(api):
    response = api().get("/customers/", headers={"Authorization": "Token 0000"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    assert _shape(response) == {
        "code": "authentication_failed",
        "detail": "Invalid token.",
        "fields": {},
    }


def test_403_when_the_role_may_not(api):
    client = api(make.user("dispatcher"))
    counts = table_counts()
    response = client.post("/customers/", CUSTOMER)
    assert response.status_code == 403
    assert _shape(response) == {
        "code": "permission_denied",
        "detail": "You do not have permission to perform this action.",
        "fields": {},
    }
    assert table_counts() == counts


def test_403_from_a_service_keeps_its_code(api):
    client = api(make.user("manager"))
    response = client.post("/users/", {"username": "boss", "role": "admin"})
    assert response.status_code == 403
    assert _shape(response)["code"] == "role_not_grantable"


def test_errors_follow_the_users_language(api):
    client = api(make.user("dispatcher", language="es"))
    response = client.post("/customers/", CUSTOMER)
    assert response.status_code == 403
    assert _shape(response) == {
        "code": "permission_denied",
        "detail": "Usted no tiene permiso para realizar esta acción.",
        "fields": {},
    }
    assert response.headers["Content-Language"] == "es"


@pytest.mark.parametrize(
    "path", ["/customers/{pk}/", "/customers/987654/", "/customers/not-a-number/"]
)
def test_404_for_a_row_that_is_not_there_or_not_visible(api, path):
    own, other = make.customer(), make.customer()
    client = api(make.user("customer", customer=own))
    response = client.get(path.format(pk=other.pk))
    assert response.status_code == 404
    assert _shape(response) == {"code": "not_found", "detail": "Not found.", "fields": {}}


def test_404_when_writing_to_a_row_that_is_not_visible(api):
    own, other = make.customer(), make.customer()
    contact = make.contact(other)
    before = row(contact)
    client = api(make.user("customer", customer=own))
    response = client.patch(f"/contacts/{contact.pk}/", {"name": "Mine"})
    assert response.status_code == 404
    assert _shape(response)["code"] == "not_found"
    assert row(contact) == before


@pytest.mark.parametrize(
    ("method", "path"),
    [("put", "/customers/"), ("delete", "/customers/"), ("post", "/customers/{pk}/")],
)
def test_405_for_a_method_the_endpoint_does_not_have(api, method, path):
    customer = make.customer()
    client = api(make.user("admin"))
    counts = table_counts()
    response = getattr(client, method)(path.format(pk=customer.pk))
    assert response.status_code == 405
    assert _shape(response) == {
        "code": "method_not_allowed",
        "detail": f'Method "{method.upper()}" not allowed.',
        "fields": {},
    }
    assert table_counts() == counts


def test_405_on_me_for_put(api):
    response = api(make.user("dispatcher")).put("/me/", {"language": "es"})
    assert response.status_code == 405
    assert _shape(response)["code"] == "method_not_allowed"


def test_405_even_where_the_role_may_only_read(api):
    client = api(make.user("admin"))
    counts = table_counts()
    response = client.post("/audit-entries/", {"reason": "forged"})
    assert response.status_code == 405
    assert _shape(response)["code"] == "method_not_allowed"
    assert table_counts() == counts


def test_409_when_deleting_a_record_in_use(api):
    customer = make.customer(legal_name="Busy S.L.")
    make.site(customer)
    make.site(customer)
    client = api(make.user("admin"))
    counts = table_counts()
    response = client.delete(f"/customers/{customer.pk}/")
    assert response.status_code == 409
    assert _shape(response) == {
        "code": "in_use",
        "detail": "Busy S.L. cannot be deleted: 2 other records use it (sites).",
        "fields": {},
    }
    assert table_counts() == counts
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_malformed_json_answers_400_parse_error(api):
    client = api(make.user("admin"))
    counts = table_counts()
    response = client.post(
        "/customers/",
        content=b'{"legal_name": "Broken", ',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    body = _shape(response)
    assert body["code"] == "parse_error"
    assert body["detail"].startswith("JSON parse error - ")
    assert body["fields"] == {}
    assert table_counts() == counts


def test_an_unsupported_media_type_answers_415(api):
    client = api(make.user("admin"))
    response = client.post(
        "/customers/", content=b"legal_name: X", headers={"Content-Type": "text/yaml"}
    )
    assert response.status_code == 415
    assert _shape(response) == {
        "code": "unsupported_media_type",
        "detail": 'Unsupported media type "text/yaml" in request.',
        "fields": {},
    }
