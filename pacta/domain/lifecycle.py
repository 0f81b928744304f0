"""A contract's lifecycle: which status may follow which, and when.

draft ──► active ◄──► suspended
            │  ▲          │
            ▼  │ renewed  │
         expired ◄────────┘
            │
 active / suspended / expired ──► terminated (final)

A draft is not terminated: it was never in force, so it is deleted instead.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pacta.domain.errors import Conflict
from pacta.domain.text import gettext_noop


class ContractStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    EXPIRED = "expired"
    TERMINATED = "terminated"


S = ContractStatus

TRANSITIONS: dict[ContractStatus, frozenset[ContractStatus]] = {
    S.DRAFT: frozenset({S.ACTIVE}),
    S.ACTIVE: frozenset({S.SUSPENDED, S.EXPIRED, S.TERMINATED}),
    S.SUSPENDED: frozenset({S.ACTIVE, S.EXPIRED, S.TERMINATED}),
    S.EXPIRED: frozenset({S.ACTIVE, S.TERMINATED}),
    S.TERMINATED: frozenset(),
}


class TransitionRefused(Conflict):
    code = "status_transition_refused"


def check_transition(
    current: ContractStatus,
    target: ContractStatus,
    *,
    ends_on: date | None,
    today: date,
    version_count: int,
) -> None:
    """Raise :class:`TransitionRefused` unless a contract may go from ``current`` to ``target``."""
    if target not in TRANSITIONS[current]:
        raise TransitionRefused(
            gettext_noop("A contract cannot go from %(current)s to %(target)s."),
            params={"current": current.value, "target": target.value},
        )
    if target is S.ACTIVE and version_count == 0:
        raise TransitionRefused(
            gettext_noop("A contract needs its terms (a first version) before it is activated."),
            code="no_terms",
        )
    if target is S.ACTIVE and ends_on is not None and ends_on < today:
        raise TransitionRefused(
            gettext_noop(
                "The contract ended on %(ends_on)s; extend its end date before activating it."
            ),
            code="contract_ended",
            params={"ends_on": ends_on.isoformat()},
        )
    if target is S.EXPIRED and (ends_on is None or ends_on >= today):
        raise TransitionRefused(
            gettext_noop("A contract expires only after its end date."),
            code="not_ended",
        )


def accepts_work(status: ContractStatus) -> bool:
    """Whether new requests may be opened under a contract in this status."""
    return status is S.ACTIVE
