"""Billing periods, period close into drafts, issue with gapless numbers, immutability and
credit notes, through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pacta.billing.errors import (
    FeeTaxRateUnknown,
    InvoiceImmutable,
    NotADraft,
    NothingToInvoice,
    NotIssued,
    WrongBillingMode,
)
from pacta.billing.models import (
    BillingTerms,
    ContractPeriod,
    Invoice,
    InvoiceLine,
    SeriesCounter,
)
from pacta.billing.services import (
    credit_goodwill_grant,
    credit_note_create,
    credit_reverse,
    customer_invoice_pending,
    invoice_delete,
    invoice_issue,
    invoice_update,
    period_close,
    periods_ensure,
    quote_invoice,
    work_order_invoice,
    work_order_rate,
)
from pacta.domain.invoicing import CreditNoteTooLarge, PeriodNotEnded
from pacta.service.services import work_order_update
from tests.support import make
from tests.support.make import at
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db

NOW = at("2026-04-02 10:00")
Q = Decimal


def accepted_job(contract, site, service, product=None, day="2026-03-03", **more):
    """A work order done on ``day`` 09:00–10:30, with two parts, completed, accepted, rated
    (``technician=`` by a given technician; ``parts=`` [(product, quantity)] more parts)."""
    technician = more.get("technician") or make.user("technician")
    ticket = make.ticket(site, service, contract=contract, opened_at=at(f"{day} 08:00"))
    work_order = make.work_order(
        ticket,
        technician,
        scheduled_start_at=at(f"{day} 09:00"),
        scheduled_end_at=at(f"{day} 11:00"),
    )
    make.time_entry(work_order, started_at=at(f"{day} 09:00"), ended_at=at(f"{day} 10:30"))
    if product is not None:
        make.part_used(work_order, product, quantity=Q("2"))
    for other, quantity in more.get("parts", ()):
        make.part_used(work_order, other, quantity=quantity)
    work_order_update(actor=None, work_order=work_order, values={"status": "completed"})
    work_order_update(actor=None, work_order=work_order, values={"status": "accepted"})
    work_order_rate(actor=None, work_order=work_order, now=at(f"{day} 18:00"))
    return work_order


@pytest.fixture
def world():
    customer = make.customer(language="es")
    site = make.site(customer)
    vat = make.tax_rate("21.00")
    reduced = make.tax_rate("10.00")
    upkeep = make.service(code="PM", name="Upkeep", tax_rate=vat)
    repair = make.service(code="REPAIR", name="Repair", tax_rate=vat)
    filter_ = make.product(sku="FLT-1", name="Filter", price=Q("12.50"), tax_rate=reduced)
    prices = make.price_list(name="HVAC 2026")
    make.price_list_line(prices, service=repair, unit_price=Q("55.00"))
    make.price_list_line(prices, product=filter_, unit_price=Q("12.50"))
    contract = make.contract(
        customer,
        sites=[site],
        scope=[(upkeep, "included"), (repair, "billable")],
        price_list=prices,
        number="C-900",
        fee=Q("150.00"),
    )
    return {
        "customer": customer,
        "site": site,
        "contract": contract,
        "repair": repair,
        "filter": filter_,
    }


def march(contract):
    periods_ensure(contract=contract, until=date(2026, 3, 31), now=NOW)
    return ContractPeriod.objects.get(contract=contract, starts_on=date(2026, 3, 1))


def lines_of(invoice):
    return [
        (line.kind, line.net_amount, line.tax_percent)
        for line in invoice.lines.order_by("position")
    ]


# --- periods ------------------------------------------------------------------------------------
def test_periods_are_made_once_aligned_to_the_contract_start(world):
    contract = world["contract"]
    periods = periods_ensure(contract=contract, until=date(2026, 4, 1), now=NOW)
    assert [(p.starts_on, p.ends_on, p.share, p.state) for p in periods] == [
        (date(2026, m, 1), end, Q(1), "open")
        for m, end in [
            (1, date(2026, 1, 31)),
            (2, date(2026, 2, 28)),
            (3, date(2026, 3, 31)),
            (4, date(2026, 4, 30)),
        ]
    ]
    before = table_counts()
    assert len(periods_ensure(contract=contract, until=date(2026, 4, 1), now=NOW)) == 4
    assert table_counts() == before


def test_the_last_period_of_a_contract_ending_mid_month_is_prorated():
    customer = make.customer()
    service = make.service()
    contract = make.contract(
        customer, scope=[(service, "included")], ends_on=date(2026, 2, 14), fee=Q("100.00")
    )
    periods = periods_ensure(contract=contract, until=date(2026, 12, 31), now=NOW)
    assert [(p.ends_on, p.share) for p in periods] == [
        (date(2026, 1, 31), Q(1)),
        (date(2026, 2, 14), Q("0.500000")),  # 14 of 28 days
    ]
    invoice = period_close(actor=None, period=periods[1], now=NOW)
    assert lines_of(invoice) == [("fee", Q("50.00"), Q("21.00"))]


# --- period close -------------------------------------------------------------------------------
def test_closing_a_period_drafts_the_fee_and_the_accepted_work_each_line_with_its_source(world):
    contract, site = world["contract"], world["site"]
    job = accepted_job(contract, site, world["repair"], world["filter"])
    invoice = period_close(actor=None, period=march(contract), now=NOW)
    assert (invoice.state, invoice.number, invoice.key, invoice.currency, invoice.language) == (
        "draft",
        None,
        f"period:{contract.pk}:2026-03-01",
        "EUR",
        "es",
    )
    assert lines_of(invoice) == [
        ("fee", Q("150.00"), Q("21.00")),
        ("charge", Q("82.50"), Q("21.00")),  # 1.5 h × 55.00
        ("charge", Q("25.00"), Q("10.00")),  # 2 filters × 12.50
    ]
    assert [(t.tax_percent, t.base, t.tax) for t in invoice.tax_totals.all()] == [
        (Q("10.00"), Q("25.00"), Q("2.50")),
        (Q("21.00"), Q("232.50"), Q("48.83")),  # 48.825 rounded half-up once
    ]
    assert (invoice.net_total, invoice.tax_total, invoice.gross_total) == (
        Q("257.50"),
        Q("51.33"),
        Q("308.83"),
    )
    fee, labour, parts = invoice.lines.order_by("position")
    assert fee.words[0][1]["contract"] == "C-900"
    assert labour.charge_line.rating.work_order == job
    assert labour.work_order == job
    assert labour.description == f"{job.reference} · {labour.charge_line.label}"
    assert parts.charge_line.code == "FLT-1"
    assert row(march(contract))["state"] == "closed"


def test_closing_again_returns_the_same_draft_and_writes_nothing(world):
    period = march(world["contract"])
    first = period_close(actor=None, period=period, now=NOW)
    before = table_counts()
    assert period_close(actor=None, period=period, now=NOW) == first
    assert table_counts() == before


def test_a_period_not_yet_ended_is_refused_and_nothing_is_written(world):
    periods_ensure(contract=world["contract"], until=date(2026, 4, 1), now=NOW)
    april = ContractPeriod.objects.get(contract=world["contract"], starts_on=date(2026, 4, 1))
    before = table_counts()
    with pytest.raises(PeriodNotEnded) as refused:
        period_close(actor=None, period=april, now=NOW)
    assert refused.value.code == "period_not_ended"
    assert table_counts() == before


def test_work_not_accepted_waits_and_a_charge_line_is_billed_once(world):
    contract, site = world["contract"], world["site"]
    job = accepted_job(contract, site, world["repair"])
    work_order_update(actor=None, work_order=job, values={"status": "disputed"})
    march_invoice = period_close(actor=None, period=march(contract), now=NOW)
    assert lines_of(march_invoice) == [("fee", Q("150.00"), Q("21.00"))]
    # accepted in April: billed with April, once, whatever else asks for it
    work_order_update(actor=None, work_order=job, values={"status": "accepted"})
    periods_ensure(contract=contract, until=date(2026, 4, 30), now=NOW)
    april = ContractPeriod.objects.get(contract=contract, starts_on=date(2026, 4, 1))
    april_invoice = period_close(actor=None, period=april, now=at("2026-05-02 10:00"))
    assert lines_of(april_invoice) == [
        ("fee", Q("150.00"), Q("21.00")),
        ("charge", Q("82.50"), Q("21.00")),
    ]
    with pytest.raises(NothingToInvoice):
        customer_invoice_pending(actor=None, customer=world["customer"], now=NOW)
    assert InvoiceLine.objects.filter(work_order=job).count() == 1


def test_credits_of_the_period_are_negative_lines_and_a_reversed_one_nets_out(world):
    contract = world["contract"]
    manager = make.user("manager")
    credit = credit_goodwill_grant(
        actor=manager,
        contract=contract,
        period_on=date(2026, 3, 10),
        reason="Late visit",
        approver=manager,
        amount=Q("15.00"),
        now=NOW,
    )
    undone = credit_goodwill_grant(
        actor=manager,
        contract=contract,
        period_on=date(2026, 3, 10),
        reason="Granted twice",
        approver=manager,
        amount=Q("5.00"),
        now=NOW,
    )
    credit_reverse(actor=manager, credit=undone, reason="Granted by mistake", now=NOW)
    invoice = period_close(actor=None, period=march(contract), now=NOW)
    assert lines_of(invoice) == [
        ("fee", Q("150.00"), Q("21.00")),
        ("credit", Q("-15.00"), Q("21.00")),
        ("credit", Q("-5.00"), Q("21.00")),
        ("credit", Q("5.00"), Q("21.00")),  # the reversal
    ]
    assert invoice.lines.get(position=2).credit == credit
    assert invoice.gross_total == Q("163.35")  # 135.00 + 28.35


def test_the_fee_takes_the_tax_rate_of_the_billing_terms(world):
    contract = world["contract"]
    BillingTerms.objects.create(contract=contract, fee_tax_rate=make.tax_rate("4.00"))
    invoice = period_close(actor=None, period=march(contract), now=NOW)
    assert lines_of(invoice) == [("fee", Q("150.00"), Q("4.00"))]


def test_a_fee_without_any_tax_rate_is_refused_naming_the_contract():
    customer = make.customer()
    contract = make.contract(customer, number="C-NOTAX")
    periods = periods_ensure(contract=contract, until=date(2026, 1, 31), now=NOW)
    before = table_counts()
    with pytest.raises(FeeTaxRateUnknown) as refused:
        period_close(actor=None, period=periods[0], now=NOW)
    assert "C-NOTAX" in refused.value.message
    assert table_counts() == before


# --- other billing modes -------------------------------------------------------------------------
def test_per_job_billing_invoices_the_accepted_work_order_and_the_period_only_its_fee(world):
    contract, site = world["contract"], world["site"]
    BillingTerms.objects.create(contract=contract, mode="job")
    job = accepted_job(contract, site, world["repair"])
    invoice = work_order_invoice(actor=None, work_order=job, now=NOW)
    assert (invoice.origin, invoice.key, lines_of(invoice)) == (
        "job",
        f"job:{job.pk}",
        [("charge", Q("82.50"), Q("21.00"))],
    )
    assert work_order_invoice(actor=None, work_order=job, now=NOW) == invoice
    period_invoice = period_close(actor=None, period=march(contract), now=NOW)
    assert lines_of(period_invoice) == [("fee", Q("150.00"), Q("21.00"))]


def test_per_job_billing_is_refused_on_a_contract_billed_per_period(world):
    job = accepted_job(world["contract"], world["site"], world["repair"])
    with pytest.raises(WrongBillingMode):
        work_order_invoice(actor=None, work_order=job, now=NOW)


def test_pending_work_of_a_customer_is_invoiced_now(world):
    contract, site = world["contract"], world["site"]
    accepted_job(contract, site, world["repair"], world["filter"])
    accepted_job(contract, site, world["repair"], day="2026-03-10")
    (invoice,) = customer_invoice_pending(actor=None, customer=world["customer"], now=NOW)
    assert invoice.origin == "pending"
    assert lines_of(invoice) == [
        ("charge", Q("82.50"), Q("21.00")),
        ("charge", Q("25.00"), Q("10.00")),
        ("charge", Q("82.50"), Q("21.00")),
    ]
    # the period then bills only its fee
    assert lines_of(period_close(actor=None, period=march(contract), now=NOW)) == [
        ("fee", Q("150.00"), Q("21.00"))
    ]


# --- issue, immutability ------------------------------------------------------------------------
def test_issue_numbers_are_gapless_per_series_and_year(world):
    contract = world["contract"]
    periods = periods_ensure(contract=contract, until=date(2026, 3, 31), now=NOW)
    drafts = [period_close(actor=None, period=p, now=NOW) for p in periods]
    assert [d.number for d in drafts] == [None, None, None]
    issued = [invoice_issue(actor=None, invoice=d, now=NOW) for d in drafts]
    assert [i.number for i in issued] == ["F2026-00001", "F2026-00002", "F2026-00003"]
    first = issued[0]
    assert (first.issue_date, first.due_date, first.tax_point_date) == (
        date(2026, 4, 2),
        date(2026, 5, 2),
        date(2026, 1, 31),
    )
    assert first.buyer["name"] == world["customer"].legal_name
    assert SeriesCounter.objects.get(series=first.series, year=2026).last_number == 3
    assert [p.state for p in ContractPeriod.objects.filter(contract=contract)] == ["invoiced"] * 3


def test_an_issued_invoice_refuses_every_change(world):
    invoice = period_close(actor=None, period=march(world["contract"]), now=NOW)
    invoice = invoice_issue(actor=None, invoice=invoice, now=NOW)
    before = table_counts()
    stored = row(invoice)
    with pytest.raises(InvoiceImmutable) as refused:
        invoice_update(actor=None, invoice=invoice, values={"notes": "changed"})
    assert refused.value.code == "invoice_immutable"
    with pytest.raises(InvoiceImmutable):
        invoice_delete(actor=None, invoice=invoice, reason="mistake")
    with pytest.raises(NotADraft):
        invoice_issue(actor=None, invoice=invoice, now=NOW)
    assert table_counts() == before
    assert row(invoice) == stored


def test_a_draft_may_be_thrown_away_and_its_period_opens_again(world):
    period = march(world["contract"])
    invoice = period_close(actor=None, period=period, now=NOW)
    invoice_update(actor=None, invoice=invoice, values={"notes": "PO 4711"})
    assert row(invoice)["notes"] == "PO 4711"
    invoice_delete(actor=None, invoice=invoice, reason="wrong fee")
    assert (row(period)["state"], Invoice.objects.count()) == ("open", 0)
    again = period_close(actor=None, period=period, now=NOW)
    assert lines_of(again) == [("fee", Q("150.00"), Q("21.00"))]


# --- credit notes -------------------------------------------------------------------------------
@pytest.fixture
def issued(world):
    accepted_job(world["contract"], world["site"], world["repair"], world["filter"])
    invoice = period_close(actor=None, period=march(world["contract"]), now=NOW)
    return invoice_issue(actor=None, invoice=invoice, now=NOW)


def test_a_whole_credit_note_reverses_every_line_and_settles_the_invoice(issued):
    note = credit_note_create(actor=None, invoice=issued, reason="contract cancelled", now=NOW)
    assert (note.kind, note.corrects, note.state) == ("credit_note", issued, "draft")
    assert lines_of(note) == [
        ("correction", Q("-150.00"), Q("21.00")),
        ("correction", Q("-82.50"), Q("21.00")),
        ("correction", Q("-25.00"), Q("10.00")),
    ]
    assert note.gross_total == Q("-308.83")
    note = invoice_issue(actor=None, invoice=note, now=NOW)
    assert note.number == "R2026-00001"
    assert row(issued)["state"] == "paid"  # nothing is owed any more


def test_a_partial_credit_note_then_one_too_large_is_refused(issued):
    fee = issued.lines.get(position=1)
    note = credit_note_create(
        actor=None, invoice=issued, reason="visit missed", lines=[(fee.pk, Q("50.00"))], now=NOW
    )
    assert lines_of(note) == [("correction", Q("-50.00"), Q("21.00"))]
    assert note.gross_total == Q("-60.50")
    before = table_counts()
    with pytest.raises(CreditNoteTooLarge) as refused:
        credit_note_create(
            actor=None,
            invoice=issued,
            reason="again",
            lines=[(fee.pk, Q("100.01"))],
            now=NOW,
        )
    assert refused.value.message == f"Line {fee.pk} has 100.00 left to credit, not 100.01."
    assert table_counts() == before


def test_a_draft_is_not_credited(world):
    invoice = period_close(actor=None, period=march(world["contract"]), now=NOW)
    with pytest.raises(NotIssued):
        credit_note_create(actor=None, invoice=invoice, reason="x", now=NOW)


def test_an_accepted_quote_is_invoiced_at_its_prices_and_its_work_is_not_billed_again(world):
    from pacta.service.models import Quote, QuoteLine  # no quote services yet (issue 5 records)

    contract, site = world["contract"], world["site"]
    job = accepted_job(contract, site, world["repair"])
    quote = Quote.objects.create(
        customer=world["customer"],
        site=site,
        contract=contract,
        number="Q-2026-001",
        title="New outdoor unit",
        currency="EUR",
        status="accepted",
        work_order=job,
        created_at=NOW,
    )
    QuoteLine.objects.create(
        quote=quote,
        position=1,
        description="Outdoor unit, installed",
        quantity=Q(1),
        unit="each",
        unit_price=Q("1200.00"),
        tax_percent=Q("21.00"),
        amount=Q("1200.00"),
    )
    invoice = quote_invoice(actor=None, quote=quote, now=NOW)
    assert (invoice.origin, invoice.key, lines_of(invoice)) == (
        "quote",
        f"quote:{quote.pk}",
        [("quote", Q("1200.00"), Q("21.00"))],
    )
    assert invoice.gross_total == Q("1452.00")
    assert quote_invoice(actor=None, quote=quote, now=NOW) == invoice
    # the work order carrying the quote out is billed: the period bills only its fee
    assert lines_of(period_close(actor=None, period=march(contract), now=NOW)) == [
        ("fee", Q("150.00"), Q("21.00"))
    ]
