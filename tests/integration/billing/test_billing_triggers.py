"""Invoices that draft themselves, through the paths people use (over real HTTP, with the task
worker): a work order accepted on a contract billed per job, a quote accepted on a contract
billed on quote acceptance, and the SLA-breach credit a period earned when the invoice run
closes it. Each happens once: running the worker or the run again writes nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command

from pacta.billing.models import BillingTerms, Invoice
from pacta.billing.services import invoice_run
from pacta.entitlements.models import Credit
from tests.integration.billing.test_credits import breached_ticket, sla_contract  # noqa: F401
from tests.integration.billing.test_invoicing import accepted_job, lines_of, world  # noqa: F401
from tests.support import make
from tests.support.make import at
from tests.support.state import table_counts

pytestmark = pytest.mark.django_db(transaction=True)
Q = Decimal


def work() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def _completed(contract, site, service, day="2026-03-03"):
    """A work order of ``day`` 09:00–10:30, completed (rated by the worker, not accepted)."""
    from pacta.service.services import work_order_update

    ticket = make.ticket(site, service, contract=contract, opened_at=at(f"{day} 08:00"))
    work_order = make.work_order(ticket, make.user("technician"))
    make.time_entry(work_order, started_at=at(f"{day} 09:00"), ended_at=at(f"{day} 10:30"))
    return work_order_update(actor=None, work_order=work_order, values={"status": "completed"})


def test_a_work_order_accepted_on_a_contract_billed_per_job_invoices_itself_once(api, world):  # noqa: F811
    contract, site = world["contract"], world["site"]
    BillingTerms.objects.create(contract=contract, mode="job")
    job = _completed(contract, site, world["repair"])
    customer = api(make.user("customer", customer=world["customer"]))

    answered = customer.post(f"/work-orders/{job.pk}/accept/", {})
    assert answered.status_code == 200, answered.text
    assert not Invoice.objects.exists()  # drafted by the worker, after commit
    work()

    invoice = Invoice.objects.get()
    assert (invoice.origin, invoice.key, invoice.state, lines_of(invoice)) == (
        "job",
        f"job:{job.pk}",
        "draft",
        [("charge", Q("82.50"), Q("21.00"))],
    )
    assert invoice.gross_total == Q("99.83")

    before = table_counts()
    customer.post(f"/work-orders/{job.pk}/accept/", {})  # refused: decided already
    work()
    assert table_counts() == before


def test_a_work_order_accepted_on_a_contract_billed_per_period_waits_for_its_period(api, world):  # noqa: F811
    job = _completed(world["contract"], world["site"], world["repair"])
    customer = api(make.user("customer", customer=world["customer"]))
    assert customer.post(f"/work-orders/{job.pk}/accept/", {}).status_code == 200
    work()
    assert not Invoice.objects.exists()
    job.refresh_from_db()
    assert job.status == "accepted"


def _sent_quote(client, world):  # noqa: F811
    created = client.post(
        "/quotes/",
        {
            "site": world["site"].pk,
            "contract": world["contract"].pk,
            "title": "Replace the outdoor unit",
            "lines": [{"service": world["repair"].pk, "quantity": "3"}],
        },
    )
    assert created.status_code == 201, created.text
    quote = created.json()
    sent = client.post(f"/quotes/{quote['id']}/send/", {"valid_until": "2099-01-31"})
    assert sent.status_code == 200, sent.text
    return quote["id"]


@pytest.mark.parametrize("mode", ["quote", "period"])
def test_a_quote_accepted_on_a_contract_billed_on_acceptance_invoices_itself_once(
    api,
    world,  # noqa: F811
    mode,
):
    BillingTerms.objects.create(contract=world["contract"], mode=mode)
    quote_id = _sent_quote(api(make.user("dispatcher")), world)
    customer = api(make.user("customer", customer=world["customer"]))

    accepted = customer.post(f"/quotes/{quote_id}/accept/", {})
    assert accepted.status_code == 200, accepted.text
    work()

    if mode == "period":  # billed with its period, not on acceptance
        assert not Invoice.objects.exists()
        return
    invoice = Invoice.objects.get()
    assert (invoice.origin, invoice.key, lines_of(invoice)) == (
        "quote",
        f"quote:{quote_id}",
        [("quote", Q("165.00"), Q("21.00"))],
    )
    before = table_counts()
    work()
    assert table_counts() == before


def test_the_invoice_run_computes_the_sla_credit_of_the_period_before_closing_it(sla_contract):  # noqa: F811
    contract, site, repair = sla_contract
    for day in ("2026-03-02", "2026-03-03"):
        breached_ticket(site, repair, contract, f"{day} 09:00", refreshed="2026-03-20 12:00")
    assert not Credit.objects.exists()  # nobody asked for it: the run must

    invoice_run(actor=None, until=date(2026, 3, 31), now=at("2026-04-02 09:00"))

    march = Invoice.objects.get(period__starts_on=date(2026, 3, 1))
    credits = [(k, a) for k, a, _t in lines_of(march) if k == "credit"]
    assert credits == [("credit", Q("-15.00"))]  # 2 breaches × 5 % of the 150.00 fee
    credit = Credit.objects.get()
    assert (credit.kind, credit.period_on, credit.amount) == (
        "sla_breach",
        date(2026, 3, 1),
        Q("-15.0000"),
    )
    before = table_counts()
    invoice_run(actor=None, until=date(2026, 3, 31), now=at("2026-04-02 10:00"))
    after = table_counts()
    assert {k: v for k, v in after.items() if v != before[k]} == {"billing.invoicerun": 2}
