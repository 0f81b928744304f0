"""The work order's charges page: lines with their trace (covered ones at zero) in the reader's
language, the period's credits, decisions by managers (htmx or plain form), who may see it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from pacta.billing.services import work_order_rate
from pacta.service.services import work_order_update
from tests.integration.billing import test_rating
from tests.integration.billing.test_credits import goodwill
from tests.support import make
from tests.support.make import at
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db

NOW = at("2026-03-20 12:00")
out_of_scope = test_rating.out_of_scope


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(work_order) -> str:
    return f"/charges/work-orders/{work_order.pk}/"


def decide(work_order, line) -> str:
    return f"/charges/work-orders/{work_order.pk}/lines/{line.pk}/decide/"


@pytest.fixture
def covered():
    """A preventive visit covered by the contract, rated: one included line at zero."""
    customer = make.customer(legal_name="Frío S.A.")
    site = make.site(customer)
    visit = make.service(code="PM", name="Preventive visit", default_price=Decimal("70.00"))
    contract = make.contract(customer, sites=[site], scope=[(visit, "included")], number="C-21")
    ticket = make.ticket(site, visit, contract=contract)
    work_order = make.work_order(ticket, make.user("technician"))
    make.time_entry(work_order)
    work_order_update(actor=None, work_order=work_order, values={"status": "completed"})
    work_order_rate(actor=None, work_order=work_order, now=NOW)
    return work_order


def test_the_customer_sees_what_the_fee_covered_with_its_trace_in_its_language(covered):
    customer_user = make.user("customer", customer=covered.ticket.customer, language="es")
    goodwill(covered.ticket.contract, make.user("manager"), amount=Decimal("12.00"))
    html = client_of(customer_user).get(page(covered)).content.decode()
    assert "cubierto por el contrato" in html
    assert "0,00 EUR" in html
    assert "70,00 EUR" in html  # the list price the fee covered
    assert "contrato C-21 v1" in html  # the trace, translated
    assert "-12,00 EUR" in html  # the period's goodwill credit
    assert 'data-testid="approve"' not in html


def test_who_may_not_read_credits_is_refused_and_another_customer_sees_nothing(covered):
    technician = make.user("technician")
    assert client_of(technician).get(page(covered)).status_code in (403, 404)
    stranger = make.user("customer", customer=make.customer())
    assert client_of(stranger).get(page(covered)).status_code == 404
    assert Client().get(page(covered)).status_code == 302  # to sign in


def test_a_manager_approves_with_htmx_and_gets_the_new_lines_and_total(out_of_scope):
    line = work_order_rate(actor=None, work_order=out_of_scope, now=NOW).lines.get()
    manager = client_of(make.user("manager"))
    shown = manager.get(page(out_of_scope)).content.decode()
    assert 'data-testid="approve"' in shown
    assert "120.00 EUR" in shown  # awaiting approval

    answer = manager.post(
        decide(out_of_scope, line),
        {"decision": "approve", "reason": "Customer agreed"},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200
    html = answer.content.decode()
    assert html.startswith('<div id="charges"')
    assert 'data-testid="total">120.00 EUR<' in html
    assert "Lines (rating 2)" in html
    assert row(line)["approval"] == "approved"


def test_a_decision_without_a_reason_is_shown_on_the_line_and_changes_nothing(out_of_scope):
    line = work_order_rate(actor=None, work_order=out_of_scope, now=NOW).lines.get()
    manager = client_of(make.user("manager"))
    before = table_counts()
    answer = manager.post(decide(out_of_scope, line), {"decision": "reject", "reason": " "})
    assert answer.status_code == 200
    assert "Say why: a reason is required for this change." in answer.content.decode()
    assert table_counts() == before


def test_a_plain_form_rejection_writes_off_and_returns_to_the_page(out_of_scope):
    line = work_order_rate(actor=None, work_order=out_of_scope, now=NOW).lines.get()
    manager = client_of(make.user("manager"))
    answer = manager.post(decide(out_of_scope, line), {"decision": "reject", "reason": "Ours"})
    assert (answer.status_code, answer.headers["Location"]) == (302, page(out_of_scope))
    html = manager.get(page(out_of_scope)).content.decode()
    assert "out of scope, written off" in html
    assert 'data-testid="written-off">-120.00 EUR<' in html


def test_a_dispatcher_sees_the_page_but_cannot_decide(out_of_scope):
    line = work_order_rate(actor=None, work_order=out_of_scope, now=NOW).lines.get()
    dispatcher = client_of(make.user("dispatcher"))
    assert 'data-testid="approve"' not in dispatcher.get(page(out_of_scope)).content.decode()
    before = table_counts()
    answer = dispatcher.post(decide(out_of_scope, line), {"decision": "approve", "reason": "x"})
    assert "Only a manager decides on out-of-scope work." in answer.content.decode()
    assert table_counts() == before


def test_the_closure_report_links_to_the_charges(covered):
    html = (
        client_of(make.user("manager"))
        .get(f"/reports/work-orders/{covered.pk}/closure/")
        .content.decode()
    )
    assert f'href="{page(covered)}"' in html
