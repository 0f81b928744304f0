"""Background tasks of billing (run by `manage.py db_worker`); each is idempotent."""

from __future__ import annotations

from django_tasks import task

from pacta.accounts.access import SYSTEM
from pacta.billing.services import work_orders_rate
from pacta.service.selectors import RATEABLE_STATUSES, work_order_list


@task()
def work_orders_rate_task(work_order_ids: list[int]) -> dict[str, int]:
    """Rate those of ``work_order_ids`` that are completed (or accepted); running it again
    writes nothing for work that has not changed. How many were rated and unchanged."""
    completed = work_order_list(audience=SYSTEM).filter(
        pk__in=work_order_ids, status__in=RATEABLE_STATUSES
    )
    run = work_orders_rate(actor=None, work_orders=completed)
    return {"rated": run.rated, "unchanged": run.unchanged}
