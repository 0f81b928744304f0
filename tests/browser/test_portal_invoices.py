"""The customer's invoices in a real Chromium on a phone-sized screen: from the home page to
its invoice, the lines and where they came from, then one line disputed with a reason (and the
PDF served to the customer)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from pacta.billing.models import Dispute
from tests.browser.conftest import sign_in
from tests.integration.billing.test_invoicing import issued, world  # noqa: F401 (fixtures)
from tests.support import make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_disputes_a_line_of_its_invoice_on_the_phone(phone: Page, issued, world):  # noqa: F811
    customer_user = make.user("customer", customer=world["customer"])
    sign_in(phone, customer_user.username, make.PASSWORD)

    phone.click("[data-testid=portal-invoices]")
    phone.click(f"[data-testid=invoice-{issued.pk}] a")
    expect(phone.locator("[data-testid=number]")).to_have_text(issued.number)
    # The invoice speaks the customer's language (es); where each line comes from, the reader's.
    expect(phone.locator("[data-testid=line-1]")).to_contain_text(
        "Cuota de suscripción, del 2026-03-01 al 2026-03-31"
    )
    expect(phone.locator("[data-testid=line-1]")).to_contain_text(
        "Fee of contract C-900, version 1"
    )
    labour = phone.locator("[data-testid=line-2]")
    expect(labour).to_contain_text("82.50")

    labour.locator("input[name=reason]").fill("The technician left at 10:00")
    labour.locator("button").click()

    expect(phone.locator(".messages")).to_contain_text("Line 2 is disputed")
    expect(phone.locator("[data-testid=line-2]")).to_contain_text(
        "Disputed (open): The technician left at 10:00"
    )
    expect(phone.locator("[data-testid=line-2] button")).to_have_count(0)  # one open at a time
    dispute = Dispute.objects.get()
    assert (dispute.line.position, dispute.reason, dispute.raised_by_id) == (
        2,
        "The technician left at 10:00",
        customer_user.pk,
    )
    pdf = phone.request.get(f"/api/v1/invoices/{issued.pk}/pdf/")
    assert pdf.status == 200
    assert pdf.body().startswith(b"%PDF")
