"""Signing in, the home page and the back office, in a real Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from pacta.audit.models import AuditEntry
from pacta.customers.models import Customer
from tests.browser.conftest import sign_in
from tests.support import make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_signs_in_and_adds_a_customer_in_the_back_office(page: Page):
    manager = make.user("manager", first_name="Marta")
    sign_in(page, manager.username, make.PASSWORD)

    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Marta")
    page.get_by_test_id("back-office").click()
    expect(page).to_have_url("/admin/")
    page.locator("tr.model-customer th a").click()
    page.get_by_role("link", name="Add customer").click()

    page.fill("#id_legal_name", "Hôtel Lumière SAS")
    page.fill("#id_tax_id", "FR40303265045")
    page.select_option("#id_country", "FR")
    page.fill("#id_currency", "EUR")
    page.select_option("#id_language", "fr")
    page.fill("#id_reason", "Signed at the Lyon trade fair")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    customer = Customer.objects.get(legal_name="Hôtel Lumière SAS")
    entry = AuditEntry.objects.get(entity_type="customers.customer", entity_id=str(customer.pk))
    assert (entry.actor_id, entry.action, entry.reason) == (
        manager.pk,
        "create",
        "Signed at the Lyon trade fair",
    )


def test_the_back_office_refuses_bad_input_on_the_field(page: Page):
    manager = make.user("manager")
    sign_in(page, manager.username, make.PASSWORD)
    page.goto("/admin/customers/customer/add/")
    page.fill("#id_legal_name", "Broken S.L.")
    page.select_option("#id_country", "ES")
    page.fill("#id_currency", "XXX")
    page.select_option("#id_language", "es")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.locator(".field-currency .errorlist")).to_have_text(
        "XXX is not an ISO 4217 currency code."
    )
    assert not Customer.objects.filter(legal_name="Broken S.L.").exists()


def test_a_customer_user_is_kept_out_of_the_back_office(page: Page):
    user = make.user("customer", customer=make.customer())
    sign_in(page, user.username, make.PASSWORD)
    expect(page.get_by_test_id("back-office")).to_have_count(0)
    page.goto("/admin/")
    expect(page).to_have_url("/admin/login/?next=/admin/")


def test_wrong_password_is_said_plainly(page: Page):
    user = make.user("dispatcher")
    sign_in(page, user.username, "not-the-password")
    expect(page.get_by_role("alert")).to_have_text(
        "Your username and password did not match. Please try again."
    )
