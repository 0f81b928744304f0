"""A manager opens a work order's charges, finds the out-of-scope line awaiting approval, cannot
decide without a reason, then approves it: the lines and the total change in place (htmx)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from pacta.billing.models import ChargeLine, Rating
from pacta.billing.services import work_order_rate
from tests.browser.conftest import sign_in
from tests.integration.billing import test_rating
from tests.support import make
from tests.support.make import at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

out_of_scope = test_rating.out_of_scope


def test_a_manager_approves_an_out_of_scope_line_and_the_total_changes(page: Page, out_of_scope):
    rating = work_order_rate(actor=None, work_order=out_of_scope, now=at("2026-03-20 12:00"))
    line = rating.lines.get()
    manager = make.user("manager", first_name="Marta", last_name="Ruiz")
    sign_in(page, manager.username, make.PASSWORD)

    page.goto(f"/charges/work-orders/{out_of_scope.pk}/")
    expect(page.get_by_test_id("total")).to_have_text("0.00 EUR")
    expect(page.get_by_test_id("awaiting")).to_have_text("120.00 EUR")
    row = page.get_by_test_id("line")
    expect(row.get_by_test_id("kind")).to_have_text("out of scope, awaiting approval")
    expect(row.get_by_test_id("amount")).to_have_text("120.00 EUR")

    page.evaluate("window.notReloaded = true")
    row.get_by_test_id("approve").click()  # no reason: the form is not sent
    assert ChargeLine.objects.get(pk=line.pk).approval == "pending"

    row.get_by_test_id("reason").fill("Customer agreed on the phone")
    row.get_by_test_id("approve").click()

    expect(page.get_by_test_id("total")).to_have_text("120.00 EUR")
    expect(page.get_by_test_id("awaiting")).to_have_count(0)
    expect(page.get_by_test_id("line").get_by_test_id("kind")).to_have_text("billable")
    expect(page.get_by_test_id("approve")).to_have_count(0)
    assert page.evaluate("window.notReloaded") is True  # swapped in place, not reloaded
    current = Rating.objects.get(work_order=out_of_scope, superseded_at__isnull=True)
    assert (current.sequence, str(current.total)) == (2, "120.0000")
    assert ChargeLine.objects.get(pk=line.pk).decision_reason == "Customer agreed on the phone"
