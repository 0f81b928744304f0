"""A ticket's SLA clocks as a pure function of its events and "now".

Each target (first response, resolution, customer updates, and any a policy adds) is a budget of
business time on the policy's calendar. The clock of a target runs while the ticket is open, not
paused and not resolved. What a kind of target does on each event is data (:class:`TargetKind`):
an event may complete its clock (a first response completes "response"; resolving completes
"resolution" and "update"), start a completed clock again with the time it had used (reopening
starts "resolution" again), or end the clock's current *cycle* and start a new one from zero (a
recurring target: the first response, every update to the customer and a reopening each start a
new cycle of "update"). Time spent paused or resolved never counts, and it is measured in
business time like everything else.

A change of priority or of policy keeps the time already used: only the budget changes (and,
for a policy, the calendar the clock runs on from then on). A budget that shrinks below the time
already used is breached at the instant the used time passed the new budget.

For each target the evaluation gives, for its current cycle (a one-shot target has one), the due
instant, the business time used and remaining, and a risk level from the share of the budget used
(the policy's thresholds; 75% warning and 90% critical by default); and over the whole ticket its
state (breached if any cycle used more than its budget — a missed update stays a fact — else met
once completed, else pending), how far past due at worst, and how many cycles were breached. A
due instant is where the budget would run out if the clock ran on from "now" without pausing; for
a cycle past its budget it is the instant the budget ran out; for a completed clock, from the
instant it was completed. A cycle that ends is judged against the budget in force when it ends.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from pacta.domain.calendar import BusinessCalendar
from pacta.domain.errors import FieldErrors, InvalidInput
from pacta.domain.text import gettext_noop

_ZERO = dt.timedelta(0)


def _utc(moment: dt.datetime) -> dt.datetime:
    """The real instant. Python compares two datetimes of one zone by their wall clocks,
    ignoring ``fold`` (an autumn 01:30 on its second pass sorts before 01:59 on its first), so
    every comparison here is between UTC values."""
    return moment.astimezone(dt.UTC)


OPEN, RESPOND, UPDATE, PAUSE, RESUME, RESOLVE, REOPEN = (
    "open",
    "respond",
    "update",
    "pause",
    "resume",
    "resolve",
    "reopen",
)
PRIORITY, POLICY = "priority", "policy"
EVENT_KINDS = frozenset({OPEN, RESPOND, UPDATE, PAUSE, RESUME, RESOLVE, REOPEN, PRIORITY, POLICY})

PENDING, MET, BREACHED = "pending", "met", "breached"
#: Risk levels, from calm to lost.
OK, WARNING, CRITICAL = "ok", "warning", "critical"
RISK_ORDER = {MET: 0, OK: 1, WARNING: 2, CRITICAL: 3, BREACHED: 4}


@dataclass(frozen=True)
class TargetKind:
    """What the events of a ticket do to the clock of a kind of target.

    ``completed_by``: the events that complete it (it stops; met unless breached).
    ``resumed_by``: the events that start a completed clock again, with the time it had used.
    ``restarts_on``: the events that end its current cycle and start a new one from zero (a
    recurring target; each cycle is judged against the budget on its own).
    """

    name: str
    completed_by: frozenset[str] = frozenset()
    resumed_by: frozenset[str] = frozenset()
    restarts_on: frozenset[str] = frozenset()


RESPONSE = TargetKind("response", completed_by=frozenset({RESPOND}))
RESOLUTION = TargetKind(
    "resolution", completed_by=frozenset({RESOLVE}), resumed_by=frozenset({REOPEN})
)
#: The customer hears from us at least every so much business time while the ticket is open.
UPDATES = TargetKind(
    "update", completed_by=frozenset({RESOLVE}), restarts_on=frozenset({RESPOND, UPDATE, REOPEN})
)
STANDARD_KINDS = (RESPONSE, RESOLUTION, UPDATES)


@dataclass(frozen=True)
class SlaPolicy:
    """Budgets per priority and target, risk thresholds (percent of a budget used)."""

    name: str
    targets: Mapping[str, Mapping[str, dt.timedelta]]
    kinds: tuple[TargetKind, ...] = STANDARD_KINDS
    warning_percent: int = 75
    critical_percent: int = 90

    def __post_init__(self) -> None:
        errors = FieldErrors()
        names = {kind.name for kind in self.kinds}
        if not self.targets:
            errors.add("targets", gettext_noop("A policy needs targets for at least one priority."))
        for priority, budgets in self.targets.items():
            for name, budget in budgets.items():
                where = f"targets.{priority}.{name}"
                if name not in names:
                    errors.add(where, gettext_noop("This policy has no such target."))
                elif not isinstance(budget, dt.timedelta) or budget <= _ZERO:
                    errors.add(where, gettext_noop("A target is a positive duration."))
        if not 0 < self.warning_percent < self.critical_percent <= 100:
            errors.add(
                "warning_percent",
                gettext_noop("Thresholds must satisfy 0 < warning < critical <= 100 percent."),
            )
        errors.raise_if_any()

    def budgets(self, priority: str) -> Mapping[str, dt.timedelta]:
        """The targets of ``priority``; none when the policy sets none (no clock runs)."""
        return self.targets.get(priority, {})


@dataclass(frozen=True)
class SlaTerms:
    """The policy and the calendar its clocks run on."""

    policy: SlaPolicy
    calendar: BusinessCalendar


@dataclass(frozen=True)
class SlaEvent:
    """Something that happened to a ticket. ``open`` and ``priority`` carry the priority;
    ``policy`` carries the new terms."""

    at: dt.datetime
    kind: str
    priority: str | None = None
    terms: SlaTerms | None = None


@dataclass(frozen=True)
class Clock:
    """One target's clock: ``budget``, ``used``, ``remaining``, ``due_at`` and ``risk`` are
    those of its current cycle (a one-shot target has one; once the clock is completed its risk
    is its state, met or breached); ``state``, ``breached_by`` (the worst overshoot) and
    ``breaches`` (how many cycles used more than the budget: 0 or 1 for a one-shot target)
    cover them all. ``cycle`` counts the cycles before the current one."""

    name: str
    budget: dt.timedelta
    used: dt.timedelta
    remaining: dt.timedelta
    state: str
    risk: str
    due_at: dt.datetime | None
    breached_by: dt.timedelta
    completed_at: dt.datetime | None
    breaches: int = 0
    cycle: int = 0


@dataclass(frozen=True)
class Step:
    """One event and the time each clock had used once it was applied (for the history)."""

    at: dt.datetime
    kind: str
    used: Mapping[str, dt.timedelta]
    note: str = ""


@dataclass(frozen=True)
class TicketClocks:
    clocks: tuple[Clock, ...]
    paused: dt.timedelta
    priority: str
    is_paused: bool
    is_resolved: bool
    risk: str
    next_due_at: dt.datetime | None
    risk_changes_at: dt.datetime | None
    history: tuple[Step, ...] = field(default_factory=tuple)

    def clock(self, name: str) -> Clock:
        return next(c for c in self.clocks if c.name == name)


@dataclass
class _Running:
    """A target's clock during the walk over the events (``used`` and ``periods``: of its
    current cycle)."""

    kind: TargetKind
    used: float = 0.0
    done: bool = False
    completed_at: dt.datetime | None = None
    # (start, business seconds used before it, seconds in it, calendar) of each counted period
    periods: list[tuple[dt.datetime, float, float, BusinessCalendar]] = field(default_factory=list)
    cycle: int = 0
    breaches: int = 0  # of the cycles that ended
    worst: float = 0.0  # the largest overshoot of a cycle that ended (seconds)

    def restart(self, budget: dt.timedelta | None) -> None:
        """End the current cycle, judged against ``budget`` (None: the terms set none), and
        start a new one from zero."""
        if budget is not None and self.used > budget.total_seconds():
            self.breaches += 1
            self.worst = max(self.worst, self.used - budget.total_seconds())
        self.used, self.periods, self.cycle = 0.0, [], self.cycle + 1
        self.done, self.completed_at = False, None

    def passed_at(self, amount: float) -> dt.datetime | None:
        """The instant this clock's used time reached ``amount`` (None if it never did)."""
        for start, before, seconds, calendar in self.periods:
            if before < amount <= before + seconds:
                return calendar.add(start, dt.timedelta(seconds=amount - before))
        return None


