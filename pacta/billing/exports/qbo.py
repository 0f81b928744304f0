"""QuickBooks Online "Import invoices" CSV (Settings → Import data → Invoices), the columns of
QuickBooks' invoice sample file; ``*`` marks the columns it requires. One row per invoice line;
the rows of one invoice share its number (turn on custom transaction numbers in QuickBooks to
keep it). ItemAmount is the line's net amount and ItemTaxAmount its share of the tax stored for
its rate; a credit note's rows are negative and name the corrected invoice in Memo."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pacta.billing.exports.tables import (
    CONTENT_TYPE,
    EXTENSION,
    amount,
    csv_bytes,
    dated,
    number,
    per_line,
    quantity_and_price,
)
from pacta.billing.exports.xero import tax_name
from pacta.domain.accounting import ExportInvoice, ExportLine
from pacta.domain.money import Money

__all__ = ["CONTENT_TYPE", "EXTENSION", "HEADER", "write"]

HEADER = (
    "*InvoiceNo",
    "*Customer",
    "*InvoiceDate",
    "*DueDate",
    "Terms",
    "Location",
    "Memo",
    "Item(Product/Service)",
    "ItemDescription",
    "ItemQuantity",
    "ItemRate",
    "*ItemAmount",
    "*ItemTaxCode",
    "ItemTaxAmount",
    "Currency",
    "Service Date",
)


def write(invoices: Sequence[ExportInvoice], config: Mapping[str, Any]) -> bytes:
    def row(invoice: ExportInvoice, line: ExportLine, tax: Money) -> tuple[object, ...]:
        issued, due = dated(invoice, config["date_format"])
        quantity, price = quantity_and_price(line)
        return (
            invoice.number,
            invoice.buyer.name,
            issued,
            due,
            "",
            "",
            invoice.corrects,
            config["item"],
            line.description,
            number(quantity),
            number(price),
            amount(line.net),
            tax_name(line.tax_percent, config["tax_codes"]),
            amount(tax),
            invoice.currency,
            "",
        )

    return csv_bytes(HEADER, per_line(invoices, row))
