"""Accounting exports, the pure part: each line's tax adds up to the tax stored per rate, the
journal entries balance (invoices, credit notes, receipts), and the subaccounts come from the
chart of accounts."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pacta.domain.accounting import (
    AccountPlan,
    ExportBuyer,
    ExportInvoice,
    ExportLine,
    ExportReceipt,
    ExportTax,
    invoice_entry,
    journal,
    line_taxes,
    receipt_entry,
    unbalanced,
)
from pacta.domain.errors import InvalidInput
from pacta.domain.invoicing import LineSource, invoice_figures
from pacta.domain.money import Money

RATES = [Decimal("0.00"), Decimal("10.00"), Decimal("21.00")]


def eur(value: str | Decimal) -> Money:
    return Money(Decimal(value), "EUR")


def invoice_of(amounts_and_rates, *, customer_id=7, number="F2026-00003", sign=1):
    """An ExportInvoice whose figures are made by invoicing's own rounding."""
    sources = [
        LineSource(
            kind="charge",
            description=f"line {i}",
            quantity=Decimal(1),
            unit="",
            unit_price=amount * sign,
            amount=amount * sign,
            tax_percent=rate,
        )
        for i, (amount, rate) in enumerate(amounts_and_rates)
    ]
    figures = invoice_figures(sources, "EUR")
    return ExportInvoice(
        number=number,
        series=number[0],
        sequence=int(number[-5:]),
        kind="invoice" if sign > 0 else "credit_note",
        issue_on=dt.date(2026, 3, 1),
        due_on=None,
        buyer=ExportBuyer(customer_id=customer_id, name="Acme"),
        currency="EUR",
        net_total=eur(figures.net_total),
        tax_total=eur(figures.tax_total),
        gross_total=eur(figures.gross_total),
        lines=tuple(
            ExportLine(
                position=line.position,
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                net=eur(line.net_amount),
                tax_percent=line.tax_percent,
            )
            for line in figures.lines
        ),
        taxes=tuple(
            ExportTax(percent=t.tax_percent, base=eur(t.base), tax=eur(t.tax))
            for t in figures.tax_totals
        ),
    )


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=3)
lines = st.lists(st.tuples(amounts, st.sampled_from(RATES)), min_size=1, max_size=12)


@given(lines, st.sampled_from([1, -1]))
def test_the_lines_of_a_rate_add_up_to_its_stored_tax(items, sign):
    invoice = invoice_of(items, sign=sign)
    taxes = line_taxes(invoice)
    assert set(taxes) == {line.position for line in invoice.lines}
    for stored in invoice.taxes:
        spread = [taxes[x.position] for x in invoice.lines if x.tax_percent == stored.percent]
        assert sum((t.amount for t in spread), Decimal(0)) == stored.tax.amount
        for line in invoice.lines:  # each line within a cent of its own rounded tax
            if line.tax_percent == stored.percent:
                own = line.net.amount * line.tax_percent / 100
                assert abs(taxes[line.position].amount - own) < Decimal("0.02")


@given(lines, st.sampled_from([1, -1]))
def test_every_invoice_entry_balances(items, sign):
    invoice = invoice_of(items, sign=sign)
    entry = invoice_entry(invoice, AccountPlan())
    assert entry.debit("EUR") == entry.credit("EUR") == invoice.gross_total
    assert unbalanced([entry], "EUR") == []


def test_an_invoice_entry_posts_customer_revenue_and_vat_per_rate():
    invoice = invoice_of(
        [(Decimal("100.00"), Decimal("21.00")), (Decimal("40.00"), Decimal("10.00"))]
    )
    entry = invoice_entry(invoice, AccountPlan(vat_by_rate={Decimal("10.00"): "47700010"}))
    assert [(p.account, p.contra, p.debit, p.credit) for p in entry.postings] == [
        ("43000007", "70000000", eur("165.00"), eur("0")),
        ("70000000", "43000007", eur("0"), eur("40.00")),
        ("70000000", "43000007", eur("0"), eur("100.00")),
        ("47700010", "43000007", eur("0"), eur("4.00")),
        ("47700000", "43000007", eur("0"), eur("21.00")),
    ]
    assert [(p.vat_base, p.vat_percent) for p in entry.postings[3:]] == [
        (eur("40.00"), Decimal("10.00")),
        (eur("100.00"), Decimal("21.00")),
    ]
    assert (entry.document, entry.invoice_sequence, entry.series) == ("F2026-00003", 3, "F")


def test_a_rate_without_tax_makes_no_vat_posting():
    entry = invoice_entry(invoice_of([(Decimal("80.00"), Decimal("0.00"))]), AccountPlan())
    assert [p.account for p in entry.postings] == ["43000007", "70000000"]


def test_a_receipt_debits_the_bank_and_credits_the_customer():
    receipt = ExportReceipt(
        payment_id=3,
        received_on=dt.date(2026, 3, 9),
        customer_id=12,
        customer_name="Acme",
        amount=eur("99.90"),
        invoices=("F2026-00001",),
    )
    entry = receipt_entry(receipt, AccountPlan(bank="5720001"))
    assert [(p.account, p.contra, p.debit, p.credit) for p in entry.postings] == [
        ("57200010", "43000012", eur("99.90"), eur("0")),
        ("43000012", "57200010", eur("0"), eur("99.90")),
    ]
    assert (entry.document, entry.postings[0].concept) == ("F2026-00001", "F2026-00001 Acme")


def test_the_journal_is_in_date_order_invoices_first_on_a_day():
    invoice = invoice_of([(Decimal("10"), Decimal("21.00"))])
    receipt = ExportReceipt(1, dt.date(2026, 3, 1), 7, "Acme", eur("12.10"), "transfer 1")
    early = ExportReceipt(2, dt.date(2026, 2, 27), 7, "Acme", eur("5.00"), "transfer 0")
    entries = journal([invoice], [receipt, early], AccountPlan())
    assert [e.document for e in entries] == ["transfer 0", "F2026-00003", "transfer 1"]


def test_customer_subaccounts_are_derived_or_given():
    plan = AccountPlan(customer_accounts={99: "43100001"})
    assert plan.customer_account(42) == "43000042"
    assert plan.customer_account(99) == "43100001"
    assert AccountPlan(digits=10).customer_account(42) == "4300000042"
    assert AccountPlan(digits=6).padded("700") == "700000"


def test_a_customer_id_too_long_for_the_subaccount_is_refused():
    with pytest.raises(InvalidInput) as refused:
        AccountPlan().customer_account(123456)
    assert refused.value.code == "export_subaccount_refused"
    assert list(refused.value.fields) == ["customer"]
    assert "123456" in refused.value.message
