"""Storing the clocks of tickets (derived from their audited events)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from pacta.audit.services import rows_write
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


@transaction.atomic(savepoint=False)
def tickets_clocks_store(
    *, clocks: Sequence[tuple[Any, TicketClocks | None]], now: dt.datetime
) -> None:
    """Replace the stored clocks of each ticket with its clocks (none: the ticket has no SLA),
    in a few writes whatever the number of tickets: one read (of the stored clocks' ids), one
    insert, one update, one delete.

    Clocks are derived from the ticket's events, which are audited; they are rewritten here
    without an audit row of their own.
    """
    rows = TicketClock.objects.filter(ticket_id__in=[ticket.pk for ticket, _ in clocks])
    stored = {
        (ticket_id, name): pk
        for pk, ticket_id, name in rows.order_by().values_list("pk", "ticket_id", "name")
    }
    created: list[TicketClock] = []
    updated: list[tuple[Any, ...]] = []
    for ticket, evaluated in clocks:
        for clock in evaluated.clocks if evaluated is not None else ():
            values = (
                clock.budget,
                clock.used,
                clock.remaining,
                clock.state,
                clock.risk,
                clock.due_at,
                clock.breached_by,
                clock.breaches,
                clock.completed_at,
                now,
            )
            pk = stored.pop((ticket.pk, clock.name), None)
            if pk is None:
                created.append(
                    TicketClock(
                        ticket=ticket, name=clock.name, **dict(zip(_FIELDS, values, strict=True))
                    )
                )
            else:
                updated.append((pk, *values))
    rows_write(TicketClock, _FIELDS, updated)
    if created:
        TicketClock.objects.bulk_create(created)
    if stored:  # targets the terms no longer have
        TicketClock.objects.filter(pk__in=list(stored.values())).delete()
