"""Storing the clocks of tickets (derived from their audited events)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from pacta.audit.services import rows_update
from pacta.domain.sla import TicketClocks
from pacta.sla.models import TicketClock

#: What an evaluation writes on a stored clock.
_FIELDS = [
    "budget",
    "used",
    "remaining",
    "state",
    "risk",
    "due_at",
    "breached_by",
    "breaches",
    "completed_at",
    "evaluated_at",
]


def ticket_clocks_store(*, ticket: Any, clocks: TicketClocks | None, now: dt.datetime) -> None:
    """Replace the stored clocks of ``ticket`` with ``clocks`` (none: the ticket has no SLA)."""
    tickets_clocks_store(clocks=[(ticket, clocks)], now=now)


@transaction.atomic
def tickets_clocks_store(
    *, clocks: Sequence[tuple[Any, TicketClocks | None]], now: dt.datetime
) -> None:
    """Replace the stored clocks of each ticket with its clocks (none: the ticket has no SLA),
    in a few writes whatever the number of tickets: one read, one insert, one update, one
    delete.

    Clocks are derived from the ticket's events, which are audited; they are rewritten here
    without an audit row of their own.
    """
    stored = {
        (row.ticket_id, row.name): row
        for row in TicketClock.objects.filter(ticket_id__in=[ticket.pk for ticket, _ in clocks])
    }
    created: list[TicketClock] = []
    updated: list[TicketClock] = []
    for ticket, evaluated in clocks:
        for clock in evaluated.clocks if evaluated is not None else ():
            row = stored.pop((ticket.pk, clock.name), None)
            if row is None:
                row = TicketClock(ticket=ticket, name=clock.name)
                created.append(row)
            else:
                updated.append(row)
            row.budget, row.used, row.remaining = clock.budget, clock.used, clock.remaining
            row.state, row.risk, row.due_at = clock.state, clock.risk, clock.due_at
            row.breached_by, row.breaches = clock.breached_by, clock.breaches
            row.completed_at = clock.completed_at
            row.evaluated_at = now
    rows_update(TicketClock, updated, _FIELDS)
    if created:
        TicketClock.objects.bulk_create(created)
    if stored:  # targets the terms no longer have
        TicketClock.objects.filter(pk__in=[row.pk for row in stored.values()]).delete()
