"""A ticket's SLA: the events it records, and the clocks rebuilt from them.

Whatever moves the clocks — the opening, the first response, an update to the customer, a
status that pauses, resumes, resolves or reopens, a change of priority or of SLA policy — is
recorded as a TicketEvent. The
clocks are then computed again from the whole log (:func:`pacta.domain.sla.evaluate_clocks`)
and stored on the ticket, so they can always be rebuilt, audited and explained. An event is
checked before it is recorded, and a refused one leaves nothing behind.

One function rebuilds the clocks of any number of tickets (:func:`tickets_clocks_refresh`): an
event's service calls it for its one ticket, the sweep for a batch, and the work costs a few
queries whatever their number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pacta.audit.services import (
    Actor,
    actor_user,
    change_entry,
    change_record_bulk,
    record_update,
    records_insert,
    require_reason,
    rows_update,
    snapshot,
)
from pacta.comms.services import messages_queue
from pacta.contracts.selectors import contract_version_in_force
from pacta.domain import sla as domain
from pacta.domain import tickets as vocabulary
from pacta.domain.errors import Conflict, InvalidInput
from pacta.service.models import Channel, EventKind, Priority, Ticket, TicketEvent, TicketStatus
from pacta.service.selectors import ticket_pausing_statuses
from pacta.service.services.rescue import Escalation, tickets_rescue
from pacta.sla import selectors as sla_selectors
from pacta.sla import services as sla_services

#: How far past "now" an event may be dated (clocks of phones and PCs drift).
EVENT_TOLERANCE = dt.timedelta(minutes=5)


def _zone(ticket: Ticket) -> str | None:
    """The zone a site's clocks run in when it overrides its calendar's."""
    return ticket.site.time_zone if ticket.site.sla_in_site_time_zone else None


# --- reading the log ----------------------------------------------------------------------------
def _events_of(tickets: Sequence[Ticket]) -> dict[int, list[TicketEvent]]:
    """The event logs of ``tickets`` in one query, each in the order it happened. The policies
    and calendars the events name are the tickets' own (already read with them) when they are
    the same; any other is read once, shared by the events that name it."""
    logs: dict[int, list[TicketEvent]] = {ticket.pk: [] for ticket in tickets}
    events = list(
        TicketEvent.objects.filter(ticket_id__in=list(logs)).order_by("ticket_id", "at", "id")
    )
    policies, calendars = {}, {}
    for ticket in tickets:
        if Ticket.sla_policy.is_cached(ticket) and ticket.sla_policy is not None:
            policies[ticket.sla_policy_id] = ticket.sla_policy
        if Ticket.sla_calendar.is_cached(ticket) and ticket.sla_calendar is not None:
            calendars[ticket.sla_calendar_id] = ticket.sla_calendar
    for known, read, attname in (
        (policies, sla_selectors.sla_policies_by_id, "sla_policy_id"),
        (calendars, sla_selectors.calendars_by_id, "sla_calendar_id"),
    ):
        missing = {getattr(event, attname) for event in events} - set(known) - {None}
        if missing:
            known.update(read(missing))
    for event in events:
        event.sla_policy = policies.get(event.sla_policy_id)
        event.sla_calendar = calendars.get(event.sla_calendar_id)
        logs[event.ticket_id].append(event)
    return logs


def _sla_log(
    ticket: Ticket, log: Sequence[TicketEvent]
) -> tuple[list[domain.SlaEvent], domain.SlaTerms | None]:
    events: list[domain.SlaEvent] = []
    first: domain.SlaTerms | None = None
    for event in log:
        if event.kind == EventKind.STATUS:
            continue
        terms = None
        if event.kind in (EventKind.OPEN, EventKind.POLICY):
            terms = sla_selectors.sla_terms(
                event.sla_policy, event.sla_calendar, time_zone=_zone(ticket)
            )
            first = first or terms
        events.append(
            domain.SlaEvent(
                event.at,
                event.kind,
                priority=event.priority or None,
                terms=terms if event.kind == EventKind.POLICY else None,
            )
        )
    return events, first


def ticket_sla_log(ticket: Ticket) -> tuple[list[domain.SlaEvent], domain.SlaTerms | None]:
    """The ticket's events as the pure core's events, and the terms its clocks start on."""
    return _sla_log(ticket, _events_of([ticket])[ticket.pk])


def _evaluate(
    ticket: Ticket, log: Sequence[TicketEvent], now: dt.datetime
) -> domain.TicketClocks | None:
    events, terms = _sla_log(ticket, log)
    if terms is None or not events:
        return None
    return domain.evaluate_clocks(events, terms=terms, now=now)


def ticket_clocks_evaluate(
    ticket: Ticket, *, now: dt.datetime | None = None
) -> domain.TicketClocks | None:
    """The clocks as they stand at ``now``, computed from the log (None: no SLA)."""
    return _evaluate(ticket, _events_of([ticket])[ticket.pk], now or timezone.now())


# --- rebuilding the clocks ------------------------------------------------------------------------
#: The ticket's summary of its clocks, kept with it.
_SUMMARY = ["sla_risk", "sla_next_due_at", "sla_risk_changes_at", "sla_evaluated_at"]


def ticket_clocks_refresh(*, ticket: Ticket, now: dt.datetime | None = None) -> Any:
    """Compute the clocks from the log, store them, and raise the rescue actions their risk
    calls for. The ticket's summary (risk, next deadline, next change) is kept with it."""
    return tickets_clocks_refresh(tickets=[ticket], now=now)[ticket.pk]


