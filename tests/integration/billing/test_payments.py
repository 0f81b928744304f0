"""Payments, allocations, bank statement import and matching, disputes — through the
services, with exact amounts, and nothing written on a refused path."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pacta.audit.models import AuditEntry
from pacta.billing.errors import (
    AllocationRefused,
    DisputeOpen,
    PaymentCurrencyRefused,
    StatementAlreadyImported,
)
from pacta.billing.models import BankStatementLine, ContractPeriod, Payment
from pacta.billing.services import (
    bank_line_resolve,
    bank_statement_import,
    customer_credit,
    dispute_raise,
    dispute_rate,
    dispute_resolve,
    invoice_issue,
    invoice_outstanding,
    payment_allocate,
    payment_record,
    period_close,
    periods_ensure,
)
from pacta.domain.errors import Forbidden, InvalidInput
from tests.support import make
from tests.support.make import at
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db

NOW = at("2026-04-02 10:00")
Q = Decimal


@pytest.fixture
def billed():
    """A customer with two issued invoices of 181.50 (150.00 + 21% VAT): January, February."""
    customer = make.customer(currency="EUR")
    contract = make.contract(customer, scope=[(make.service(), "included")])
    periods_ensure(contract=contract, until=date(2026, 2, 28), now=NOW)
    invoices = [
        invoice_issue(actor=None, invoice=period_close(actor=None, period=p, now=NOW), now=NOW)
        for p in ContractPeriod.objects.filter(contract=contract).order_by("starts_on")
    ]
    return customer, invoices


def pay(customer, amount, **values):
    values = {"currency": "EUR", "received_on": date(2026, 4, 10), **values}
    return payment_record(actor=None, customer=customer, amount=Q(amount), now=NOW, **values)


def test_payments_spread_oldest_first_and_invoices_become_partly_paid_then_paid(billed):
    customer, (january, february) = billed
    assert [i.number for i in (january, february)] == ["F2026-00001", "F2026-00002"]
    pay(customer, "100.00")
    assert (row(january)["state"], row(january)["paid_total"]) == ("partly_paid", Q("100.00"))
    pay(customer, "300.00")  # 81.50 + 181.50, and 37.00 left over
    assert [row(i)["state"] for i in (january, february)] == ["paid", "paid"]
    assert customer_credit(customer) == Q("37.00")


def test_each_change_of_an_invoices_state_is_audited_with_the_payment_that_made_it(billed):
    customer, (january, _february) = billed
    finance = make.user("finance")
    first = payment_record(
        actor=finance,
        customer=customer,
        amount=Q("100.00"),
        currency="EUR",
        received_on=date(2026, 4, 10),
        now=NOW,
    )
    second = payment_record(
        actor=finance,
        customer=customer,
        amount=Q("81.50"),
        currency="EUR",
        received_on=date(2026, 4, 11),
        now=NOW,
    )
    changes = [
        (e.actor_id, e.reason, e.before["state"], e.after["state"], e.at)
        for e in AuditEntry.objects.filter(
            entity_type="billing.invoice", entity_id=str(january.pk), action="update"
        ).order_by("pk")
    ]
    assert changes == [
        (None, "issued", "draft", "issued", NOW),
        (finance.pk, f"payment {first.pk}", "issued", "partly_paid", NOW),
        (finance.pk, f"payment {second.pk}", "partly_paid", "paid", NOW),
    ]


def test_an_over_payment_is_held_as_credit_and_allocated_later(billed):
    customer, (january, february) = billed
    payment = pay(customer, "200.00", invoices=[january])
    assert (row(payment)["allocated"], customer_credit(customer)) == (Q("181.50"), Q("18.50"))
    payment_allocate(actor=None, payment=payment, invoice=february, amount=Q("18.50"), now=NOW)
    assert (row(february)["state"], row(february)["paid_total"]) == ("partly_paid", Q("18.50"))
    assert customer_credit(customer) == Q("0.00")
    before = table_counts()
    with pytest.raises(AllocationRefused) as refused:
        payment_allocate(actor=None, payment=payment, invoice=february, amount=Q("0.01"), now=NOW)
    assert refused.value.fields == {"amount": ["Only 0.00 of the payment is left to allocate."]}
    assert table_counts() == before


def test_a_payment_in_another_currency_is_refused_and_nothing_is_written(billed):
    customer, _invoices = billed
    before = table_counts()
    with pytest.raises(PaymentCurrencyRefused) as refused:
        pay(customer, "181.50", currency="USD")
    assert refused.value.fields["currency"] == [f"{customer.legal_name} pays in EUR, not USD."]
    with pytest.raises(InvalidInput):
        pay(customer, "10.001")
    assert table_counts() == before


# --- bank statements ----------------------------------------------------------------------------
HEADER = "booked_on,amount,currency,reference,counterparty\n"


def test_a_statement_matches_by_reference_and_amount_and_leaves_the_rest(billed):
    _customer, (january, february) = billed
    content = (
        HEADER
        + "2026-04-11,181.50,EUR,Factura F2026-00001,Customer\n"
        + "2026-04-11,100.00,EUR,F2026-00002 part,Customer\n"
        + "2026-04-12,55.00,EUR,unknown,Someone\n"
    ).encode()
    statement = bank_statement_import(actor=None, file_name="april.csv", content=content, now=NOW)
    lines = list(statement.lines.order_by("row"))
    assert [(line.row, line.state) for line in lines] == [
        (2, "matched"),
        (3, "unmatched"),
        (4, "unmatched"),
    ]
    assert row(january)["state"] == "paid"
    assert Payment.objects.get().bank_line == lines[0]
    # a person settles the partial payment, and says the last is no customer payment
    bank_line_resolve(actor=None, line=lines[1], invoice=february, now=NOW)
    bank_line_resolve(actor=None, line=lines[2], ignore=True, now=NOW)
    assert (row(february)["state"], invoice_outstanding(february)) == ("partly_paid", Q("81.50"))
    assert [row(line)["state"] for line in lines] == ["matched", "matched", "ignored"]
    before = table_counts()
    with pytest.raises(StatementAlreadyImported):
        bank_statement_import(actor=None, file_name="again.csv", content=content, now=NOW)
    assert table_counts() == before


def test_a_statement_with_bad_rows_names_every_row_and_imports_none(billed):
    content = (
        HEADER
        + "2026-04-11,181.50,EUR,F2026-00001,A\n"
        + "11/04/2026,12.345,EURO,x,B\n"
        + "2026-04-12,1.00,EUR\n"
    ).encode()
    before = table_counts()
    with pytest.raises(InvalidInput) as refused:
        bank_statement_import(actor=None, file_name="bad.csv", content=content, now=NOW)
    assert refused.value.fields == {
        "row 3": [
            "booked_on is not a date (YYYY-MM-DD).",
            "amount is not a number with at most two decimals.",
            "currency is not a three-letter code.",
        ],
        "row 4": ["The row does not have one value per column."],
    }
    assert table_counts() == before


def test_a_statement_in_a_wrong_encoding_or_with_unknown_columns_is_refused(billed):
    before = table_counts()
    latin1 = (HEADER + "2026-04-11,1.00,EUR,Pago de José,José\n").encode("latin-1")
    with pytest.raises(InvalidInput) as wrong_encoding:
        bank_statement_import(actor=None, file_name="latin1.csv", content=latin1, now=NOW)
    assert list(wrong_encoding.value.fields) == ["file"]
    columns = b"date,amount,currency,reference,memo\n2026-04-11,1.00,EUR,x,y\n"
    with pytest.raises(InvalidInput) as wrong_columns:
        bank_statement_import(actor=None, file_name="cols.csv", content=columns, now=NOW)
    assert wrong_columns.value.fields["columns"] == [
        "The statement's columns are wrong (missing columns: booked_on; unknown columns: "
        "date, memo); expected booked_on, amount, currency, reference, counterparty, "
        "counterparty_iban."
    ]
    assert table_counts() == before
    assert BankStatementLine.objects.count() == 0


# --- disputes -----------------------------------------------------------------------------------
def test_a_customer_disputes_a_line_and_finance_credits_it(billed):
    customer, (january, february) = billed
    reader = make.user("customer", customer=customer)
    line = january.lines.get()
    dispute = dispute_raise(actor=reader, line=line, reason="The unit was off all week", now=NOW)
    assert dispute.state == "open"
    with pytest.raises(DisputeOpen):
        dispute_raise(actor=reader, line=line, reason="again", now=NOW)
    with pytest.raises(Forbidden):
        dispute_resolve(actor=reader, dispute=dispute, credit=True, reason="mine", now=NOW)
    finance = make.user("finance")
    dispute = dispute_resolve(
        actor=finance, dispute=dispute, credit=True, amount=Q("50.00"), reason="Agreed", now=NOW
    )
    assert (dispute.state, dispute.credit_note.number, dispute.credit_note.gross_total) == (
        "credited",
        "R2026-00001",
        Q("-60.50"),
    )
    assert invoice_outstanding(january) == Q("121.00")
    assert dispute_rate(type(january).objects.filter(pk__in=[january.pk, february.pk])) == Q("0.5")


def test_finance_rejects_a_dispute_with_a_reason(billed):
    customer, (january, _february) = billed
    reader = make.user("customer", customer=customer)
    dispute = dispute_raise(actor=reader, line=january.lines.get(), reason="Too dear", now=NOW)
    dispute = dispute_resolve(
        actor=make.user("finance"), dispute=dispute, credit=False, reason="As agreed", now=NOW
    )
    assert (dispute.state, dispute.resolution, dispute.credit_note) == (
        "rejected",
        "As agreed",
        None,
    )
    assert invoice_outstanding(january) == Q("181.50")


def test_another_customer_cannot_dispute_the_invoice(billed):
    _customer, (january, _february) = billed
    stranger = make.user("customer", customer=make.customer())
    before = table_counts()
    with pytest.raises(Forbidden):
        dispute_raise(actor=stranger, line=january.lines.get(), reason="not mine", now=NOW)
    assert table_counts() == before
