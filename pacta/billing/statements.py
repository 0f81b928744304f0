"""The statement of an invoice's period: what finance sends to end a dispute. Per ticket, each
work order billed — when it was done, each of its lines, covered by the contract or billed,
and why (the rating's words) — then the fee and the credits; as HTML, PDF (WeasyPrint) and
CSV, in the customer's language. It is read from what the invoice stored: rendering twice
gives the same document, and nothing is recomputed."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from pacta.billing.models import ChargeType, Invoice, InvoiceLineKind
from pacta.billing.rendering import invoice_words

#: How a charge line's type reads on the statement.
COVERAGE = dict(ChargeType.choices)


@dataclass(frozen=True)
class StatementLine:
    position: int
    description: str
    coverage: str
    quantity: Decimal
    amount: Decimal
    why: tuple[str, ...]


@dataclass
class StatementJob:
    """One work order of a ticket, with the lines the invoice billed of it."""

    ticket: str
    subject: str
    work_order: str
    done_on: dt.date | None
    lines: list[StatementLine] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))


@dataclass(frozen=True)
class PeriodStatement:
    invoice: Invoice
    jobs: tuple[StatementJob, ...]
    other: tuple[StatementLine, ...]  # the fee, credits and what no work order carries


def _done_on(work_order: Any, zone: ZoneInfo) -> dt.date | None:
    moment = work_order.completed_at or work_order.scheduled_start_at
    return moment.astimezone(zone).date() if moment is not None else None


def period_statement(invoice: Invoice) -> PeriodStatement:
    """The statement of ``invoice`` (its lines grouped per ticket and work order), in the
    active language."""
    rows = invoice.lines.select_related("charge_line", "work_order__ticket__site").order_by(
        "position"
    )
    jobs: dict[int, StatementJob] = {}
    other: list[StatementLine] = []
    for row in rows:
        coverage = (
            str(COVERAGE.get(row.charge_line.charge_type, row.charge_line.charge_type))
            if row.charge_line is not None
            else str(InvoiceLineKind(row.kind).label)
        )
        line = StatementLine(
            position=row.position,
            description=row.description,
            coverage=coverage,
            quantity=row.quantity,
            amount=row.net_amount,
            why=tuple(invoice_words(row)),
        )
        work_order = row.work_order
        if work_order is None or row.kind != InvoiceLineKind.CHARGE:
            other.append(line)
            continue
        job = jobs.get(work_order.pk)
        if job is None:
            ticket = work_order.ticket
            job = jobs[work_order.pk] = StatementJob(
                ticket=ticket.reference,
                subject=ticket.subject,
                work_order=work_order.reference,
                done_on=_done_on(work_order, ZoneInfo(ticket.site.time_zone)),
            )
        job.lines.append(line)
    ordered = sorted(jobs.values(), key=lambda job: (job.ticket, job.work_order))
    return PeriodStatement(invoice=invoice, jobs=tuple(ordered), other=tuple(other))


def statement_html(invoice: Invoice) -> str:
    with translation.override(invoice.language or None):
        return render_to_string(
            "billing/period_statement.html",
            {"statement": period_statement(invoice), "invoice": invoice},
        )


def statement_pdf(invoice: Invoice) -> bytes:
    """The statement as a PDF (A4)."""
    from weasyprint import HTML  # imported when needed: it loads Pango

    return bytes(HTML(string=statement_html(invoice)).write_pdf())


def _csv_line(line: StatementLine) -> list[Any]:
    return [
        line.position,
        line.description,
        line.coverage,
        line.quantity.normalize(),
        line.amount,
        "; ".join(line.why),
    ]


def statement_csv(invoice: Invoice) -> str:
    """The statement as CSV: one row per line, the ticket and work order it belongs to."""
    with translation.override(invoice.language or None):
        statement = period_statement(invoice)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(
            [
                _("Ticket"),
                _("Subject"),
                _("Work order"),
                _("Done on"),
                _("Line"),
                _("Description"),
                _("Covered or billed"),
                _("Quantity"),
                _("Amount"),
                _("Why"),
            ]
        )
        for job in statement.jobs:
            done_on = job.done_on.isoformat() if job.done_on else ""
            for line in job.lines:
                writer.writerow(
                    [job.ticket, job.subject, job.work_order, done_on, *_csv_line(line)]
                )
        for line in statement.other:
            writer.writerow(["", "", "", "", *_csv_line(line)])
        return out.getvalue()