def tickets_clocks_refresh(
    *, tickets: Sequence[Ticket], now: dt.datetime | None = None
) -> dict[int, domain.TicketClocks | None]:
    """Refresh the clocks of ``tickets`` as :func:`ticket_clocks_refresh` does one ticket's,
    in a few queries whatever their number: the event logs read at once, the clocks computed by
    the pure core, then the stored clocks, the tickets' summaries, the rescue actions and the
    escalations written in bulk, and the actions' e-mails queued in one write at the end. The
    clocks of each ticket, by id.

    One transaction: a ticket whose clocks cannot be computed refuses them all, and nothing is
    written. The tickets are expected locked by the caller (an event's service, the sweep)."""
    now = now or timezone.now()
    with transaction.atomic(savepoint=False):  # the caller's transaction when there is one
        messages: list[Any] = []
        evaluated = _refresh(tickets, now, messages)
        messages_queue(messages=messages, now=now)
    return evaluated


def _refresh(
    tickets: Sequence[Ticket], now: dt.datetime, messages: list[Any]
) -> dict[int, domain.TicketClocks | None]:
    """The work of :func:`tickets_clocks_refresh`, again for the tickets an escalation changed
    (their clocks take the new targets); the e-mails to queue are added to ``messages``."""
    logs = _events_of(tickets)
    evaluated = {ticket.pk: _evaluate(ticket, logs[ticket.pk], now) for ticket in tickets}
    sla_services.tickets_clocks_store(
        clocks=[(ticket, evaluated[ticket.pk]) for ticket in tickets], now=now
    )
    for ticket in tickets:
        clocks = evaluated[ticket.pk]
        ticket.sla_risk = clocks.risk if clocks is not None and clocks.clocks else ""
        ticket.sla_next_due_at = clocks.next_due_at if clocks is not None else None
        ticket.sla_risk_changes_at = (
            clocks.risk_changes_at
            if clocks is not None and ticket.status not in vocabulary.DONE
            else None
        )
        ticket.sla_evaluated_at = now
    rows_update(Ticket, tickets, _SUMMARY)
    episodes = {
        pk: sum(event.kind == EventKind.REOPEN for event in log) for pk, log in logs.items()
    }
    escalations = tickets_rescue(
        tickets=[ticket for ticket in tickets if evaluated[ticket.pk] is not None],
        clocks=evaluated,
        episodes=episodes,
        now=now,
        messages=messages,
    )
    if escalations:
        last = {pk: log[-1].at for pk, log in logs.items() if log}
        escalated = _tickets_escalate(escalations, last=last, now=now)
        evaluated.update(_refresh(escalated, now, messages))
    return evaluated


