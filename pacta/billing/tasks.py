"""Background tasks of billing (run by `manage.py db_worker`); each is idempotent."""

from __future__ import annotations

from django_tasks import task

from pacta.accounts.access import SYSTEM
from pacta.billing.services import work_orders_rate
from pacta.billing.services.triggers import (
    quote_invoice_if_billed_on_acceptance,
    work_orders_invoice_per_job,
)
from pacta.service.selectors import RATEABLE_STATUSES, work_order_list


@task()
def work_orders_rate_task(work_order_ids: list[int]) -> dict[str, int]:
    """Rate those of ``work_order_ids`` that are completed (or accepted), then draft the
    invoice of those accepted on contracts billed per job; running it again writes nothing for
    work that has not changed. How many were rated, unchanged and invoiced."""
    completed = work_order_list(audience=SYSTEM).filter(
        pk__in=work_order_ids, status__in=RATEABLE_STATUSES
    )
    run = work_orders_rate(actor=None, work_orders=completed)
    # Accepted work on a contract billed per job: its invoice drafts itself, once.
    invoiced = work_orders_invoice_per_job(work_order_ids=work_order_ids)
    return {"rated": run.rated, "unchanged": run.unchanged, "invoiced": len(invoiced)}


@task()
def quote_invoice_task(quote_id: int) -> dict[str, int | None]:
    """Draft the invoice of an accepted quote billed on acceptance; running it again writes
    nothing (the invoice is found by its key)."""
    invoice = quote_invoice_if_billed_on_acceptance(quote_id=quote_id)
    return {"invoice": invoice.pk if invoice is not None else None}
