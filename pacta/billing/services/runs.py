"""Invoice runs: every contract period ended by a day, closed into an invoice draft.

- Idempotent: a period is closed once (its state and the unique invoice key), so a second run
  finds nothing to do and writes no invoice.
- Safe with many workers on PostgreSQL: each worker takes the next open period with
  ``SELECT … FOR UPDATE SKIP LOCKED``, so two workers never hold the same period; the unique
  (contract, start) key of periods and the unique key of invoices are the backstop.
- Crash-safe: each period is closed in its own transaction, so a run killed mid-way leaves
  whole invoices only, and the next run closes the rest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from pacta.accounts.access import SYSTEM
from pacta.audit.services import Actor, actor_user
from pacta.billing.models import ContractPeriod, InvoiceRun, PeriodState, RunState
from pacta.billing.services.invoices import period_close
from pacta.billing.services.periods import BILLED_STATUSES, periods_ensure
from pacta.contracts.selectors import contract_list
from pacta.domain import invoicing
from pacta.domain.errors import PactaError

Progress = Callable[[int, int], None]


def _due(until: dt.date) -> Any:
    return ContractPeriod.objects.filter(state=PeriodState.OPEN, ends_on__lte=until)


def invoice_run(
    *,
    actor: Actor,
    until: dt.date,
    now: dt.datetime | None = None,
    progress: Progress | None = None,
) -> InvoiceRun:
    """Close every open period that ended by ``until`` (which must be past) into a draft;
    ``progress(done, total)`` is told after each period. A period refused (no terms, no tax
    rate for its fee) stays open and is listed in the run's errors; the others go on."""
    now = now or timezone.now()
    invoicing.period_check_ended(ends_on=until, today=timezone.localdate(now))
    run = InvoiceRun.objects.create(through=until, started_at=now, started_by=actor_user(actor))
    try:
        contracts = contract_list(audience=SYSTEM).filter(
            status__in=BILLED_STATUSES, starts_on__lte=until
        )
        for contract in contracts.iterator(chunk_size=500):
            periods_ensure(contract=contract, until=until, now=now)
        run.skipped = (
            ContractPeriod.objects.filter(ends_on__lte=until)
            .exclude(state=PeriodState.OPEN)
            .count()
        )
        total = _due(until).count()
        refused: set[int] = set()
        done = 0
        while True:
            with transaction.atomic():
                period = (
                    _due(until)
                    .exclude(pk__in=refused)
                    .select_for_update(skip_locked=True)
                    .order_by("pk")
                    .first()
                )
                if period is None:
                    break
                try:
                    with transaction.atomic():
                        invoice = period_close(actor=actor, period=period, now=now, run=run)
                except PactaError as error:
                    refused.add(period.pk)
                    run.errors.append(
                        {
                            "period": period.pk,
                            "contract": period.contract_id,
                            "starts_on": period.starts_on.isoformat(),
                            "code": error.code,
                            "detail": error.message,
                        }
                    )
                    invoice = None
                else:
                    run.periods += 1
                    if invoice is not None:
                        run.lines += invoice.lines.count()
            done += 1
            if progress is not None:
                progress(done, max(total, done))
    except BaseException:
        run.state = RunState.FAILED
        run.finished_at = timezone.now()
        run.save()
        raise
    run.state = RunState.FINISHED
    run.finished_at = timezone.now()
    run.save()
    return run
