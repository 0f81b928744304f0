"""Storing the clocks of tickets (derived from their audited events)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from pacta.domain.sla import TicketClocks
from pacta.sla.models import TicketClock


@transaction.atomic
def ticket_clocks_store(*, ticket: Any, clocks: TicketClocks | None, now: dt.datetime) -> None:
    """Replace the stored clocks of ``ticket`` with ``clocks`` (none: the ticket has no SLA).

    Clocks are derived from the ticket's events, which are audited; they are rewritten here
    without an audit row of their own.
    """
    stored = {clock.name: clock for clock in TicketClock.objects.filter(ticket=ticket)}
    for clock in clocks.clocks if clocks is not None else ():
        values = {
            "budget": clock.budget,
            "used": clock.used,
            "remaining": clock.remaining,
            "state": clock.state,
            "risk": clock.risk,
            "due_at": clock.due_at,
            "breached_by": clock.breached_by,
            "completed_at": clock.completed_at,
            "evaluated_at": now,
        }
        row = stored.pop(clock.name, None)
        if row is None:
            TicketClock.objects.create(ticket=ticket, name=clock.name, **values)
        else:
            for field, value in values.items():
                setattr(row, field, value)
            row.save(update_fields=list(values))
    if stored:  # targets the terms no longer have
        TicketClock.objects.filter(pk__in=[row.pk for row in stored.values()]).delete()
