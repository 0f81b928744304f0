"""The catalog over real HTTP: who may read and write which part, and bad input."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pacta.catalog.models import Service, TaxRateValue
from tests.support import make
from tests.support.fixtures import ids_of, results
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db(transaction=True)


def test_finance_keeps_tax_rates_with_dated_values(api):
    client = api(make.user("finance"))
    created = client.post(
        "/tax-rates/", {"code": "fr-tva-normal", "name": "TVA normale", "country": "FR"}
    )
    assert created.status_code == 201, created.text
    rate = created.json()
    assert (rate["code"], rate["values"], rate["percent_today"]) == ("FR-TVA-NORMAL", [], None)

    value = client.post(
        "/tax-rate-values/",
        {
            "tax_rate": rate["id"],
            "effective_on": "2014-01-01",
            "percent": "20.00",
            "reason": "CGI art. 278",
        },
    )
    assert value.status_code == 201, value.text
    shown = client.get(f"/tax-rates/{rate['id']}/").json()
    assert shown["values"] == [
        {"id": value.json()["id"], "effective_on": "2014-01-01", "percent": "20.00"}
    ]
    assert shown["percent_today"] == "20.00"

    counts = table_counts()
    frozen = client.patch(
        f"/tax-rate-values/{value.json()['id']}/", {"percent": "19.60", "reason": "x"}
    )
    assert frozen.status_code == 409
    assert frozen.json()["code"] == "price_in_force"
    assert table_counts() == counts


def test_a_rate_change_without_a_reason_answers_400_on_reason(api):
    rate = make.tax_rate()
    client = api(make.user("manager"))
    counts = table_counts()
    response = client.post(
        "/tax-rate-values/", {"tax_rate": rate.pk, "effective_on": "2030-01-01", "percent": "22.00"}
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "reason": ["Say why: a reason is required for this change."]
    }
    assert table_counts() == counts


def test_deleting_a_future_price_takes_its_reason_from_the_query(api):
    prices = make.price_list()
    line = make.price_list_line(prices, service=make.service(), effective_on=date(2099, 1, 1))
    client = api(make.user("manager"))
    refused = client.delete(f"/price-list-lines/{line.pk}/")
    assert refused.status_code == 400
    assert list(refused.json()["fields"]) == ["reason"]
    assert (
        client.delete(
            f"/price-list-lines/{line.pk}/", params={"reason": "Withdrawn offer"}
        ).status_code
        == 204
    )


def test_services_with_their_checklist_are_read_by_every_role_but_written_by_managers(api):
    service = make.service(code="OG-SAFE")
    make.checklist_step(service, position=1, text="Permit to work signed", is_safety=True)
    customer = make.customer()
    roles = {
        "dispatcher": {},
        "technician": {},
        "finance": {},
        "contractor": {"contractor": make.contractor()},
        "customer": {"customer": customer},
    }
    for role, extra in roles.items():
        client = api(make.user(role, **extra))
        body = client.get(f"/services/{service.pk}/")
        assert body.status_code == 200, role
        assert body.json()["checklist_steps"] == [
            {
                "id": service.checklist_steps.get().pk,
                "position": 1,
                "text": "Permit to work signed",
                "is_mandatory": True,
                "is_safety": True,
            }
        ]
        counts = table_counts()
        refused = client.patch(f"/services/{service.pk}/", {"name": "Renamed"})
        assert refused.status_code == 403, role
        assert table_counts() == counts

    manager = api(make.user("manager"))
    created = manager.post(
        "/services/",
        {
            "code": "hvac-pm",
            "name": "Preventive visit",
            "unit": "visit",
            "default_price": "95.50",
            "tax_rate": service.tax_rate_id,
            "included": "Filters, belts, refrigerant check",
        },
    )
    assert created.status_code == 201, created.text
    assert Service.objects.get(pk=created.json()["id"]).default_price == Decimal("95.5000")


def test_tax_rates_are_hidden_from_field_and_outside_roles(api):
    make.tax_rate()
    for role, extra in (
        ("technician", {}),
        ("contractor", {"contractor": make.contractor()}),
        ("customer", {"customer": make.customer()}),
    ):
        assert api(make.user(role, **extra)).get("/tax-rates/").status_code == 403, role


def test_a_customer_sees_only_the_price_lists_made_for_it(api):
    own, other = make.customer(), make.customer()
    general = make.price_list(name="General 2026")
    mine = make.price_list(name="Own 2026", customer=own)
    theirs = make.price_list(name="Theirs 2026", customer=other)
    service = make.service()
    own_line = make.price_list_line(mine, service=service)
    make.price_list_line(theirs, service=service)
    make.price_list_line(general, service=service)

    client = api(make.user("customer", customer=own))
    assert ids_of(client.get("/price-lists/")) == {mine.pk}
    assert ids_of(client.get("/price-list-lines/")) == {own_line.pk}
    assert client.get(f"/price-lists/{theirs.pk}/").status_code == 404
    assert client.get(f"/price-lists/{general.pk}/").status_code == 404


def test_contractors_read_products_for_the_parts_they_log(api):
    product = make.product(sku="FLT-20x25")
    client = api(make.user("contractor", contractor=make.contractor()))
    assert [p["sku"] for p in results(client.get("/products/"))] == ["FLT-20x25"]
    assert (
        client.post(
            "/products/", {"sku": "X", "name": "X", "price": "1", "tax_rate": product.tax_rate_id}
        ).status_code
        == 403
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"unit_price": "-1"}, "unit_price"),
        ({"unit_price": "abc"}, "unit_price"),
        ({"effective_on": "2026-13-01"}, "effective_on"),
        ({"service": 999999}, "service"),
        ({"product": "SELF"}, "service"),
    ],
)
def test_bad_price_lines_answer_400_naming_the_field(api, payload, field):
    prices, service, product = make.price_list(), make.service(), make.product()
    base = {
        "price_list": prices.pk,
        "service": service.pk,
        "unit_price": "10.00",
        "effective_on": "2026-01-01",
        "reason": "Offer 42",
    }
    if payload.get("product") == "SELF":
        payload = {"product": product.pk}
    client = api(make.user("manager"))
    counts = table_counts()
    response = client.post("/price-list-lines/", {**base, **payload})
    assert response.status_code == 400, response.text
    assert list(response.json()["fields"]) == [field]
    assert table_counts() == counts


def test_a_value_in_the_future_may_still_be_corrected(api):
    rate = make.tax_rate()
    client = api(make.user("finance"))
    created = client.post(
        "/tax-rate-values/",
        {
            "tax_rate": rate.pk,
            "effective_on": "2099-01-01",
            "percent": "22.00",
            "reason": "Announced",
        },
    ).json()
    changed = client.patch(
        f"/tax-rate-values/{created['id']}/", {"percent": "23.00", "reason": "Revised"}
    )
    assert changed.status_code == 200, changed.text
    assert row(TaxRateValue.objects.get(pk=created["id"]))["percent"] == Decimal("23.00")
