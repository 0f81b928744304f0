"""The accounting export form of the finance page in a real Chromium: choose a format and a
range, download the file; a range the wrong way round comes back as a message."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from pacta.billing.models import ContractPeriod
from pacta.billing.services import invoice_issue, period_close, periods_ensure
from tests.browser.conftest import sign_in
from tests.support import make
from tests.support.make import at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_finance_downloads_a_xero_file_from_the_page(page: Page):
    customer = make.customer(legal_name="Hotel Ribera S.L.", language="en")
    contract = make.contract(customer, scope=[(make.service(), "included")])
    now = at("2026-02-02 10:00")
    periods_ensure(contract=contract, until=date(2026, 1, 31), now=now)
    draft = period_close(actor=None, period=ContractPeriod.objects.get(contract=contract), now=now)
    invoice_issue(actor=None, invoice=draft, now=now, issue_date=date(2026, 2, 1))
    sign_in(page, make.user("finance").username, make.PASSWORD)

    page.goto("/finance/")
    page.select_option("#export-format", "xero")
    page.fill("#export-from", "2026-02-01")
    page.fill("#export-to", "2026-02-28")
    with page.expect_download() as download:
        page.click("#accounting-export button")
    assert download.value.suggested_filename == "accounting-xero-2026-02-01-2026-02-28.csv"
    content = Path(download.value.path()).read_text(encoding="utf-8")
    assert content.splitlines()[0].startswith("*ContactName,EmailAddress,")
    assert "Hotel Ribera S.L.," in content.splitlines()[1]
    assert ",F2026-00001,,01/02/2026," in content.splitlines()[1]

    page.fill("#export-from", "2026-03-01")
    page.click("#accounting-export button")
    expect(page.locator(".messages")).to_contain_text(
        "The first day (2026-03-01) is after the last (2026-02-28)."
    )
