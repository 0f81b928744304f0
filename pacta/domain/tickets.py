"""A ticket's statuses and priorities, and what a change of status means for its SLA clocks."""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum

from pacta.domain.sla import PAUSE, REOPEN, RESOLVE, RESUME


class TicketStatus(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    CRITICAL = "critical"


#: Statuses in which nothing more is done: the clocks stop as at a resolution.
DONE = frozenset({TicketStatus.RESOLVED, TicketStatus.CLOSED, TicketStatus.CANCELLED})
#: Statuses that pause the clocks unless a policy says otherwise.
DEFAULT_PAUSING = frozenset({TicketStatus.WAITING})
#: Priorities from the least to the most urgent: escalation climbs one step.
LADDER = (Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.CRITICAL)


def escalated(priority: str) -> str:
    """The next priority up the ladder (critical stays critical)."""
    index = LADDER.index(Priority(priority))
    return LADDER[min(index + 1, len(LADDER) - 1)].value


def sla_events_for(old: str, new: str, pausing: Collection[str]) -> list[str]:
    """The SLA events a change of status from ``old`` to ``new`` makes, in order."""
    old_done, new_done = old in DONE, new in DONE
    old_paused = old in pausing and not old_done
    new_paused = new in pausing and not new_done
    if old_done and not new_done:
        return [REOPEN, PAUSE] if new_paused else [REOPEN]
    if new_done and not old_done:
        return [RESOLVE]
    if old_done or new_done:
        return []
    if old_paused and not new_paused:
        return [RESUME]
    if new_paused and not old_paused:
        return [PAUSE]
    return []
