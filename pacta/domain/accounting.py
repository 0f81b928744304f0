"""Accounting exports, the pure part: issued invoices and receipts as plain values, the tax of
each line, and the journal entries (asientos) they make in a chart of accounts.

Nothing here reads a database or a setting: the selector hands in the values, the caller hands
in the chart (:class:`AccountPlan`); the writers of ``pacta.billing.exports`` turn the results
into files. Amounts are :class:`~pacta.domain.money.Money`; a credit note's are negative, as
they are stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from pacta.domain.errors import InvalidInput
from pacta.domain.money import Money, quantum_of
from pacta.domain.parties import PostalParty
from pacta.domain.text import gettext_noop

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class ExportLine:
    """One line of an issued invoice as stored (net amount rounded; tax per rate only)."""

    position: int
    description: str
    quantity: Decimal
    unit_price: Decimal
    net: Money
    tax_percent: Decimal


@dataclass(frozen=True)
class ExportTax:
    """The base and tax of one rate on an invoice, as stored."""

    percent: Decimal
    base: Money
    tax: Money


@dataclass(frozen=True, kw_only=True)
class ExportBuyer(PostalParty):
    """The customer as it was at issue (kept on the invoice), and its id."""

    customer_id: int
    tax_id: str = ""


@dataclass(frozen=True)
class ExportInvoice:
    """An issued invoice or credit note (``kind``), with its lines and tax totals."""

    number: str
    series: str
    sequence: int
    kind: str
    issue_on: dt.date
    due_on: dt.date | None
    buyer: ExportBuyer
    currency: str
    net_total: Money
    tax_total: Money
    gross_total: Money
    corrects: str = ""
    lines: tuple[ExportLine, ...] = ()
    taxes: tuple[ExportTax, ...] = ()

    @property
    def is_credit_note(self) -> bool:
        return self.kind == "credit_note"


@dataclass(frozen=True)
class ExportReceipt:
    """Money received from a customer (a payment), and the invoices it paid."""

    payment_id: int
    received_on: dt.date
    customer_id: int
    customer_name: str
    amount: Money
    reference: str = ""
    invoices: tuple[str, ...] = ()


def line_taxes(invoice: ExportInvoice) -> dict[int, Money]:
    """The tax of each line (by position), so that the lines of a rate add up to the tax stored
    for that rate: the rate's tax is spread over its lines by cumulative rounding (each line
    gets the rounded tax of the running base less what the lines before it got; the last line
    of the rate takes what is left of the stored tax)."""
    shares = taxes_spread(
        [(line.position, line.tax_percent, line.net.amount) for line in invoice.lines],
        {tax.percent: tax.tax.amount for tax in invoice.taxes},
        quantum_of(invoice.currency),
    )
    return {position: Money(share, invoice.currency) for position, share in shares.items()}


def taxes_spread(
    lines: Iterable[tuple[int, Decimal, Decimal]],
    stored: Mapping[Decimal, Decimal],
    quantum: Decimal,
) -> dict[int, Decimal]:
    """Each line's share (by position) of the tax ``stored`` for its rate, for lines given as
    (position, tax percent, net): cumulative rounding half-up to ``quantum`` (each line gets
    the rounded tax of the running base less what the lines before it got; the last line of a
    rate takes what is left of the stored tax), so a rate's lines add up to its stored tax."""
    by_rate: dict[Decimal, list[tuple[int, Decimal]]] = {}
    for position, percent, net in lines:
        by_rate.setdefault(percent, []).append((position, net))
    result: dict[int, Decimal] = {}
    for percent, rated in by_rate.items():
        running = Decimal(0)
        given = Decimal(0)
        for index, (position, net) in enumerate(rated):
            running += net
            if index == len(rated) - 1 and percent in stored:
                share = stored[percent] - given
            else:
                share = (running * percent / HUNDRED).quantize(quantum, ROUND_HALF_UP) - given
            given += share
            result[position] = share
    return result


