"""The finance pages: run the invoicing, review the drafts, issue them; only finance (and the
office roles allowed) reach them."""

from __future__ import annotations

import re
from datetime import date

import httpx
import pytest
from django.test import Client

from pacta.billing.models import Invoice, InvoiceRun
from pacta.billing.services import period_close, periods_ensure
from pacta.customers.services import customer_update
from tests.support import make
from tests.support.make import at
from tests.support.state import table_counts

pytestmark = pytest.mark.django_db

PAGE = "/finance/"


@pytest.fixture
def contract():
    return make.contract(
        make.customer(legal_name="Clínica Norte S.L.", language="en"),
        scope=[(make.service(), "included")],
    )


def test_finance_runs_reviews_and_issues(client, contract):
    client.force_login(make.user("finance"))
    ran = client.post(PAGE, {"run": "", "until": "2026-02-28"}, follow=True)
    assert ran.status_code == 200
    assert "2 periods closed, 0 refused" in ran.content.decode()
    assert InvoiceRun.objects.get().periods == 2
    drafts = list(Invoice.objects.order_by("pk"))
    page = client.get(PAGE).content.decode()
    assert all(f'data-testid="draft-{d.pk}"' in page for d in drafts)
    assert "Clínica Norte S.L." in page
    detail = client.get(f"/finance/invoices/{drafts[0].pk}/").content.decode()
    assert "Subscription fee, 2026-01-01 to 2026-01-31" in detail
    assert "Fee of contract" in detail  # where the figure came from
    issued = client.post(PAGE, {"issue": "", "invoice": [d.pk for d in drafts]}, follow=True)
    assert "2 invoices issued." in issued.content.decode()
    assert list(Invoice.objects.order_by("pk").values_list("number", flat=True)) == [
        "F2026-00001",
        "F2026-00002",
    ]


def test_a_run_for_a_day_not_past_is_refused_on_the_page(client, contract):
    client.force_login(make.user("finance"))
    before = table_counts()
    page = client.post(PAGE, {"run": "", "until": "2999-01-31"}, follow=True).content.decode()
    assert "The billing period has not ended yet: it cannot be invoiced." in page
    assert table_counts() == before


def test_an_invoice_is_issued_from_its_page(client, contract):
    periods_ensure(contract=contract, until=date(2026, 1, 31), now=at("2026-02-02 10:00"))
    draft = period_close(actor=None, period=contract.billing_periods.get())
    client.force_login(make.user("finance"))
    response = client.post(f"/finance/invoices/{draft.pk}/", {"issue": ""}, follow=True)
    assert 'data-testid="number">F2026-00001<' in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_an_issued_invoice_page_links_each_e_invoice_and_finance_downloads_them(
    live_server, contract, settings
):
    from tests.integration.billing.test_einvoice import SELLER

    settings.PACTA_SELLER = dict(SELLER)
    # Facturae needs the buyer's full Spanish address.
    customer_update(
        actor=None,
        customer=contract.customer,
        values={"address_line1": "Calle Mayor 5", "postal_code": "28013", "region": "Madrid"},
        reason="Address for Facturae",
    )
    periods_ensure(contract=contract, until=date(2026, 1, 31), now=at("2026-02-02 10:00"))
    draft = period_close(actor=None, period=contract.billing_periods.get())
    client = Client()
    client.force_login(make.user("finance"))
    assert (
        'data-testid="einvoice"'
        not in client.get(f"/finance/invoices/{draft.pk}/").content.decode()
    )
    client.post(f"/finance/invoices/{draft.pk}/", {"issue": ""})
    page = client.get(f"/finance/invoices/{draft.pk}/").content.decode()
    links = re.findall(r'href="(/api/v1/invoices/\d+/einvoice/\?syntax=\w+)"', page)
    assert links == [
        f"/api/v1/invoices/{draft.pk}/einvoice/?syntax={syntax}"
        for syntax in ("facturx", "ubl", "cii", "facturae")
    ]
    # Followed over real HTTP with the page's session, each link gives its file.
    session = {"sessionid": client.cookies["sessionid"].value}
    got = [
        (response.status_code, response.headers["content-type"], response.content[:5])
        for response in (httpx.get(live_server.url + link, cookies=session) for link in links)
    ]
    assert got == [
        (200, "application/pdf", b"%PDF-"),
        (200, "application/xml", b"<?xml"),
        (200, "application/xml", b"<?xml"),
        (200, "application/xml", b"<?xml"),
    ]


@pytest.mark.parametrize("role", ["customer", "technician", "dispatcher"])
def test_other_roles_do_not_reach_the_finance_pages(client, contract, role):
    values = {"customer": contract.customer} if role == "customer" else {}
    client.force_login(make.user(role, **values))
    assert client.get(PAGE).status_code == 403
    before = table_counts()
    assert client.post(PAGE, {"run": "", "until": "2026-02-28"}).status_code == 403
    assert table_counts() == before


def test_a_manager_reviews_but_does_not_run_or_issue(client, contract):
    client.force_login(make.user("manager"))
    page = client.get(PAGE).content.decode()
    assert 'name="run"' not in page
    assert client.post(PAGE, {"run": "", "until": "2026-02-28"}).status_code == 403


def test_the_recently_issued_list_is_by_issue_date_and_number_newest_first(client, contract):
    from pacta.billing.services import invoice_issue

    periods_ensure(contract=contract, until=date(2026, 2, 28), now=at("2026-03-02 10:00"))
    january, february = (
        period_close(actor=None, period=period)
        for period in contract.billing_periods.order_by("starts_on")
    )
    # Issued at the same moment, February's first: January's draft gets the later number.
    now = at("2026-03-02 10:00")
    invoice_issue(actor=None, invoice=february, now=now, issue_date=date(2026, 3, 1))
    invoice_issue(actor=None, invoice=january, now=now, issue_date=date(2026, 3, 1))
    older = make.contract(contract.customer, scope=[(make.service(), "included")])
    periods_ensure(contract=older, until=date(2026, 1, 31), now=now)
    late = period_close(actor=None, period=older.billing_periods.get())
    invoice_issue(actor=None, invoice=late, now=now, issue_date=date(2026, 3, 2))
    client.force_login(make.user("finance"))
    page = client.get(PAGE).content.decode()
    listed = re.findall(r">(F2026-\d{5})</a>", page)
    assert listed == ["F2026-00003", "F2026-00002", "F2026-00001"]
