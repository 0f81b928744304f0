"""A customer in the portal on a phone: signs in, reads what its contract covers, follows a
ticket's SLA clock, adds a comment (htmx, no reload) and accepts the completed work."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from pacta.service.models import TicketComment, WorkOrder
from pacta.service.services.fieldwork import work_order_arrive, work_order_complete
from tests.browser.conftest import sign_in
from tests.support import make
from tests.support.make import at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_reads_its_coverage_follows_a_clock_and_accepts_the_work(phone: Page):
    customer = make.customer(legal_name="Hotel Mirador", language="en")
    lobby = make.site(customer, name="Lobby")
    repair = make.service(name="Boiler repair")
    painting = make.service(name="Painting")
    contract = make.contract(
        customer,
        sites=[lobby],
        scope=[(repair, "included"), (painting, "billable")],
        starts_on=date(2026, 1, 1),
        ends_on=None,
        number="C-MIR-1",
        fee=Decimal("150.00"),
        sla_policy=make.sla_policy(),
        calendar=make.calendar(),
    )
    ticket = make.ticket(lobby, repair, contract=contract, subject="No hot water")
    technician = make.user("technician")
    work_order = make.work_order(ticket, technician)
    work_order_arrive(actor=technician, work_order=work_order, now=at("2026-03-03 09:00"))
    work_order_complete(actor=technician, work_order=work_order, now=at("2026-03-03 10:00"))
    user = make.user("customer", customer=customer, email="ana@mirador.example")

    sign_in(phone, user.username, make.PASSWORD)
    phone.get_by_test_id("portal-home").click()

    card = phone.get_by_test_id("contract")
    expect(card.locator("h2")).to_have_text(f"{contract.number} · Maintenance")
    expect(card.get_by_test_id("included")).to_have_text("Included in the fee: Boiler repair")
    expect(card.get_by_test_id("billable")).to_have_text(
        "Covered, and billed for time and parts: Painting"
    )
    expect(card.get_by_test_id("sla").locator("li").nth(2)).to_have_text(
        "normal: first response within 4:00, resolution within 16:00"
    )

    phone.get_by_test_id("nav-tickets").click()
    phone.get_by_role("link", name=f"{ticket.reference} · No hot water").click()
    first = phone.get_by_test_id("clock").first
    expect(first.get_by_test_id("clock-state")).to_have_text("running")
    expect(first.get_by_test_id("clock-remaining")).to_have_text("3:59")
    phone.wait_for_load_state("load")  # htmx listens from the end of loading on
    phone.fill("#comment-body", "The boiler makes a noise too.")
    phone.get_by_test_id("comment-submit").click()
    expect(phone.get_by_test_id("comment")).to_contain_text("The boiler makes a noise too.")
    assert TicketComment.objects.get().author_id == user.pk

    phone.get_by_role("link", name=work_order.reference).click()
    expect(phone.get_by_test_id("work-status")).to_have_text("completed")
    phone.get_by_test_id("accept").click()

    expect(phone.get_by_test_id("work-status")).to_have_text("accepted by the customer")
    expect(phone.get_by_test_id("decision")).to_have_count(0)
    stored = WorkOrder.objects.get(pk=work_order.pk)
    assert (stored.status, stored.customer_decided_via, stored.customer_decided_by_id) == (
        "accepted",
        "portal",
        user.pk,
    )
    assert stored.customer_decided_at is not None
    assert timedelta(0) <= stored.customer_decided_at - stored.completed_at
