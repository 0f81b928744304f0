"""Background tasks of the documents (run by `manage.py db_worker`); each is idempotent."""

from __future__ import annotations

from django_tasks import task

from pacta.reports.services import closure_report_deliver, inspection_report_deliver


@task()
def closure_report_send(work_order_id: int) -> str | None:
    """Issue a completed work order's closure report and e-mail it (once); the stored PDF's
    path, or None when the work order is not completed."""
    issued = closure_report_deliver(work_order_id=work_order_id)
    return issued.file.name if issued is not None else None


@task()
def inspection_report_send(inspection_id: int) -> str | None:
    """Issue a finished inspection's report and e-mail it (once); the stored PDF's path."""
    issued = inspection_report_deliver(inspection_id=inspection_id)
    return issued.file.name if issued is not None else None