def _tickets_escalate(
    escalations: Sequence[Escalation], *, last: dict[int, dt.datetime], now: dt.datetime
) -> list[Ticket]:
    """Raise the priority of each ticket as its escalation says, as the sweep's system actor:
    an event, the ticket's new priority and an audit row each, written in bulk; the tickets
    whose clocks must now be refreshed (they keep their time and take the new targets)."""
    changes: dict[int, Escalation] = {}
    for escalation in escalations:  # the first a ticket's clocks call for
        changes.setdefault(escalation.ticket.pk, escalation)
    stored = Ticket.objects.in_bulk(list(changes))
    events, entries = [], []
    for pk, escalation in changes.items():
        _check_after_last(last.get(pk), now)
        current = stored[pk]
        before = snapshot(current)
        current.priority = escalation.ticket.priority = escalation.priority
        after = {**before, "priority": escalation.priority}  # the one field changed
        events.append(
            TicketEvent(
                ticket=escalation.ticket,
                at=now,
                kind=EventKind.PRIORITY,
                priority=escalation.priority,
                reason=escalation.reason,
            )
        )
        entries.append(
            change_entry(
                actor=None,
                instance=current,
                before=before,
                after=after,
                reason=escalation.reason,
                now=now,
            )
        )
    records_insert(TicketEvent, events)
    for priority in {escalation.priority for escalation in changes.values()}:
        pks = [pk for pk, escalation in changes.items() if escalation.priority == priority]
        Ticket.objects.filter(pk__in=pks).update(priority=priority)
    change_record_bulk(entries)
    return [escalation.ticket for escalation in changes.values()]


