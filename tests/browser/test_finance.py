"""The finance pages in a real Chromium: run the invoicing, open a draft to see where its
figures come from, issue the drafts, open the issued invoice's PDF link."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from pacta.billing.models import Invoice
from tests.browser.conftest import sign_in
from tests.support import make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_finance_runs_reviews_and_issues_in_the_browser(page: Page):
    customer = make.customer(legal_name="Hotel Ribera S.L.", language="en")
    make.contract(customer, scope=[(make.service(), "included")], number="C-RIBERA")
    finance = make.user("finance")
    sign_in(page, finance.username, make.PASSWORD)

    page.goto("/finance/")
    page.fill("#until", "2026-02-28")
    page.click("button[name=run]")
    expect(page.locator(".messages")).to_contain_text("2 periods closed, 0 refused")
    drafts = list(Invoice.objects.order_by("pk"))
    expect(page.locator(f"[data-testid=draft-{drafts[0].pk}]")).to_contain_text("181.50 EUR")

    page.click(f"[data-testid=draft-{drafts[0].pk}] a")
    expect(page.locator("#lines")).to_contain_text("Subscription fee, 2026-01-01 to 2026-01-31")
    expect(page.locator("#lines")).to_contain_text("Fee of contract C-RIBERA, version 1")
    page.go_back()

    page.click("button[name=issue]")
    expect(page.locator(".messages")).to_contain_text("2 invoices issued.")
    expect(page.locator("#issued")).to_contain_text("F2026-00002")
    page.click("#issued >> text=F2026-00001")
    expect(page.locator("[data-testid=number]")).to_have_text("F2026-00001")
    response = page.request.get(f"/api/v1/invoices/{drafts[0].pk}/pdf/")
    assert response.status == 200
    assert response.body().startswith(b"%PDF")
