"""Invoice runs: every contract period ended by a day, closed into an invoice draft.

- Idempotent: a period is closed once (its state and the unique invoice key), so a second run
  finds nothing to do and writes no invoice.
- Safe with many workers on PostgreSQL: a worker takes a batch of open periods with
  ``SELECT … FOR UPDATE SKIP LOCKED``, so two workers never hold the same period (each takes
  the next ones the other does not hold); the unique keys of periods, invoices and billed
  charge lines are the backstop.
- Crash-safe: a batch is closed in one transaction, so a run killed mid-way leaves whole
  invoices only (never an invoice without its lines, nor a period closed without its invoice),
  and the next run closes the rest.
- Fast: what closing reads is read for the batch at once (:class:`PeriodFacts`), and the
  batch's invoices, lines, tax totals, periods and audit rows are each written in one insert
  or update. A period refused (no terms, no tax rate for its fee) is left open and reported;
  the rest of its batch is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from pacta.accounts.access import SYSTEM
from pacta.audit.services import Actor, actor_user
from pacta.billing.models import ContractPeriod, InvoiceRun, PeriodState, RunState
from pacta.billing.services.credits import sla_credits_before_close
from pacta.billing.services.invoices import PeriodFacts, period_close, periods_write
from pacta.billing.services.periods import BILLED_STATUSES, periods_ensure_many
from pacta.contracts.selectors import contract_list
from pacta.domain import invoicing
from pacta.domain.errors import PactaError

Progress = Callable[[int, int], None]
#: Periods read (and contracts' facts preloaded) at a time.
BATCH = 500


def _due(until: dt.date) -> Any:
    return ContractPeriod.objects.filter(state=PeriodState.OPEN, ends_on__lte=until)


def _refusal(period: ContractPeriod, error: PactaError) -> dict[str, Any]:
    return {
        "period": period.pk,
        "contract": period.contract_id,
        "starts_on": period.starts_on.isoformat(),
        "code": error.code,
        "detail": error.message,
    }


def _close_batch(
    actor: Actor, until: dt.date, after: int, size: int, now: dt.datetime, run: InvoiceRun
) -> tuple[int | None, int, int, list[dict[str, Any]]]:
    """Take the next open periods after ``after`` that no other worker holds and close them in
    one transaction: (last period id seen or None when none is left, periods closed, invoice
    lines written, refusals)."""
    with transaction.atomic():
        periods = list(
            _due(until)
            .filter(pk__gt=after)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("contract__customer")
            .order_by("pk")[:size]
        )
        if not periods:
            return None, 0, 0, []
        refused_credit = sla_credits_before_close(periods, now=now)
        closing = [period for period in periods if period.pk not in refused_credit]
        _written, refused, lines = periods_write(
            actor=actor, periods=closing, facts=PeriodFacts(closing), now=now, run=run
        )
        refused = {**refused, **refused_credit}
    refusals = [_refusal(p, refused[p.pk]) for p in periods if p.pk in refused]
    return periods[-1].pk, len(periods) - len(refused), lines, refusals


def _close_singly(
    actor: Actor, until: dt.date, after: int, size: int, now: dt.datetime, run: InvoiceRun
) -> tuple[int | None, int, int, list[dict[str, Any]]]:
    """The batch after ``after``, each period in its own transaction from fresh reads."""
    last, closed, lines, refusals = None, 0, 0, []
    for period in _due(until).filter(pk__gt=after).order_by("pk")[:size]:
        last = period.pk
        try:
            invoice = period_close(actor=actor, period=period, now=now, run=run)
        except PactaError as error:
            refusals.append(_refusal(period, error))
            continue
        closed += 1
        lines += invoice.lines.count() if invoice is not None else 0
    return last, closed, lines, refusals


def invoice_run(
    *,
    actor: Actor,
    until: dt.date,
    now: dt.datetime | None = None,
    progress: Progress | None = None,
    batch: int = BATCH,
) -> InvoiceRun:
    """Close every open period that ended by ``until`` (which must be past) into a draft, a
    batch of periods at a time; ``progress(done, total)`` is told after each batch. A period
    refused (no terms, no tax rate for its fee) stays open and is listed in the run's errors;
    the others go on."""
    now = now or timezone.now()
    invoicing.period_check_ended(ends_on=until, today=timezone.localdate(now))
    run = InvoiceRun.objects.create(through=until, started_at=now, started_by=actor_user(actor))
    try:
        contracts = contract_list(audience=SYSTEM).filter(
            status__in=BILLED_STATUSES, starts_on__lte=until
        )
        chunk: list[Any] = []
        # What periods_ensure_many reads of a contract, as values: no model instance each.
        rows = contracts.order_by("pk").values_list(
            "pk", "status", "starts_on", "ends_on", named=True
        )
        for contract in rows.iterator(chunk_size=BATCH):
            chunk.append(contract)
            if len(chunk) == BATCH:
                periods_ensure_many(contracts=chunk, until=until, now=now)
                chunk = []
        periods_ensure_many(contracts=chunk, until=until, now=now)
        run.skipped = (
            ContractPeriod.objects.filter(ends_on__lte=until)
            .exclude(state=PeriodState.OPEN)
            .count()
        )
        total = _due(until).count()
        done, after = 0, 0
        while True:
            try:
                last, closed, lines, refusals = _close_batch(actor, until, after, batch, now, run)
            except IntegrityError:
                # Read stale (a line billed meanwhile by another path): this batch again, one
                # period at a time from fresh reads.
                last, closed, lines, refusals = _close_singly(actor, until, after, batch, now, run)
            if last is None:
                break
            after = last
            run.periods += closed
            run.lines += lines
            run.errors.extend(refusals)
            done += closed + len(refusals)
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
