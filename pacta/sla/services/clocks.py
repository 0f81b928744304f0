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
    kept = []
    for clock in clocks.clocks if clocks is not None else ():
        TicketClock.objects.update_or_create(
            ticket=ticket,
            name=clock.name,
            defaults={
                "budget": clock.budget,
                "used": clock.used,
                "remaining": clock.remaining,
                "state": clock.state,
                "risk": clock.risk,
                "due_at": clock.due_at,
                "breached_by": clock.breached_by,
                "completed_at": clock.completed_at,
                "evaluated_at": now,
            },
        )
        kept.append(clock.name)
    TicketClock.objects.filter(ticket=ticket).exclude(name__in=kept).delete()
