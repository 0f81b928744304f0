"""The contractor-statement pages in a real Chromium: from the finance page, draft March's
statement of a contractor, see the exact amount it pays and how much work awaits acceptance,
issue it (confirmed) and see its number; drafting the same period again is refused."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from pacta.billing.models import ContractorStatement
from tests.browser.conftest import sign_in
from tests.support import make
from tests.support.contractor_work import contractor_job, contractor_shop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_finance_drafts_reviews_and_issues_a_contractor_statement(page: Page):
    shop = contractor_shop()
    job = contractor_job
    repair = job(shop, shop["repair"], day="2026-03-05", decide=True)  # 1.333 h × 40.00
    visit = job(shop, shop["upkeep"], day="2026-03-20", decide=True)  # one visit, 120.00
    waiting = job(shop, shop["repair"], day="2026-03-28")
    disputed = job(shop, shop["repair"], day="2026-03-29", decide=False)
    finance = make.user("finance")
    sign_in(page, finance.username, make.PASSWORD)

    page.goto("/finance/")
    page.click("#contractor-statements-link")
    expect(page.locator("h1")).to_have_text("Contractor statements")
    page.select_option("#contractor", label="Frío Norte S.L.")
    page.fill("#starts_on", "2026-03-01")
    page.fill("#ends_on", "2026-03-31")
    page.fill("#reason", "March run")
    page.click("button[name=draft]")

    statement = ContractorStatement.objects.get()
    expect(page.locator(".messages")).to_contain_text(
        f"Draft statement {statement.pk} for Frío Norte S.L., 2026-03-01–2026-03-31."
    )
    expect(page.locator("[data-testid=totals]")).to_have_text(
        "Pay 173.32 EUR for 2 accepted work orders; 2 awaiting acceptance."
    )
    expect(page.locator("[data-testid=state]")).to_have_text("draft")
    expect(page.locator(f"[data-testid=line-{repair.pk}]")).to_contain_text("53.32")
    expect(page.locator(f"[data-testid=line-{visit.pk}]")).to_contain_text("120.00")
    expect(page.locator(f"[data-testid=awaiting-{waiting.pk}]")).to_contain_text(waiting.reference)
    expect(page.locator(f"[data-testid=awaiting-{disputed.pk}]")).to_contain_text(
        disputed.reference
    )

    # Issuing waits for the tick; the browser itself refuses the form without it.
    page.fill("#issue #reason", "Checked against the work orders")
    page.click("button[name=issue]")
    assert ContractorStatement.objects.get().issued_at is None
    page.check("#issue input[name=confirm]")
    page.click("button[name=issue]")
    expect(page.locator(".messages")).to_contain_text(f"Statement {statement.pk} issued.")
    expect(page.locator("[data-testid=number]")).to_have_text(
        f"Contractor statement {statement.pk}"
    )
    statement.refresh_from_db()
    assert statement.issued_at is not None
    expect(page.locator("[data-testid=state]")).to_have_text(
        f"issued on {statement.issued_at:%Y-%m-%d}"
    )
    expect(page.locator("button[name=issue]")).to_have_count(0)

    page.click("text=← Contractor statements")
    expect(page.locator(f"[data-testid=statement-{statement.pk}]")).to_contain_text("issued")
    page.fill("#reason", "Again")
    page.fill("#starts_on", "2026-03-01")
    page.fill("#ends_on", "2026-03-31")
    page.click("button[name=draft]")
    expect(page.locator(".messages")).to_contain_text(
        "The period overlaps the statement issued for 2026-03-01–2026-03-31."
    )
    assert ContractorStatement.objects.count() == 1
