"""The customer's quotes in the portal and the e-mail's signed link, over real HTTP: accepting
creates the work order; an expired quote offers no decision and a forged link finds nothing."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import httpx
import pytest

from pacta.service.models import Quote, WorkOrder
from pacta.service.services.quotes import quote_create, quote_send, quote_token
from tests.integration.service.test_field_pages import browser_for
from tests.support import make
from tests.support.html import parse, text
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db(transaction=True)


def _csrf(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


@pytest.fixture
def quote():
    customer = make.customer(language="en")
    site = make.site(customer, name="Roof")
    extra = make.service(code="GUTTER", name="Gutter cleaning", default_price=Decimal("80.00"))
    draft = quote_create(
        actor=None,
        values={
            "site": site,
            "title": "Clean the gutters",
            "lines": [{"service": extra, "quantity": Decimal("1.5")}],
        },
    )
    sent = quote_send(
        actor=None, quote=draft, link_for=lambda token: token, valid_until=date(2099, 12, 31)
    )
    return {"quote": sent, "user": make.user("customer", customer=customer)}


def by_testid(page, name):
    found = [e for e in page.iter() if e.get("data-testid") == name]
    assert found, f"no element {name}"
    return found[0]


def test_the_customer_accepts_a_quote_in_the_portal(live_server, quote):
    client = browser_for(live_server, quote["user"])
    listed = client.get("/portal/quotes/")
    assert listed.status_code == 200
    assert text(by_testid(parse(listed.text), f"quote-{quote['quote'].pk}")).startswith(
        quote["quote"].number
    )

    url = f"/portal/quotes/{quote['quote'].pk}/"
    page = client.get(url)
    html = parse(page.text)
    assert text(by_testid(html, "total")) == "145.20 EUR"  # 1.5 × 80.00 = 120.00 + 21 %
    answer = client.post(url, data={"decision": "accept", "csrfmiddlewaretoken": _csrf(page.text)})
    assert answer.status_code == 302

    work_order = WorkOrder.objects.get()
    assert row(quote["quote"])["work_order_id"] == work_order.pk
    done = parse(client.get(url).text)
    assert work_order.reference in text(by_testid(done, "work-order"))
    assert [e for e in done.iter() if e.get("data-testid") == "accept"] == []


def test_the_signed_link_accepts_without_logging_in(live_server, quote):
    client = httpx.Client(base_url=live_server.url, timeout=30)
    url = f"/portal/quotes/link/{quote_token(quote['quote'])}/"
    page = client.get(url)
    assert page.status_code == 200
    answer = client.post(
        url,
        data={"decision": "accept", "csrfmiddlewaretoken": _csrf(page.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 302
    stored = row(quote["quote"])
    assert (stored["status"], stored["decided_via"], stored["decided_by_id"]) == (
        "accepted",
        "email",
        None,
    )
    assert WorkOrder.objects.count() == 1


def test_a_forged_link_finds_nothing_and_an_expired_quote_offers_no_decision(live_server, quote):
    client = httpx.Client(base_url=live_server.url, timeout=30)
    token = quote_token(quote["quote"])
    assert client.get(f"/portal/quotes/link/{token}x/").status_code == 404

    Quote.objects.filter(pk=quote["quote"].pk).update(valid_until=date(2020, 1, 1))
    url = f"/portal/quotes/link/{token}/"
    page = client.get(url)
    html = parse(page.text)
    assert text(by_testid(html, "lapsed")) == "This quote is no longer valid; ask us for a new one."
    assert [e for e in html.iter() if e.get("data-testid") == "accept"] == []

    counts = table_counts()
    csrf = _csrf(client.get("/login/").text)  # the page offers no form to take it from
    forced = client.post(url, data={"decision": "accept", "csrfmiddlewaretoken": csrf})
    assert forced.status_code == 200
    assert text(by_testid(parse(forced.text), "error")).startswith(
        f"Quote {quote['quote'].number} expired on 2020-01-01"
    )
    assert table_counts() == counts


def test_only_customer_users_have_the_portal_quotes(live_server, quote):
    assert browser_for(live_server, make.user("dispatcher")).get("/portal/quotes/").status_code == (
        403
    )
    stranger = browser_for(live_server, make.user("customer", customer=make.customer()))
    assert stranger.get(f"/portal/quotes/{quote['quote'].pk}/").status_code == 404
