"""A dispatcher takes a call: customer → site → the services open there, sees the contract and
team it lands on, then opens an out-of-scope job to be quoted, with a reason."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from pacta.accounts.services import team_create
from pacta.contracts.services import routing_rule_create
from pacta.service.models import Ticket
from tests.browser.conftest import sign_in
from tests.support import make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_dispatcher_opens_one_request_in_scope_and_one_to_be_quoted(page: Page):
    customer = make.customer(legal_name="Fibre Rhône", language="en")
    site = make.site(customer, name="Central office", zone_code="FR-69")
    repair = make.service(name="Fibre repair", code="FIB-REP")
    survey = make.service(name="Site survey", code="SURVEY")
    contract = make.contract(
        customer,
        sites=[site],
        scope=[(repair, "included")],
        starts_on=date(2025, 1, 1),
        ends_on=None,
    )
    gold = team_create(actor=None, values={"name": "Fibre gold tier", "zone_codes": ["FR-69"]})
    routing_rule_create(
        actor=None,
        values={"contract": contract, "priority": "critical", "team": gold},
        reason="Gold tier",
    )
    dispatcher = make.user("dispatcher")
    sign_in(page, dispatcher.username, make.PASSWORD)

    page.get_by_test_id("intake").click()
    page.wait_for_load_state("load")  # htmx listens from the end of loading on
    page.select_option("#customer", label="Fibre Rhône")
    expect(page.locator("#site")).to_have_value(str(site.pk))  # its only site, chosen
    offer = f"{contract.pk}:{repair.pk}"
    page.select_option("#offer", value=offer)
    expect(page.get_by_test_id("landing")).to_have_text(
        f"Lands on contract {contract.number} · no team named by the contract's routing"
    )  # the gold tier is for critical requests
    page.select_option("#priority", value="critical")
    expect(page.get_by_test_id("landing")).to_have_text(
        f"Lands on contract {contract.number} · team Fibre gold tier"
    )
    page.fill("#subject", "Backbone link down")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("opened-team")).to_have_text("Fibre gold tier")

    page.get_by_role("link", name="Another request").click()
    page.wait_for_load_state("load")
    page.select_option("#customer", label="Fibre Rhône")
    expect(page.locator("#override")).to_be_visible()
    page.select_option("#override", value="quote")
    expect(page.locator("#service")).to_be_visible()
    page.select_option("#service", label="Site survey (SURVEY)")
    page.fill("#reason", "Customer asks for a price")
    page.fill("#subject", "Survey for a new cabinet")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("opened-override")).to_have_text(
        "to be quoted: Customer asks for a price"
    )

    first, second = Ticket.objects.order_by("id")
    assert (first.service_id, first.team_id, first.priority, first.override) == (
        repair.pk,
        gold.pk,
        "critical",
        "",
    )
    assert (second.service_id, second.contract_id, second.override, second.overridden_by_id) == (
        survey.pk,
        None,
        "quote",
        dispatcher.pk,
    )
