"""A customer requests service in the portal: picking the site (htmx reloads the choices) offers
only the services its live contracts cover there, so an uncontracted service cannot be picked;
the request opens under the contract, once."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from pacta.service.models import Ticket
from tests.browser.conftest import sign_in
from tests.support import make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_requests_a_contracted_service_and_cannot_pick_another(page: Page):
    customer = make.customer(legal_name="Hotel Mirador", language="en")
    lobby = make.site(customer, name="Lobby building")
    make.site(customer, name="Garage")
    repair = make.service(name="Boiler repair", code="BOIL-REP")
    painting = make.service(name="Painting", code="PAINT")
    contract = make.contract(
        customer,
        sites=[lobby],
        scope=[(repair, "included")],
        starts_on=date(2025, 1, 1),
        ends_on=None,
    )
    user = make.user("customer", customer=customer, email="front.desk@mirador.example")
    sign_in(page, user.username, make.PASSWORD)

    page.get_by_test_id("portal-request").click()
    page.wait_for_load_state("load")  # htmx listens from the end of loading on
    expect(page.get_by_role("heading", level=1)).to_have_text("Request service")
    page.select_option("#site", label="Garage")
    expect(page.get_by_test_id("nothing-open")).to_be_visible()  # no contract covers it

    page.select_option("#site", label="Lobby building")
    offer = page.locator("#offer")
    expect(offer).to_be_visible()
    labels = offer.locator("option").all_inner_texts()
    assert labels == ["—", f"Boiler repair (BOIL-REP) · {contract.number} · included"]
    assert not any(painting.name in label for label in labels)
    expect(page.locator("#override")).to_have_count(0)  # no override for customers

    page.select_option("#offer", label=labels[1])
    expect(page.get_by_test_id("landing")).to_contain_text(f"Lands on contract {contract.number}")
    page.fill("#subject", "No hot water in room 204")
    page.fill("#description", "Since this morning.")
    page.get_by_test_id("submit").click()

    expect(page.get_by_test_id("opened-service")).to_have_text("Boiler repair")
    expect(page.get_by_test_id("opened-contract")).to_have_text(contract.number)
    ticket = Ticket.objects.get()
    assert (
        ticket.site_id,
        ticket.service_id,
        ticket.contract_id,
        ticket.channel,
        ticket.created_by_id,
        ticket.subject,
    ) == (lobby.pk, repair.pk, contract.pk, "portal", user.pk, "No hot water in room 204")
