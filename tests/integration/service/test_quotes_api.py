"""/api/v1/quotes/ over real HTTP: the office drafts, changes and sends; the customer sees only
what was sent to it and accepts (a work order appears) or rejects; refusals carry their code,
name the field or line, and change nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pacta.catalog.services import product_update
from pacta.comms.models import OutboundMessage
from pacta.service.models import Quote, WorkOrder
from tests.support import make
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def office():
    customer = make.customer(legal_name="Hotel Sol S.A.", email="quotes@sol.test")
    site = make.site(customer, name="Lobby")
    extra = make.service(code="PAINT", name="Painting", unit="hour")
    prices = make.price_list(customer=customer)
    make.price_list_line(prices, service=extra, unit_price=Decimal("30.00"))
    return {
        "customer": customer,
        "site": site,
        "extra": extra,
        "dispatcher": make.user("dispatcher"),
        "customer_user": make.user("customer", customer=customer),
    }


def create(client, office, **values):
    body = {
        "site": office["site"].pk,
        "title": "Paint the lobby",
        "lines": [{"service": office["extra"].pk, "quantity": "4"}],
        **values,
    }
    return client.post("/quotes/", body)


def test_the_office_drafts_changes_and_sends_and_the_customer_accepts(api, office):
    client = api(office["dispatcher"])
    created = create(client, office)
    assert created.status_code == 201, created.text
    quote = created.json()
    assert (quote["status"], quote["number"], quote["customer"], quote["currency"]) == (
        "draft",
        None,
        office["customer"].pk,
        "EUR",
    )
    assert [(line["description"], line["amount"]) for line in quote["priced_lines"]] == [
        ("Painting", "120.00")
    ]
    assert quote["totals"] == {"net": "120.00", "tax": "25.20", "gross": "145.20"}
    url = f"/quotes/{quote['id']}/"

    customer = api(office["customer_user"])
    assert customer.get(url).status_code == 404  # a draft is the office's
    assert customer.get("/quotes/").json()["results"] == []

    changed = client.patch(url, {"lines": [{"service": office["extra"].pk, "quantity": "5"}]})
    assert changed.status_code == 200, changed.text
    assert changed.json()["totals"]["gross"] == "181.50"

    sent = client.post(f"{url}send/", {"valid_until": "2099-01-31"})
    assert sent.status_code == 200, sent.text
    assert (sent.json()["status"], sent.json()["valid_until"]) == ("sent", "2099-01-31")
    message = OutboundMessage.objects.get(key=f"quote:{quote['id']}:sent")
    assert message.to_email == "quotes@sol.test"
    assert "/portal/quotes/link/" in message.body

    counts = table_counts()
    again = client.patch(url, {"title": "Other"})
    assert (again.status_code, again.json()["code"]) == (409, "quote_not_draft")
    assert table_counts() == counts

    assert [row["id"] for row in customer.get("/quotes/").json()["results"]] == [quote["id"]]
    accepted = customer.post(f"{url}accept/")
    assert accepted.status_code == 200, accepted.text
    body = accepted.json()
    work_order = WorkOrder.objects.get()
    assert (body["status"], body["decided_via"], body["decided_by"], body["work_order"]) == (
        "accepted",
        "portal",
        office["customer_user"].pk,
        work_order.pk,
    )

    counts = table_counts()
    twice = customer.post(f"{url}accept/")
    assert (twice.status_code, twice.json()["code"]) == (409, "quote_decided")
    assert table_counts() == counts


def test_accepting_an_expired_quote_is_refused(api, office):
    client = api(office["dispatcher"])
    quote = create(client, office).json()
    client.post(f"/quotes/{quote['id']}/send/")
    Quote.objects.filter(pk=quote["id"]).update(valid_until=date(2020, 1, 31))
    stored = row(Quote.objects.get(pk=quote["id"]))
    counts = table_counts()

    refused = api(office["customer_user"]).post(f"/quotes/{quote['id']}/accept/")

    assert refused.status_code == 409
    assert refused.json()["code"] == "quote_expired"
    assert refused.json()["fields"] == {"valid_until": ["This quote is no longer valid."]}
    assert (table_counts(), row(Quote.objects.get(pk=quote["id"]))) == (counts, stored)


def test_bad_lines_are_refused_with_their_code_and_line(api, office):
    client = api(office["dispatcher"])
    retired = make.product(sku="RET-1")
    product_update(actor=None, product=retired, values={"is_active": False})
    counts = table_counts()

    zero = create(client, office, lines=[{"service": office["extra"].pk, "quantity": "0"}])
    assert (zero.status_code, zero.json()["code"]) == (400, "quantity_not_positive")
    assert zero.json()["fields"] == {"lines": ["Line 1: the quantity must be more than zero."]}

    part = create(client, office, lines=[{"product": retired.pk, "quantity": "1"}])
    assert (part.status_code, part.json()["code"]) == (400, "part_not_in_catalog")
    assert part.json()["fields"] == {"lines": ["Line 1: this part is not in the catalog."]}
    assert table_counts() == counts


def test_rejecting_needs_a_reason_and_another_customer_sees_nothing(api, office):
    client = api(office["dispatcher"])
    quote = create(client, office).json()
    client.post(f"/quotes/{quote['id']}/send/")
    url = f"/quotes/{quote['id']}/"
    stranger = api(make.user("customer", customer=make.customer()))
    assert stranger.get(url).status_code == 404
    assert stranger.post(f"{url}accept/").status_code == 404
    assert api(make.user("technician")).get(url).status_code == 403

    customer = api(office["customer_user"])
    counts = table_counts()
    silent = customer.post(f"{url}reject/", {"reason": ""})
    assert silent.status_code == 400
    assert silent.json()["fields"] == {"reason": ["Say why: a reason is required for this change."]}
    assert table_counts() == counts

    rejected = customer.post(f"{url}reject/", {"reason": "We paint it ourselves"})
    assert rejected.status_code == 200, rejected.text
    assert (rejected.json()["status"], rejected.json()["decision_reason"]) == (
        "rejected",
        "We paint it ourselves",
    )
    assert WorkOrder.objects.count() == 0


def test_a_customer_cannot_draft_or_send(api, office):
    client = api(office["dispatcher"])
    quote = create(client, office).json()
    customer = api(office["customer_user"])
    counts = table_counts()
    assert create(customer, office).status_code == 403
    assert customer.post(f"/quotes/{quote['id']}/send/").status_code == 403
    assert table_counts() == counts