# --- recording events -----------------------------------------------------------------------------
def _when(ticket: Ticket, at: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    """When an event happened: now, unless told (an imported history); never before the last
    event, never in the future."""
    if at is None:
        at = now
    if at > now + EVENT_TOLERANCE:
        raise InvalidInput.on("at", _("An event cannot happen in the future."))
    _check_after_last(ticket.events.order_by("-at", "-id").values_list("at", flat=True).first(), at)
    return at


def _check_after_last(last: dt.datetime | None, at: dt.datetime) -> None:
    if last is not None and at < last:
        raise InvalidInput.on(
            "at",
            _("The ticket's last event is at %(last)s; a new one cannot come before it.")
            % {"last": timezone.localtime(last).strftime("%Y-%m-%d %H:%M:%S")},
        )


def _record(
    ticket: Ticket, kind: str, at: dt.datetime, actor: Actor, reason: str, **fields: Any
) -> None:
    TicketEvent.objects.create(
        ticket=ticket, at=at, kind=kind, actor=actor_user(actor), reason=reason, **fields
    )


def _locked(ticket: Ticket) -> Ticket:
    """The ticket as stored, locked until the end of the transaction (events go one by one)."""
    return (
        Ticket.objects.select_for_update(of=("self",))  # the ticket's row, not its relations
        .select_related("site", "sla_policy", "sla_calendar", "contract")
        .get(pk=ticket.pk)
    )


def ticket_sla_start(*, ticket: Ticket, actor: Actor, now: dt.datetime) -> None:
    """Record the opening with the SLA terms of the contract version in force when the ticket
    was opened (in the site's time zone), and start the clocks."""
    policy = calendar = None
    # A preventive visit generated ahead of time is planned, not asked for: no response or
    # restore target runs on it (else it would breach before its day came).
    if ticket.contract is not None and ticket.channel != Channel.PLAN:
        day = timezone.localtime(ticket.opened_at, timezone=_site_zone(ticket)).date()
        version = contract_version_in_force(ticket.contract, day)
        if version is not None:
            policy, calendar = version.sla_policy, version.calendar
    if policy is not None or calendar is not None:
        Ticket.objects.filter(pk=ticket.pk).update(sla_policy=policy, sla_calendar=calendar)
        ticket.sla_policy, ticket.sla_calendar = policy, calendar
    _record(
        ticket,
        EventKind.OPEN,
        ticket.opened_at,
        actor,
        "",
        priority=ticket.priority,
        status=ticket.status,
        sla_policy=policy,
        sla_calendar=calendar,
    )
    ticket_clocks_refresh(ticket=ticket, now=now)


def _site_zone(ticket: Ticket) -> ZoneInfo:
    return ZoneInfo(ticket.site.time_zone)


def ticket_respond(
    *,
    actor: Actor,
    ticket: Ticket,
    at: dt.datetime | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Ticket:
    """Record the first response to the customer (it completes the response target)."""
    now = now or timezone.now()
    with transaction.atomic():
        ticket = _locked(ticket)
        _refuse_if_done(ticket)
        if ticket.events.filter(kind=EventKind.RESPOND).exists():
            raise Conflict(
                _("The first response to this ticket is already recorded."),
                code="already_responded",
            )
        _record(ticket, EventKind.RESPOND, _when(ticket, at, now), actor, reason)
        ticket_clocks_refresh(ticket=ticket, now=now)
    return ticket


def ticket_post_update(
    *,
    actor: Actor,
    ticket: Ticket,
    message: str,
    at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """Record an update given to the customer (``message``: what they were told, kept on the
    event as its reason). It ends the current cycle of the update target and starts the next.
    A done ticket takes no update: it is reopened first."""
    now = now or timezone.now()
    text = message.strip() if isinstance(message, str) else ""
    if not text:
        raise InvalidInput.on("message", _("Say what the customer was told."))
    with transaction.atomic():
        ticket = _locked(ticket)
        _refuse_if_done(ticket)
        _record(ticket, EventKind.UPDATE, _when(ticket, at, now), actor, text)
        ticket_clocks_refresh(ticket=ticket, now=now)
    return ticket


def ticket_status_change(
    *,
    actor: Actor,
    ticket: Ticket,
    status: str,
    at: dt.datetime | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Ticket:
    """Change the ticket's status; the clocks pause, resume, stop or start again as the status
    (and the policy's pausing statuses) say."""
    now = now or timezone.now()
    if status not in TicketStatus.values:
        raise InvalidInput.on(
            "status", _("%(status)s is not a ticket status.") % {"status": status}
        )
    with transaction.atomic():
        ticket = _locked(ticket)
        old = ticket.status
        if status == old:
            return ticket
        when = _when(ticket, at, now)
        made = vocabulary.sla_events_for(old, status, ticket_pausing_statuses(ticket))
        _record(ticket, EventKind.STATUS, when, actor, reason, status=status)
        for kind in made:
            _record(ticket, kind, when, actor, reason, status=status)
        ticket = record_update(
            ticket, actor=actor, values={"status": status}, reason=reason, now=now
        )
        ticket_clocks_refresh(ticket=ticket, now=now)
    return ticket


def _first_pausing(ticket: Ticket) -> str:
    statuses = sorted(ticket_pausing_statuses(ticket) - set(vocabulary.DONE))
    if not statuses:
        raise Conflict(
            _("The SLA policy of this ticket has no status that pauses its clocks."),
            code="no_pausing_status",
        )
    return TicketStatus.WAITING if TicketStatus.WAITING in statuses else statuses[0]


def _refuse_if_done(ticket: Ticket) -> None:
    if ticket.status in vocabulary.DONE:
        message = _("This ticket is %(status)s: reopen it first.") % {
            "status": ticket.get_status_display()
        }
        raise Conflict(message, code="ticket_done", fields={"status": [message]})


def ticket_pause(*, actor: Actor, ticket: Ticket, **kwargs: Any) -> Ticket:
    """Wait on the customer: the first status of the policy that pauses the clocks."""
    with transaction.atomic():
        ticket = _locked(ticket)
        _refuse_if_done(ticket)  # pausing is not a way to reopen
        status = _first_pausing(ticket)
        return ticket_status_change(actor=actor, ticket=ticket, status=status, **kwargs)


def ticket_resume(*, actor: Actor, ticket: Ticket, **kwargs: Any) -> Ticket:
    with transaction.atomic():
        ticket = _locked(ticket)
        _refuse_if_done(ticket)  # resuming is not a way to reopen
        return ticket_status_change(
            actor=actor, ticket=ticket, status=TicketStatus.IN_PROGRESS, **kwargs
        )


def ticket_resolve(*, actor: Actor, ticket: Ticket, **kwargs: Any) -> Ticket:
    return ticket_status_change(actor=actor, ticket=ticket, status=TicketStatus.RESOLVED, **kwargs)


def ticket_reopen(*, actor: Actor, ticket: Ticket, **kwargs: Any) -> Ticket:
    with transaction.atomic():
        ticket = _locked(ticket)  # the status as stored, not as the caller last saw it
        if ticket.status not in vocabulary.DONE:
            raise Conflict(
                _("Only a resolved, closed or cancelled ticket is reopened."), code="not_done"
            )
        return ticket_status_change(
            actor=actor, ticket=ticket, status=TicketStatus.IN_PROGRESS, **kwargs
        )


def ticket_priority_change(
    *,
    actor: Actor,
    ticket: Ticket,
    priority: str,
    reason: str,
    at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """Change the priority: the clocks keep the time used and take the new priority's targets."""
    now = now or timezone.now()
    reason = require_reason(reason)
    if priority not in Priority.values:
        raise InvalidInput.on(
            "priority", _("%(priority)s is not a priority.") % {"priority": priority}
        )
    with transaction.atomic():
        ticket = _locked(ticket)
        if priority == ticket.priority:
            return ticket
        _record(
            ticket, EventKind.PRIORITY, _when(ticket, at, now), actor, reason, priority=priority
        )
        ticket = record_update(
            ticket, actor=actor, values={"priority": priority}, reason=reason, now=now
        )
        ticket_clocks_refresh(ticket=ticket, now=now)
    return ticket


def ticket_sla_policy_change(
    *,
    actor: Actor,
    ticket: Ticket,
    policy: Any,
    calendar: Any = None,
    reason: str,
    at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """Put the ticket under another SLA policy (and calendar): the time used is kept."""
    now = now or timezone.now()
    reason = require_reason(reason)
    with transaction.atomic():
        ticket = _locked(ticket)
        calendar = calendar or ticket.sla_calendar
        if policy is None or calendar is None:
            raise InvalidInput.on(
                "calendar" if policy is not None else "policy",
                _("Give the SLA policy and the business calendar the clocks run on."),
            )
        if not policy.is_active or not calendar.is_active:
            retired = "policy" if not policy.is_active else "calendar"
            raise InvalidInput.on(
                retired,
                _("%(record)s is no longer active.")
                % {"record": policy if retired == "policy" else calendar},
            )
        if sla_selectors.sla_terms(policy, calendar) is None:
            raise InvalidInput.on("policy", _("This SLA policy has no targets yet."))
        _record(
            ticket,
            EventKind.POLICY,
            _when(ticket, at, now),
            actor,
            reason,
            sla_policy=policy,
            sla_calendar=calendar,
        )
        ticket = record_update(
            ticket,
            actor=actor,
            values={"sla_policy": policy, "sla_calendar": calendar},
            reason=reason,
            now=now,
        )
        ticket_clocks_refresh(ticket=ticket, now=now)
    return ticket