# --- the journal ----------------------------------------------------------------------------
@dataclass(frozen=True)
class AccountPlan:
    """Where the journal posts: the subaccount length (``digits``), the prefixes of customer
    subaccounts and of the revenue, output-VAT and bank accounts (padded with zeros to
    ``digits``), and subaccounts given outright (per customer id, per tax rate)."""

    digits: int = 8
    customer: str = "430"
    revenue: str = "700"
    vat: str = "477"
    bank: str = "572"
    customer_accounts: Mapping[int, str] = field(default_factory=dict)
    revenue_by_rate: Mapping[Decimal, str] = field(default_factory=dict)
    vat_by_rate: Mapping[Decimal, str] = field(default_factory=dict)

    def padded(self, prefix: str) -> str:
        """An account given by its prefix (``700``) as a subaccount (``70000000``)."""
        return prefix.ljust(self.digits, "0") if len(prefix) < self.digits else prefix

    def customer_account(self, customer_id: int) -> str:
        """The customer's subaccount: given outright, or the prefix then its id, zero-filled
        (customer 42 -> ``43000042``). Refused if the id does not fit."""
        given = self.customer_accounts.get(customer_id)
        if given:
            return given
        room = self.digits - len(self.customer)
        if room < 1 or len(str(customer_id)) > room:
            message = gettext_noop(
                "Customer %(customer)s does not fit a %(digits)s-digit subaccount after "
                "%(prefix)s: give it an account of its own."
            )
            raise InvalidInput(
                message,
                code="export_subaccount_refused",
                fields={"customer": [message]},
                params={"customer": customer_id, "digits": self.digits, "prefix": self.customer},
            )
        return self.customer + str(customer_id).zfill(room)

    def revenue_account(self, percent: Decimal) -> str:
        return self.revenue_by_rate.get(percent) or self.padded(self.revenue)

    def vat_account(self, percent: Decimal) -> str:
        return self.vat_by_rate.get(percent) or self.padded(self.vat)

    def bank_account(self) -> str:
        return self.padded(self.bank)


@dataclass(frozen=True)
class Posting:
    """One line of a journal entry (an apunte): an account debited or credited, its
    counter-account, and for output VAT the base and rate."""

    account: str
    contra: str
    debit: Money
    credit: Money
    concept: str
    vat_base: Money | None = None
    vat_percent: Decimal | None = None


@dataclass(frozen=True)
class JournalEntry:
    """One journal entry (an asiento): the postings of one invoice or one receipt, on a day.
    ``document`` names it (the invoice number, or the payment); ``invoice_sequence`` and
    ``series`` are the invoice's number in its series (0 and "" for a receipt)."""

    on: dt.date
    document: str
    postings: tuple[Posting, ...]
    invoice_sequence: int = 0
    series: str = ""

    def debit(self, currency: str) -> Money:
        return sum((p.debit for p in self.postings), Money.zero(currency))

    def credit(self, currency: str) -> Money:
        return sum((p.credit for p in self.postings), Money.zero(currency))


def invoice_entry(invoice: ExportInvoice, plan: AccountPlan) -> JournalEntry:
    """An invoice as an entry: the customer debited with the total, revenue credited with the
    base of each rate and output VAT with the tax of each rate (a rate without tax makes no
    VAT posting). A credit note posts the same way with its negative amounts."""
    customer = plan.customer_account(invoice.buyer.customer_id)
    zero = Money.zero(invoice.currency)
    concept = f"{invoice.number} {invoice.buyer.name}"
    taxes = sorted(invoice.taxes, key=lambda t: t.percent)
    revenue = [
        Posting(plan.revenue_account(tax.percent), customer, zero, tax.base, concept)
        for tax in taxes
    ]
    vat = [
        Posting(
            plan.vat_account(tax.percent),
            customer,
            zero,
            tax.tax,
            concept,
            vat_base=tax.base,
            vat_percent=tax.percent,
        )
        for tax in taxes
        if tax.tax.amount
    ]
    contra = revenue[0].account if revenue else ""
    postings = [Posting(customer, contra, invoice.gross_total, zero, concept), *revenue, *vat]
    return JournalEntry(
        on=invoice.issue_on,
        document=invoice.number,
        postings=tuple(postings),
        invoice_sequence=invoice.sequence,
        series=invoice.series,
    )


def receipt_entry(receipt: ExportReceipt, plan: AccountPlan) -> JournalEntry:
    """A receipt as an entry: the bank debited, the customer credited, with the amount."""
    customer = plan.customer_account(receipt.customer_id)
    bank = plan.bank_account()
    zero = Money.zero(receipt.amount.currency)
    document = receipt.reference or (receipt.invoices[0] if receipt.invoices else "")
    concept = f"{document} {receipt.customer_name}".strip()
    return JournalEntry(
        on=receipt.received_on,
        document=document,
        postings=(
            Posting(bank, customer, receipt.amount, zero, concept),
            Posting(customer, bank, zero, receipt.amount, concept),
        ),
    )


def journal(
    invoices: Iterable[ExportInvoice], receipts: Iterable[ExportReceipt], plan: AccountPlan
) -> list[JournalEntry]:
    """Every invoice and receipt as an entry, by day: on one day invoices (by number) come
    before receipts (in the order given)."""
    dated: list[tuple[dt.date, int, int, JournalEntry]] = []
    for order, invoice in enumerate(invoices):
        dated.append((invoice.issue_on, 0, order, invoice_entry(invoice, plan)))
    for order, receipt in enumerate(receipts):
        dated.append((receipt.received_on, 1, order, receipt_entry(receipt, plan)))
    return [entry for *_, entry in sorted(dated, key=lambda item: item[:3])]


def unbalanced(entries: Sequence[JournalEntry], currency: str) -> list[JournalEntry]:
    """The entries whose debits and credits differ (none, for entries made here)."""
    return [e for e in entries if e.debit(currency) != e.credit(currency)]
