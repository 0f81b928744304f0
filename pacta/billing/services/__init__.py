"""Writing billing records: ratings and their charge lines, credits (later invoices, payments,
SEPA).

Each module holds one concept's write path; this package re-exports the public services so
callers import ``pacta.billing.services``.
"""

from pacta.billing.services.batch import (
    RatingRun,
    work_order_rate_after_commit,
    work_orders_rate,
)
from pacta.billing.services.credits import (
    credit_goodwill_grant,
    credit_reverse,
    credit_write_off,
    credits_sla_breach_compute,
)
from pacta.billing.services.rating import charge_line_decide, work_order_rate

__all__ = [
    "RatingRun",
    "charge_line_decide",
    "credit_goodwill_grant",
    "credit_reverse",
    "credit_write_off",
    "credits_sla_breach_compute",
    "work_order_rate",
    "work_order_rate_after_commit",
    "work_orders_rate",
]
