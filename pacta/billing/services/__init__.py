"""Writing billing records: ratings and their charge lines, billing periods, invoices and
credit notes, invoice runs (later payments, SEPA).

Each module holds one concept's write path; this package re-exports the public services so
callers import ``pacta.billing.services``.
"""

from pacta.billing.services.invoices import (
    billing_mode_of,
    charge_lines_pending,
    credit_note_create,
    customer_invoice_pending,
    invoice_delete,
    invoice_issue,
    invoice_outstanding,
    invoice_settle,
    invoice_update,
    period_close,
    work_order_invoice,
)
from pacta.billing.services.periods import periods_ensure
from pacta.billing.services.rating import charge_line_decide, work_order_rate
from pacta.billing.services.runs import invoice_run

__all__ = [
    "billing_mode_of",
    "charge_line_decide",
    "charge_lines_pending",
    "credit_note_create",
    "customer_invoice_pending",
    "invoice_delete",
    "invoice_issue",
    "invoice_outstanding",
    "invoice_run",
    "invoice_settle",
    "invoice_update",
    "period_close",
    "periods_ensure",
    "work_order_invoice",
    "work_order_rate",
]