def _refuse(index: int, message: str) -> InvalidInput:
    return InvalidInput.on(f"events[{index}]", message, code="events_out_of_order")


def risk_level(
    used: float, budget: float, *, warning_percent: int = 75, critical_percent: int = 90
) -> str:
    """The risk of a running clock that used ``used`` of ``budget`` (seconds): breached past
    the budget; critical or warning from the share used; ok below."""
    if used > budget:
        return BREACHED
    if used * 100 >= budget * critical_percent:
        return CRITICAL
    if used * 100 >= budget * warning_percent:
        return WARNING
    return OK


def _risk(used: float, budget: float, policy: SlaPolicy) -> str:
    return risk_level(
        used,
        budget,
        warning_percent=policy.warning_percent,
        critical_percent=policy.critical_percent,
    )


def evaluate_clocks(
    events: Sequence[SlaEvent], *, terms: SlaTerms, now: dt.datetime
) -> TicketClocks:
    """The clocks of a ticket whose ``events`` (in time order, ``open`` first) happened under
    ``terms``, as they stand at ``now`` (not before the last event)."""
    if not events or events[0].kind != OPEN:
        raise InvalidInput.on("events", gettext_noop("A ticket's events start with its opening."))
    opening = events[0]
    if opening.priority is None:
        raise InvalidInput.on("events[0]", gettext_noop("The opening gives the priority."))
    if now.tzinfo is None:
        raise InvalidInput.on("now", gettext_noop("Now needs a time zone."))
    if opening.terms is not None:
        terms = opening.terms
    priority = opening.priority
    budgets = terms.policy.budgets(priority)
    # Every kind of target keeps time from the opening; the budgets say which are reported.
    clocks = [_Running(kind) for kind in terms.policy.kinds]
    paused = resolved = False
    paused_seconds = 0.0
    history = [
        Step(opening.at, OPEN, {c.kind.name: _ZERO for c in clocks if c.kind.name in budgets})
    ]
    previous = opening.at

    def elapse(until: dt.datetime) -> None:
        nonlocal paused_seconds
        calendar = terms.calendar
        if not paused and not resolved:
            seconds = calendar.between(previous, until).total_seconds()
            if seconds:
                for clock in clocks:
                    if not clock.done:
                        clock.periods.append((previous, clock.used, seconds, calendar))
                        clock.used += seconds
        elif paused and not resolved:
            paused_seconds += calendar.between(previous, until).total_seconds()

    for index, event in enumerate(events[1:], start=1):
        if event.kind not in EVENT_KINDS:
            raise _refuse(index, gettext_noop("Unknown event."))
        if _utc(event.at) < _utc(previous):
            raise _refuse(index, gettext_noop("Events must be in time order."))
        elapse(event.at)
        previous = event.at
        note = ""
        if event.kind == OPEN:
            raise _refuse(index, gettext_noop("A ticket opens once."))
        if event.kind in (PAUSE, RESUME, RESPOND, UPDATE) and resolved:
            raise _refuse(index, gettext_noop("The ticket is resolved: reopen it first."))
        if event.kind == PAUSE:
            if paused:
                raise _refuse(index, gettext_noop("The ticket is already paused."))
            paused = True
        elif event.kind == RESUME:
            if not paused:
                raise _refuse(index, gettext_noop("The ticket is not paused."))
            paused = False
        elif event.kind == RESOLVE:
            if resolved:
                raise _refuse(index, gettext_noop("The ticket is already resolved."))
            resolved, paused = True, False
        elif event.kind == REOPEN:
            if not resolved:
                raise _refuse(index, gettext_noop("Only a resolved ticket is reopened."))
            resolved = False
        elif event.kind == PRIORITY:
            if event.priority is None:
                raise _refuse(index, gettext_noop("A priority change gives the new priority."))
            note = f"{priority} → {event.priority}"
            priority = event.priority
            budgets = terms.policy.budgets(priority)
        elif event.kind == POLICY:
            if event.terms is None:
                raise _refuse(index, gettext_noop("A policy change gives the new terms."))
            note = f"{terms.policy.name} → {event.terms.policy.name}"
            terms = event.terms
            budgets = terms.policy.budgets(priority)
        for clock in clocks:
            kind = clock.kind
            if event.kind in kind.restarts_on:
                clock.restart(budgets.get(kind.name))
            elif event.kind in kind.completed_by and not clock.done:
                clock.done, clock.completed_at = True, event.at
            elif event.kind in kind.resumed_by and clock.done:
                clock.done, clock.completed_at = False, None
        shown = {c.kind.name: _seconds(c.used) for c in clocks if c.kind.name in budgets}
        history.append(Step(event.at, event.kind, shown, note))

    if _utc(now) < _utc(previous):
        raise InvalidInput.on("now", gettext_noop("Now cannot be before the last event."))
    elapse(now)
    return _result(clocks, terms, budgets, priority, paused, resolved, paused_seconds, now, history)


