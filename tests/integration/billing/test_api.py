"""/api/v1/ratings/ and /api/v1/charge-lines/ over real HTTP: each line with its trace as data
and in the reader's words; who sees which; the filters."""

from __future__ import annotations

import pytest

from pacta.billing.services import work_orders_rate
from pacta.service.services import time_entry_update
from tests.support import make
from tests.support.fixtures import ids_of, results
from tests.support.make import at

pytestmark = pytest.mark.django_db(transaction=True)

NOW = at("2026-04-20 12:00")
INCLUDED_TRACE = {
    "contract": "C-100",
    "version": 1,
    "coverage": "included",
    "price_list": "HVAC 2026",
    "price_line": "Preventive visit",
    "price_line_effective_on": "0001-01-01",
    "surcharges": [],
    "allowance": "",
}


@pytest.fixture
def rated(month):
    run = work_orders_rate(actor=None, work_orders=list(month.values()), now=NOW)
    by_work_order = {r.work_order_id: r for r in run.ratings}
    ratings = {name: by_work_order[w.pk] for name, w in month.items()}
    return month, ratings


def test_a_line_shows_its_trace_as_data_and_in_the_readers_words(api, rated):
    month, _ratings = rated
    visit = month["visit 3 Mar"].pk
    (line,) = results(api(make.user("finance")).get("/charge-lines/", params={"work_order": visit}))
    assert {k: line[k] for k in ("work_order", "charge_type", "code", "quantity", "amount")} == {
        "work_order": visit,
        "charge_type": "included",
        "code": "PM",
        "quantity": "0.750000",
        "amount": "0.0000",
    }
    assert line["trace"] == INCLUDED_TRACE
    assert line["words"] == (
        "included in the contract, visit drawn from Included visits, 2.000000 left, "
        "contract C-100 v1, price list 'HVAC 2026' line 'Preventive visit'"
    )
    (spanish,) = results(
        api(make.user("finance", language="es")).get("/charge-lines/", params={"work_order": visit})
    )
    assert spanish["words"] == (
        "incluido en el contrato, visita descontada de Included visits, quedan 2.000000, "
        "contrato C-100 v1, tarifa «HVAC 2026», línea «Preventive visit»"
    )
    assert spanish["trace"] == INCLUDED_TRACE


def test_a_rating_lists_its_lines_and_the_fourth_visit_is_billed(api, rated):
    month, ratings = rated
    client = api(make.user("manager"))
    (rating,) = results(client.get("/ratings/", params={"work_order": month["visit 24 Mar"].pk}))
    assert {k: rating[k] for k in ("contract_number", "version", "period_on", "total")} == {
        "contract_number": "C-100",
        "version": 1,
        "period_on": "2026-03-01",
        "total": "120.0000",
    }
    assert rating["current"] is True
    assert [(row["charge_type"], row["amount"]) for row in rating["lines"]] == [
        ("billable", "120.0000")
    ]
    assert rating["lines"][0]["words"] == (
        "Included visits used up, contract C-100 v1, price list 'HVAC 2026' line 'Preventive visit'"
    )
    assert client.get(f"/ratings/{ratings['repair 4 Mar'].pk}/").json()["total"] == "190.0000"


def test_the_filters_by_contract_type_and_current(api, rated):
    month, ratings = rated
    client = api(make.user("dispatcher"))
    other = month["repair 5 Mar"].ticket.contract_id
    assert ids_of(client.get("/ratings/", params={"contract": other})) == {
        ratings["repair 5 Mar"].pk
    }
    billable = results(client.get("/charge-lines/", params={"charge_type": "billable"}))
    assert sorted((row["code"], row["amount"]) for row in billable) == [
        ("PM", "120.0000"),
        ("REPAIR", "137.5000"),
        ("REPAIR", "192.5000"),
    ]
    entry = month["visit 10 Mar"].time_entries.get()
    time_entry_update(actor=None, time_entry=entry, values={"ended_at": at("2026-03-10 11:00")})
    work_orders_rate(actor=None, work_orders=[month["visit 10 Mar"]], now=NOW)
    visit = {"work_order": month["visit 10 Mar"].pk}
    assert [r["current"] for r in results(client.get("/ratings/", params=visit))] == [True, False]
    current = results(client.get("/charge-lines/", params={**visit, "current": "true"}))
    assert [row["quantity"] for row in current] == ["2.000000"]
    superseded = results(client.get("/charge-lines/", params={**visit, "current": "false"}))
    assert [row["quantity"] for row in superseded] == ["1.000000"]


def test_customers_see_their_own_and_technicians_their_work_orders(api, rated):
    month, ratings = rated
    repair = month["repair 5 Mar"]
    customer = api(make.user("customer", customer=repair.ticket.customer))
    assert ids_of(customer.get("/ratings/")) == {ratings["repair 5 Mar"].pk}
    assert {row["work_order"] for row in results(customer.get("/charge-lines/"))} == {repair.pk}
    assert customer.get(f"/ratings/{ratings['visit 3 Mar'].pk}/").status_code == 404
    refused = customer.get(
        "/ratings/", params={"contract": month["visit 3 Mar"].ticket.contract_id}
    )
    assert refused.status_code == 400

    own = api(repair.technician)
    assert ids_of(own.get("/ratings/")) == {r.pk for r in ratings.values()}
    stranger = api(make.user("technician"))
    assert results(stranger.get("/ratings/")) == []
    assert results(stranger.get("/charge-lines/")) == []
    contractor = make.user("contractor", contractor=make.contractor())
    assert api(contractor).get("/ratings/").status_code == 403


def test_ratings_are_only_read(api, rated):
    _month, ratings = rated
    client = api(make.user("admin"))
    assert client.post("/ratings/", {}).status_code == 405
    assert client.delete(f"/ratings/{ratings['visit 3 Mar'].pk}/").status_code == 405
    assert client.patch("/charge-lines/1/", {"amount": "0"}).status_code == 405
