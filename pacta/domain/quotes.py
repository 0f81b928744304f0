"""Quote arithmetic, by the invoices' rule (so an accepted quote invoices to the same figures):
each line's amount rounded half-up to the currency's minor unit, then the tax of each tax rate
computed once on the sum of its rounded lines. Pure: no Django."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from pacta.domain.invoicing import InvoiceFigures, LineSource, invoice_figures, round_money

QuoteFigures = InvoiceFigures


def quote_line_amount(quantity: Decimal, unit_price: Decimal, currency: str) -> Decimal:
    """A line's amount: quantity × unit price, half-up to the currency's minor unit."""
    return round_money(quantity * unit_price, currency)


def quote_figures(lines: Iterable[tuple[Decimal, Decimal, Decimal]], currency: str) -> QuoteFigures:
    """The figures of a quote whose ``lines`` are (quantity, unit price, tax percent): each
    line rounded (``.lines[i].net_amount``), the tax per rate, and the totals."""
    return invoice_figures(
        [
            LineSource(
                kind="quote",
                description="",
                quantity=quantity,
                unit="",
                unit_price=unit_price,
                amount=quantity * unit_price,
                tax_percent=percent,
            )
            for quantity, unit_price, percent in lines
        ],
        currency,
    )