def _seconds(value: float) -> dt.timedelta:
    return dt.timedelta(seconds=value)


def _result(
    clocks: Iterable[_Running],
    terms: SlaTerms,
    budgets: Mapping[str, dt.timedelta],
    priority: str,
    paused: bool,
    resolved: bool,
    paused_seconds: float,
    now: dt.datetime,
    history: list[Step],
) -> TicketClocks:
    policy, calendar = terms.policy, terms.calendar
    running = not paused and not resolved
    results: list[Clock] = []
    upcoming: list[dt.datetime] = []
    pending_dues: list[dt.datetime] = []
    for clock in clocks:
        name = clock.kind.name
        if name not in budgets:
            continue  # the new terms drop this target
        budget = budgets[name].total_seconds()
        used = clock.used
        over = used > budget
        breaches = clock.breaches + over
        if over:
            due_at = clock.passed_at(budget)
            risk = BREACHED
        else:
            # A completed clock's due instant is counted from its completion, so it stays put.
            since = clock.completed_at if clock.done and clock.completed_at else now
            due_at = calendar.add(since, _seconds(budget - used))
            if clock.done:
                risk = BREACHED if breaches else MET
            else:
                risk = _risk(used, budget, policy)
                pending_dues.append(due_at)
                if running:
                    for percent in (policy.warning_percent, policy.critical_percent):
                        threshold = budget * percent / 100
                        if used < threshold:
                            upcoming.append(calendar.add(now, _seconds(threshold - used)))
                    # breached once past due: the first business microsecond after it
                    upcoming.append(calendar.add(now, _seconds(budget - used + 1e-6)))
        results.append(
            Clock(
                name=name,
                budget=budgets[name],
                used=_seconds(used),
                remaining=_seconds(max(budget - used, 0.0)),
                state=BREACHED if breaches else MET if clock.done else PENDING,
                risk=risk,
                due_at=due_at,
                breached_by=_seconds(max(used - budget, clock.worst, 0.0)),
                completed_at=clock.completed_at,
                breaches=breaches,
                cycle=clock.cycle,
            )
        )
    now_utc = _utc(now)
    worst = max((RISK_ORDER[c.risk] for c in results if c.state != MET), default=0)
    return TicketClocks(
        clocks=tuple(results),
        paused=_seconds(paused_seconds),
        priority=priority,
        is_paused=paused,
        is_resolved=resolved,
        risk=next(level for level, rank in RISK_ORDER.items() if rank == worst),
        next_due_at=min(pending_dues, key=_utc, default=None),
        risk_changes_at=min((t for t in upcoming if _utc(t) > now_utc), key=_utc, default=None),
        history=tuple(history),
    )
