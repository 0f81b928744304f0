"""Xero "Import invoices" CSV (Business → Invoices → Import), the columns of Xero's sales
invoice template; ``*`` marks the columns Xero requires. One row per invoice line; the rows of
one invoice share its number. Amounts are tax exclusive (choose "Tax exclusive" when
importing); Total is the invoice's (Xero computes its own); TaxAmount is the line's share of
the tax stored for its rate, so Xero's totals are the invoice's. A credit note's rows carry
negative amounts and name the corrected invoice in Reference (Xero's own credit-note import,
a separate file with positive amounts, is not written)."""

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
from pacta.domain.accounting import ExportInvoice, ExportLine
from pacta.domain.money import Money

__all__ = ["CONTENT_TYPE", "EXTENSION", "HEADER", "write"]

HEADER = (
    "*ContactName",
    "EmailAddress",
    "POAddressLine1",
    "POAddressLine2",
    "POAddressLine3",
    "POAddressLine4",
    "POCity",
    "PORegion",
    "POPostalCode",
    "POCountry",
    "*InvoiceNumber",
    "Reference",
    "*InvoiceDate",
    "*DueDate",
    "Total",
    "InventoryItemCode",
    "*Description",
    "*Quantity",
    "*UnitAmount",
    "Discount",
    "*AccountCode",
    "*TaxType",
    "TaxAmount",
    "TrackingName1",
    "TrackingOption1",
    "TrackingName2",
    "TrackingOption2",
    "Currency",
    "BrandingTheme",
)


def tax_name(percent: Any, names: Mapping[str, str]) -> str:
    """The tax rate's name in the accounting program: as configured for the rate, else the
    rate itself (``21%``)."""
    key = number(percent)
    return names.get(key) or f"{key}%"


def write(invoices: Sequence[ExportInvoice], config: Mapping[str, Any]) -> bytes:
    def row(invoice: ExportInvoice, line: ExportLine, tax: Money) -> tuple[object, ...]:
        issued, due = dated(invoice, config["date_format"])
        quantity, price = quantity_and_price(line)
        buyer = invoice.buyer
        return (
            buyer.name,
            buyer.email,
            buyer.address,
            buyer.address_2,
            "",
            "",
            buyer.city,
            buyer.region,
            buyer.postal_code,
            buyer.country,
            invoice.number,
            invoice.corrects,
            issued,
            due,
            amount(invoice.gross_total),
            "",
            line.description,
            number(quantity),
            number(price),
            "",
            config["account_code"],
            tax_name(line.tax_percent, config["tax_types"]),
            amount(tax),
            "",
            "",
            "",
            "",
            invoice.currency,
            "",
        )

    return csv_bytes(HEADER, per_line(invoices, row))
