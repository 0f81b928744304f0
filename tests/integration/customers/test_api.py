"""/api/v1/customers/, /contacts/, /sites/ over real HTTP: who may do what, and bad input."""

from __future__ import annotations

import pytest

from pacta.audit.models import AuditEntry
from pacta.customers.models import Contact, Customer
from tests.support import make
from tests.support.fixtures import ids_of, results
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db(transaction=True)

NEW_CUSTOMER = {
    "legal_name": "Hôtel Lumière SAS",
    "tax_id": "FR40303265045",
    "country": "FR",
    "city": "Lyon",
    "currency": "EUR",
    "language": "fr",
    "payment_terms_days": 45,
}


def test_a_manager_creates_reads_updates_lists_and_deletes_a_customer(api):
    manager = make.user("manager")
    client = api(manager)

    created = client.post("/customers/", {**NEW_CUSTOMER, "reason": "Signed in Lyon"})
    assert created.status_code == 201, created.text
    body = created.json()
    pk = body["id"]
    assert {k: body[k] for k in NEW_CUSTOMER} == NEW_CUSTOMER
    assert body["parent"] is None
    assert "reason" not in body

    assert client.get(f"/customers/{pk}/").json()["legal_name"] == "Hôtel Lumière SAS"

    patched = client.patch(
        f"/customers/{pk}/", {"payment_terms_days": 60, "reason": "Renegotiated"}
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["payment_terms_days"] == 60

    listed = client.get("/customers/", params={"search": "Lumière"})
    assert [c["id"] for c in results(listed)] == [pk]

    deleted = client.delete(f"/customers/{pk}/", params={"reason": "Test record"})
    assert deleted.status_code == 204
    assert not Customer.objects.filter(pk=pk).exists()

    log = list(
        AuditEntry.objects.filter(entity_type="customers.customer", entity_id=str(pk))
        .order_by("id")
        .values_list("action", "actor_id", "reason")
    )
    assert log == [
        ("create", manager.pk, "Signed in Lyon"),
        ("update", manager.pk, "Renegotiated"),
        ("delete", manager.pk, "Test record"),
    ]


def test_anonymous_requests_answer_401_in_the_error_shape(api):
    response = api().get("/customers/")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    assert response.json() == {
        "code": "not_authenticated",
        "detail": "Authentication credentials were not provided.",
        "fields": {},
    }


def test_a_dispatcher_reads_customers_but_may_not_create_them(api):
    customer = make.customer()
    client = api(make.user("dispatcher"))
    assert ids_of(client.get("/customers/")) == {customer.pk}

    counts = table_counts()
    refused = client.post("/customers/", NEW_CUSTOMER)
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert table_counts() == counts


def test_a_customer_user_sees_its_customer_and_its_children_only(api):
    group = make.customer(legal_name="Grupo Hospitalario")
    hospital = make.customer(legal_name="Hospital Norte", parent=group)
    stranger = make.customer(legal_name="Someone Else")
    own_site = make.site(hospital)
    strange_site = make.site(stranger)
    client = api(make.user("customer", customer=group))

    assert ids_of(client.get("/customers/")) == {group.pk, hospital.pk}
    assert ids_of(client.get("/sites/")) == {own_site.pk}
    assert client.get(f"/sites/{own_site.pk}/").status_code == 200

    # Another customer's records do not exist for this user: 404, not 403.
    for path in (f"/customers/{stranger.pk}/", f"/sites/{strange_site.pk}/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"


def test_a_customer_user_may_not_change_its_customer_record(api):
    customer = make.customer()
    before = row(customer)
    client = api(make.user("customer", customer=customer))
    response = client.patch(f"/customers/{customer.pk}/", {"legal_name": "Mine now"})
    assert response.status_code == 403
    assert row(customer) == before


def test_a_customer_user_adds_contacts_to_its_own_customer_only(api):
    own, other = make.customer(), make.customer()
    client = api(make.user("customer", customer=own))

    added = client.post(
        "/contacts/", {"customer": own.pk, "name": "Ana Ruiz", "email": "ana@own.es"}
    )
    assert added.status_code == 201, added.text
    assert Contact.objects.get(pk=added.json()["id"]).customer_id == own.pk

    counts = table_counts()
    refused = client.post("/contacts/", {"customer": other.pk, "name": "Intruder"})
    assert refused.status_code == 400
    assert refused.json()["fields"] == {
        "customer": [f'Invalid pk "{other.pk}" - object does not exist.']
    }
    assert table_counts() == counts


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"currency": "XXY"}, "currency"),
        ({"country": "ZZ"}, "country"),
        ({"payment_terms_days": -5}, "payment_terms_days"),
        ({"payment_terms_days": "soon"}, "payment_terms_days"),
        ({"language": "de"}, "language"),
        ({"parent": 999999}, "parent"),
        ({"legal_name": ""}, "legal_name"),
    ],
)
def test_bad_customer_input_answers_400_naming_the_field(api, change, field):
    client = api(make.user("admin"))
    counts = table_counts()
    response = client.post("/customers/", {**NEW_CUSTOMER, **change})
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["fields"]) == [field]
    assert table_counts() == counts


def test_a_duplicate_tax_id_answers_400_on_the_tax_id(api):
    make.customer(tax_id="FR40303265045", country="FR", language="fr")
    client = api(make.user("manager"))
    counts = table_counts()
    response = client.post("/customers/", NEW_CUSTOMER)
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "detail": "Another customer in this country has this tax id.",
        "fields": {"tax_id": ["Another customer in this country has this tax id."]},
    }
    assert table_counts() == counts


def test_a_site_with_an_unknown_time_zone_answers_400(api):
    customer = make.customer()
    client = api(make.user("manager"))
    counts = table_counts()
    response = client.post(
        "/sites/",
        {"customer": customer.pk, "name": "Depot", "country": "ES", "time_zone": "Mars/Olympus"},
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "time_zone": ["Mars/Olympus is not an IANA time zone (e.g. Europe/Madrid)."]
    }
    assert table_counts() == counts


def test_deleting_a_customer_in_use_answers_409_and_keeps_it(api):
    customer = make.customer()
    make.site(customer)
    client = api(make.user("admin"))
    response = client.delete(f"/customers/{customer.pk}/")
    assert response.status_code == 409
    assert response.json()["code"] == "in_use"
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_a_filter_on_another_customers_id_reads_like_an_id_that_does_not_exist(api):
    own, stranger = make.customer(), make.customer()
    make.site(own)
    make.site(stranger)
    client = api(make.user("customer", customer=own))

    foreign = client.get("/sites/", params={"customer": stranger.pk})
    missing = client.get("/sites/", params={"customer": 999999})
    assert (foreign.status_code, missing.status_code) == (400, 400)
    assert list(foreign.json()["fields"]) == list(missing.json()["fields"]) == ["customer"]
    assert foreign.json()["fields"]["customer"][0].startswith("Select a valid choice.")
    assert [s["customer"] for s in results(client.get("/sites/", params={"customer": own.pk}))] == [
        own.pk
    ]
