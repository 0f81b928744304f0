"""A customer accepts a quote in the portal: from the home page to the quote, its total, one
click on "Accept" — and the work order exists, shown on the quote."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from pacta.service.models import Quote, WorkOrder
from pacta.service.services.quotes import quote_create, quote_send
from tests.browser.conftest import sign_in
from tests.support import make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_accepts_a_quote_in_the_portal_and_a_work_order_exists(page: Page):
    customer = make.customer(legal_name="Hotel Mirador", language="en")
    roof = make.site(customer, name="Roof terrace")
    gutters = make.service(name="Gutter cleaning", code="GUTTER", default_price=Decimal("80.00"))
    quote = quote_send(
        actor=None,
        quote=quote_create(
            actor=None,
            values={
                "site": roof,
                "title": "Clean the gutters before winter",
                "lines": [{"service": gutters, "quantity": Decimal("2")}],
            },
        ),
        link_for=lambda token: token,
        valid_until=date(2099, 12, 31),
    )
    user = make.user("customer", customer=customer)
    sign_in(page, user.username, make.PASSWORD)

    page.get_by_test_id("portal-quotes").click()
    row = page.get_by_test_id(f"quote-{quote.pk}")
    expect(row).to_contain_text("Clean the gutters before winter")
    row.get_by_role("link", name=quote.number).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Quote {quote.number}")
    expect(page.get_by_test_id("total")).to_have_text("193.60 EUR")  # 160.00 + 21 %
    assert WorkOrder.objects.count() == 0

    page.get_by_test_id("accept").click()

    work_order = WorkOrder.objects.get()
    expect(page.get_by_test_id("work-order")).to_contain_text(work_order.reference)
    expect(page.get_by_test_id("accept")).to_have_count(0)
    stored = Quote.objects.get(pk=quote.pk)
    assert (stored.status, stored.decided_via, stored.decided_by, stored.work_order) == (
        "accepted",
        "portal",
        user,
        work_order,
    )
    assert (work_order.ticket.site, work_order.ticket.service) == (roof, gutters)
