"""The bank statements page in a real Chromium: from the finance page, upload a statement
CSV; one movement is matched to its invoice, one waits; assign the waiting one to its
invoice and see that invoice become paid."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from pacta.billing.models import BankStatement
from tests.browser.conftest import sign_in
from tests.support import make
from tests.support.state import row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STATEMENT = (
    "booked_on,amount,currency,reference,counterparty\n"
    "2026-04-11,181.50,EUR,Factura F2026-00001,Hotel Ribera\n"
    "2026-04-12,181.50,EUR,transferencia abril,Hotel Ribera\n"
)


def test_finance_imports_a_statement_and_settles_the_waiting_line(page: Page, tmp_path):
    customer = make.customer(legal_name="Hotel Ribera S.L.", language="en")
    january, february = make.issued_invoices(customer)
    csv_file = tmp_path / "april.csv"
    csv_file.write_text(STATEMENT, encoding="utf-8")
    finance = make.user("finance")
    sign_in(page, finance.username, make.PASSWORD)

    page.goto("/finance/")
    page.click("#bank-statements-link")
    expect(page.locator("h1")).to_have_text("Bank statements")
    page.set_input_files("#file", str(csv_file))
    page.click("button[name=import]")
    expect(page.locator(".messages")).to_contain_text(
        "april.csv imported: 2 movements, 1 matched, 1 waiting for a person."
    )
    matched, waiting = page.locator("[data-testid=line-2]"), page.locator("[data-testid=line-3]")
    expect(matched.locator("[data-testid=state]")).to_have_text("matched")
    expect(matched.locator(f"[data-testid=paid-{january.pk}]")).to_contain_text(
        "F2026-00001: 181.50 · paid"
    )
    expect(waiting.locator("[data-testid=state]")).to_have_text("waiting for a person")

    line = BankStatement.objects.get().lines.get(row=3)
    waiting.locator(f"#invoice-{line.pk}").select_option(str(february.pk))
    waiting.locator("button[name=assign]").click()
    expect(page.locator(".messages")).to_contain_text("Row 3 pays F2026-00002, which is now paid.")
    expect(waiting.locator("[data-testid=state]")).to_have_text("matched")
    expect(waiting.locator(f"[data-testid=paid-{february.pk}]")).to_contain_text(
        "F2026-00002: 181.50 · paid"
    )
    assert (row(january)["state"], row(february)["state"]) == ("paid", "paid")

    waiting.locator(f"[data-testid=paid-{february.pk}] a").click()
    expect(page.locator("[data-testid=number]")).to_have_text("F2026-00002")
    expect(page.locator("section.card").first).to_contain_text("paid")
