"""Generic CSV: one row per invoice line, UTF-8 with a header row. A line's tax is its share of
the tax stored for its rate (:func:`pacta.domain.accounting.line_taxes`), so the rows of an
invoice add up to its totals; a credit note's rows are negative."""

from __future__ import annotations

from collections.abc import Sequence

from pacta.billing.exports.tables import (
    CONTENT_TYPE,
    EXTENSION,
    amount,
    csv_bytes,
    number,
    per_line,
)
from pacta.domain.accounting import ExportInvoice, ExportLine
from pacta.domain.money import Money

__all__ = ["CONTENT_TYPE", "EXTENSION", "HEADER", "write"]

HEADER = (
    "invoice_number",
    "issue_date",
    "kind",
    "corrects",
    "customer",
    "tax_id",
    "line",
    "description",
    "base",
    "tax_rate",
    "tax",
    "total",
    "currency",
)


def _row(invoice: ExportInvoice, line: ExportLine, tax: Money) -> tuple[object, ...]:
    return (
        invoice.number,
        invoice.issue_on.isoformat(),
        invoice.kind,
        invoice.corrects,
        invoice.buyer.name,
        invoice.buyer.tax_id,
        line.position,
        line.description,
        amount(line.net),
        number(line.tax_percent),
        amount(tax),
        amount(line.net + tax),
        invoice.currency,
    )


def write(invoices: Sequence[ExportInvoice]) -> bytes:
    return csv_bytes(HEADER, per_line(invoices, _row))
