"""Writing billing records: ratings and their charge lines, credits, billing periods,
invoices and credit notes, invoice runs, payments and disputes (later SEPA).

Each module holds one concept's write path; this package re-exports the public services so
callers import ``pacta.billing.services``.
"""

from pacta.billing.services.batch import (
    RatingRun,
    work_order_rate_after_commit,
    work_order_rate_if_done,
    work_orders_rate,
)
from pacta.billing.services.costs import cost_rate_create
from pacta.billing.services.credits import (
    credit_goodwill_grant,
    credit_reverse,
    credit_write_off,
    credits_sla_breach_compute,
)
from pacta.billing.services.disputes import dispute_raise, dispute_rate, dispute_resolve
from pacta.billing.services.invoices import (
    INVOICE,
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
    quote_invoice,
    work_order_invoice,
)
from pacta.billing.services.payments import (
    bank_line_resolve,
    bank_statement_import,
    customer_credit,
    payment_allocate,
    payment_record,
)
from pacta.billing.services.periods import (
    BILLING_TERMS,
    billing_terms_create,
    billing_terms_delete,
    billing_terms_update,
    periods_ensure,
)
from pacta.billing.services.rating import charge_line_decide, work_order_rate
from pacta.billing.services.runs import invoice_run
from pacta.billing.services.sepa import (
    SEPA_CREDITOR,
    SEPA_MANDATE,
    sepa_batch_create,
    sepa_creditor_create,
    sepa_creditor_update,
    sepa_mandate_create,
    sepa_mandate_revoke,
    sepa_mandate_update,
)

__all__ = [
    "BILLING_TERMS",
    "INVOICE",
    "SEPA_CREDITOR",
    "SEPA_MANDATE",
    "RatingRun",
    "bank_line_resolve",
    "bank_statement_import",
    "billing_mode_of",
    "billing_terms_create",
    "billing_terms_delete",
    "billing_terms_update",
    "charge_line_decide",
    "charge_lines_pending",
    "cost_rate_create",
    "credit_goodwill_grant",
    "credit_note_create",
    "credit_reverse",
    "credit_write_off",
    "credits_sla_breach_compute",
    "customer_credit",
    "customer_invoice_pending",
    "dispute_raise",
    "dispute_rate",
    "dispute_resolve",
    "invoice_delete",
    "invoice_issue",
    "invoice_outstanding",
    "invoice_run",
    "invoice_settle",
    "invoice_update",
    "payment_allocate",
    "payment_record",
    "period_close",
    "periods_ensure",
    "quote_invoice",
    "sepa_batch_create",
    "sepa_creditor_create",
    "sepa_creditor_update",
    "sepa_mandate_create",
    "sepa_mandate_revoke",
    "sepa_mandate_update",
    "work_order_invoice",
    "work_order_rate",
    "work_order_rate_after_commit",
    "work_order_rate_if_done",
    "work_orders_rate",
]
