"""The SEPA page in a real Chromium: from the finance page to the batches, collect the invoices
due, see the batch listed, download its pain.008 file; a refusal is shown, nothing made."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from pacta.billing.models import ContractPeriod, SepaBatch
from pacta.billing.sepa_rules import epc_problems, xsd_problems
from pacta.billing.services import (
    invoice_issue,
    period_close,
    periods_ensure,
)
from tests.browser.conftest import sign_in
from tests.support import make
from tests.support.make import at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOW = at("2026-04-02 10:00")


def test_finance_collects_the_due_invoices_and_downloads_the_file(page: Page):
    customer = make.customer(legal_name="Hotel Ribera S.L.", language="en")
    contract = make.contract(customer, scope=[(make.service(), "included")])
    periods_ensure(contract=contract, until=date(2026, 2, 28), now=NOW)
    for period in ContractPeriod.objects.filter(contract=contract).order_by("starts_on"):
        invoice_issue(actor=None, invoice=period_close(actor=None, period=period, now=NOW), now=NOW)
    make.sepa_creditor(is_default=True)
    make.sepa_mandate(customer)
    finance = make.user("finance")
    sign_in(page, finance.username, make.PASSWORD)

    page.goto("/finance/")
    page.click("#sepa-link")
    expect(page.locator("h1")).to_have_text("SEPA direct debit")
    day = (timezone.localdate() + timedelta(days=3)).isoformat()
    page.fill("#collection_on", day)
    page.click("button[name=create]")
    batch = SepaBatch.objects.get()
    expect(page.locator(".messages")).to_contain_text(
        f"Batch {batch.message_id}: 2 debits, 363.00 EUR, to collect on {day}."
    )
    row = page.locator(f"[data-testid=batch-{batch.pk}]")
    expect(row).to_contain_text("363.00 EUR")
    href = row.locator("a").get_attribute("href")
    response = page.request.get(href)
    assert response.status == 200
    assert response.headers["content-type"] == "application/xml"
    assert xsd_problems(response.body(), "pain.008.001.08") == []
    assert epc_problems(response.body()) == []

    page.fill("#collection_on", day)
    page.click("button[name=create]")
    expect(page.locator(".messages")).to_contain_text(
        f"No invoice is due for direct debit on {day}."
    )
    assert SepaBatch.objects.count() == 1
