"""What the CSV exports share: one file from a header and rows (UTF-8, comma, CRLF, quoted
where needed), one row per invoice line with the line's share of its rate's tax, and how
numbers and amounts are written in them."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

from pacta.domain.accounting import ExportInvoice, ExportLine, line_taxes
from pacta.domain.money import Money

CONTENT_TYPE = "text/csv; charset=utf-8"
EXTENSION = "csv"


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


LineRow = Callable[[ExportInvoice, ExportLine, Money], Sequence[object]]


def per_line(invoices: Sequence[ExportInvoice], row: LineRow) -> list[Sequence[object]]:
    """``row(invoice, line, tax)`` for every line of every invoice, in order; ``tax`` is the
    line's share of the tax stored for its rate (:func:`pacta.domain.accounting.line_taxes`),
    so the rows of an invoice add up to its totals."""
    rows: list[Sequence[object]] = []
    for invoice in invoices:
        taxes = line_taxes(invoice)
        rows.extend(row(invoice, line, taxes[line.position]) for line in invoice.lines)
    return rows


def amount(value: Money | Decimal) -> str:
    """An amount with two decimals and a point: ``-1210.00``."""
    number = value.amount if isinstance(value, Money) else value
    return f"{number:.2f}"


def number(value: Decimal) -> str:
    """A quantity, a price or a rate without trailing zeros: ``2``, ``12.5``, ``21``."""
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "") else text


def quantity_and_price(line: ExportLine) -> tuple[Decimal, Decimal]:
    """The quantity and unit price that give the line's stored net amount exactly; when they
    do not (a price rounded per line), one unit at the net amount."""
    if line.quantity * line.unit_price == line.net.amount:
        return line.quantity, line.unit_price
    return Decimal(1), line.net.amount


def dated(invoice: ExportInvoice, date_format: str) -> tuple[str, str]:
    """The invoice's issue and due dates in ``date_format`` (no due date: the issue date)."""
    due = invoice.due_on or invoice.issue_on
    return invoice.issue_on.strftime(date_format), due.strftime(date_format)
