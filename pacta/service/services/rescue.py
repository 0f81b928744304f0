"""Rescuing tickets at risk, and the periodic SLA sweep.

Whenever a ticket's clocks are rebuilt and a clock stands at warning, critical or breached, the
rescue actions of that level are raised — once: each is unique per ticket, clock, level, kind
and episode (a reopened ticket starts a new episode, and so does each new cycle of a recurring
target such as the customer updates), so a sweep run twice, or by two workers at once, raises
each action once. The actions:

* notify — an e-mail (through the outbox) to the dispatchers and the technicians assigned, in
  each reader's language and time zone;
* reassign — at critical and breached, a technician of a team covering the site's region who is
  free now is proposed (recorded on the action; a dispatcher decides);
* escalate — where the policy says so, the priority goes one step up (the clocks keep their
  time and take the new targets).

The sweep finds, by an indexed query, the open tickets whose risk changes by now — the instant
each evaluation stores — and rebuilds their clocks a batch at a time, which raises whatever is
due. A batch's actions are raised together: what they need (the actions raised before, the
dispatchers, the assignees, the teams of each region and their technicians' work) is read in a
few queries, and the actions (with their details) and their e-mails are written in bulk.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from pacta.accounts.selectors import team_list_covering, user_list_dispatchers
from pacta.audit.services import Actor, actor_user, record_update, records_insert_new
from pacta.comms.services import messages_queue, outbound_message
from pacta.domain import sla as domain
from pacta.domain import tickets as vocabulary
from pacta.domain.errors import Conflict
from pacta.service.models import (
    RescueAction,
    RescueKind,
    Ticket,
    WorkOrder,
    WorkOrderStatus,
)
from pacta.service.selectors import ticket_list_sla_due
from pacta.sla import selectors as sla_selectors

LEVELS = (domain.WARNING, domain.CRITICAL, domain.BREACHED)
#: How far ahead a technician must be free to be proposed.
FREE_FOR = dt.timedelta(hours=2)
#: Work orders that keep a technician busy.
BUSY = (WorkOrderStatus.SCHEDULED, WorkOrderStatus.EN_ROUTE, WorkOrderStatus.ON_SITE)


def _actions_for(level: str, escalate_on: str) -> list[str]:
    kinds = [RescueKind.NOTIFY]
    if level in (domain.CRITICAL, domain.BREACHED):
        kinds.append(RescueKind.REASSIGN)
    if escalate_on and domain.RISK_ORDER[level] >= domain.RISK_ORDER[escalate_on]:
        kinds.append(RescueKind.ESCALATE)
    return kinds


@dataclass(frozen=True)
class Escalation:
    """A priority the policy raises because a clock entered a level (written by the caller)."""

    ticket: Ticket
    priority: str
    reason: str


@dataclass(frozen=True)
class _Due:
    """An action a ticket's clock calls for."""

    ticket: Ticket
    clock: domain.Clock
    kind: str
    episode: int

    @property
    def key(self) -> tuple[int, str, str, str, int]:
        return (self.ticket.pk, self.clock.name, self.clock.risk, self.kind, self.episode)


def tickets_rescue(
    *,
    tickets: Sequence[Ticket],
    clocks: Mapping[int, domain.TicketClocks | None],
    episodes: Mapping[int, int],
    now: dt.datetime,
    messages: list[Any] | None = None,
) -> list[Escalation]:
    """Raise the actions the tickets' clocks call for, each once, in a few writes whatever the
    number of tickets; the escalations they call for (the caller changes the priorities). The
    notifications' e-mails are queued now, or added to ``messages`` for the caller to queue
    with others in one write.

    Each action is unique per ticket, clock, level, kind and episode: how often the ticket was
    reopened (``episodes``) plus the clock's cycle (a recurring target's cycles are rescued each
    on its own; a one-shot target has one). The tickets are locked by
    the caller, so the actions found raised before are all there are; the unique key stays the
    last guard: the insert skips a key taken meanwhile, and only the rows it inserted are the
    actions raised now (their e-mails and escalations follow). Each action is written once,
    with its detail.
    """
    due = [
        _Due(ticket, clock, kind, episodes.get(ticket.pk, 0) + clock.cycle)
        for ticket in tickets
        if ticket.status not in vocabulary.DONE
        for clock in _at_risk(clocks.get(ticket.pk))
        for kind in _actions_for(
            clock.risk, ticket.sla_policy.escalate_on if ticket.sla_policy is not None else ""
        )
    ]
    if not due:
        return []
    pks = list({each.ticket.pk for each in due})
    before = set(RescueAction.objects.filter(ticket_id__in=pks).values_list(*_KEY))
    new = {each.key: each for each in due if each.key not in before}
    if not new:
        return []
    # What an action records is known before it is written (only its e-mails' keys need its id).
    context = _Context.load(
        list({each.ticket.pk: each.ticket for each in new.values()}.values()), now=now
    )
    recipients: dict[tuple[int, str, str, str, int], list[Any]] = {}
    rows = []
    for key, each in new.items():
        if each.kind == RescueKind.NOTIFY:
            recipients[key] = _recipients(each.ticket, context)
            detail: dict[str, Any] = {"sent_to": sorted(user.username for user in recipients[key])}
        elif each.kind == RescueKind.REASSIGN:
            detail = _propose_technician(each.ticket, context)
        else:
            detail = {
                "from": each.ticket.priority,
                "to": vocabulary.escalated(each.ticket.priority),
            }
        rows.append(
            RescueAction(
                ticket=each.ticket,
                clock=each.clock.name,
                level=each.clock.risk,
                kind=each.kind,
                episode=each.episode,
                created_at=now,
                detail=detail,
            )
        )

    inserted = records_insert_new(RescueAction, rows, key=_KEY)
    raised = {_key(action): action for action in inserted}
    mails: list[Any] = []
    escalations: list[Escalation] = []
    for key, action in raised.items():
        each = new[key]
        if each.kind == RescueKind.NOTIFY:
            mails += _notify(each.ticket, each.clock, action, recipients[key])
        elif each.kind == RescueKind.ESCALATE and action.detail["to"] != each.ticket.priority:
            reason = _("SLA %(clock)s %(level)s: the policy raises the priority.") % {
                "clock": sla_selectors.target_label(each.clock.name),
                "level": sla_selectors.risk_label(each.clock.risk),
            }
            escalations.append(Escalation(each.ticket, action.detail["to"], reason))
    if messages is None:
        messages_queue(messages=mails, now=now)
    else:
        messages += mails
    return escalations


#: What makes an action unique.
_KEY = ("ticket_id", "clock", "level", "kind", "episode")


def _key(action: RescueAction) -> tuple[int, str, str, str, int]:
    return (action.ticket_id, action.clock, action.level, action.kind, action.episode)


def _at_risk(clocks: domain.TicketClocks | None) -> list[domain.Clock]:
    """The clocks still running at a level that calls for rescue (not met, not answered)."""
    return [
        clock
        for clock in (clocks.clocks if clocks is not None else ())
        if clock.completed_at is None and clock.risk in LEVELS
    ]


# --- who to tell, whom to propose -------------------------------------------------------------
@dataclass
class _Context:
    """What the rescue of a batch of tickets reads, in a few queries whatever their number: the
    dispatchers, the technicians assigned to each ticket, the teams covering each region, which
    of their technicians are busy now and how much open work each one has."""

    now: dt.datetime
    dispatchers: list[Any]
    assignees: dict[int, list[Any]]
    teams: dict[str, list[Any]]
    busy: set[int]
    load: dict[int, int]

    @classmethod
    def load(cls, tickets: Sequence[Ticket], *, now: dt.datetime) -> _Context:
        assignees: dict[int, list[Any]] = {ticket.pk: [] for ticket in tickets}
        orders = WorkOrder.objects.filter(
            ticket_id__in=list(assignees), status__in=BUSY, technician__isnull=False
        ).select_related("technician")
        for order in orders:
            assignees[order.ticket_id].append(order.technician)
        zones = {ticket.site.zone_code for ticket in tickets if ticket.site.zone_code}
        teams = {zone: team_list_covering(zone) for zone in zones}
        members = {
            member.pk for found in teams.values() for t in found for member in t.members.all()
        }
        busy = set(
            WorkOrder.objects.filter(
                technician_id__in=list(members),
                status__in=BUSY,
                scheduled_start_at__lt=now + FREE_FOR,
                scheduled_end_at__gt=now,
            ).values_list("technician_id", flat=True)
        )
        load = dict(
            WorkOrder.objects.filter(technician_id__in=list(members), status__in=BUSY)
            .values("technician_id")
            .annotate(orders=Count("id"))
            .values_list("technician_id", "orders")
        )
        return cls(now, list(user_list_dispatchers()), assignees, teams, busy, load)


def _recipients(ticket: Ticket, context: _Context) -> list[Any]:
    """Who a notification goes to: the dispatchers and the technicians assigned, who have an
    e-mail address."""
    users = {user.pk: user for user in [*context.dispatchers, *context.assignees[ticket.pk]]}
    return [user for user in users.values() if user.email]


def _notify(
    ticket: Ticket, clock: domain.Clock, action: RescueAction, recipients: Sequence[Any]
) -> list[Any]:
    """The e-mails of a notification to its recipients, each in its reader's language and time
    zone."""
    messages = []
    about = {
        "ticket": ticket.reference,
        "subject": ticket.subject,
        "customer": str(ticket.customer),
        "site": str(ticket.site),
        "remaining": _hours(clock.remaining),
    }
    for user in recipients:
        language = user.language or settings.LANGUAGE_CODE
        words = _wording(language, clock.name, clock.risk)
        due = (
            timezone.localtime(clock.due_at, timezone=_zone_of(user)).strftime("%Y-%m-%d %H:%M")
            if clock.due_at
            else "—"
        )
        values = {**about, "target": words.target, "level": words.level, "due": due}
        messages.append(
            outbound_message(
                key=f"rescue:{action.pk}:{user.pk}",
                to_email=user.email,
                subject=words.subject % values,
                body=words.body % values,
                language=language,
                about=ticket,
            )
        )
    return messages


@dataclass(frozen=True)
class _Wording:
    """A notification's words in one language, for one target and level."""

    subject: str
    body: str
    target: str
    level: str


@functools.lru_cache(maxsize=256)
def _wording(language: str, target: str, level: str) -> _Wording:
    """Translated once per language, target and level (the catalogues do not change while the
    process runs), not once per e-mail."""
    with translation.override(language):
        return _Wording(
            subject=_("[pacta] %(ticket)s: %(target)s %(level)s (due %(due)s)"),
            body=_(
                "Ticket %(ticket)s — %(subject)s\n"
                "Customer: %(customer)s, site: %(site)s\n"
                "Target: %(target)s, now %(level)s.\n"
                "Due: %(due)s; business time left: %(remaining)s.\n"
            ),
            target=sla_selectors.target_label(target),
            level=sla_selectors.risk_label(level),
        )


def _zone_of(user: Any) -> Any:
    return ZoneInfo(user.time_zone) if user.time_zone else timezone.get_default_timezone()


def _hours(duration: dt.timedelta) -> str:
    minutes = int(duration.total_seconds() // 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


def _propose_technician(ticket: Ticket, context: _Context) -> dict[str, Any]:
    """A free technician of a team covering the site's region, the least loaded first."""
    zone = ticket.site.zone_code
    teams = context.teams.get(zone, []) if zone else []
    if not teams:
        return {
            "technician": None,
            "why": _("No team covers the region %(zone)s.") % {"zone": zone or "—"},
        }
    assigned = {user.pk for user in context.assignees[ticket.pk]}
    members = {
        member.pk: (member, team)
        for team in teams
        for member in team.members.all()
        if member.is_active and member.role == "technician" and member.pk not in assigned
    }
    load = {pk: context.load.get(pk, 0) for pk in members if pk not in context.busy}
    if not load:
        return {
            "technician": None,
            "why": _("No technician of the teams of %(zone)s is free now.") % {"zone": zone},
        }
    chosen = min(load, key=lambda pk: (load[pk], members[pk][0].username))
    user, team = members[chosen]
    return {"technician": user.pk, "username": user.username, "name": str(user), "team": team.name}


def rescue_action_handle(
    *, actor: Actor, rescue_action: RescueAction, reason: str = "", now: dt.datetime | None = None
) -> RescueAction:
    """A person took care of a rescue action (called the customer, reassigned, …)."""
    now = now or timezone.now()
    with transaction.atomic():
        action = RescueAction.objects.select_for_update().get(pk=rescue_action.pk)
        if action.handled_at is not None:
            raise Conflict(
                _("This rescue action was handled on %(day)s.")
                % {"day": timezone.localtime(action.handled_at).strftime("%Y-%m-%d %H:%M")},
                code="already_handled",
            )
        handler = actor_user(actor)
        return record_update(
            action,
            actor=actor,
            values={"handled_at": now, "handled_by": handler},
            reason=reason,
            now=now,
        )


# --- the sweep -------------------------------------------------------------------------------
def sla_sweep(*, now: dt.datetime | None = None, batch: int = 200) -> dict[str, int]:
    """Rebuild the clocks of every open ticket whose risk changes by ``now``; what was done.

    The due tickets come from the index on (risk changes at, id), in that order, a batch at a
    time, each batch locked for its transaction (on PostgreSQL with SKIP LOCKED, so two workers
    share the work instead of waiting or doing it twice). A rebuilt ticket's next change lies
    after ``now``, and the next batch starts after the last one's key, so every due ticket is
    taken once.
    """
    from pacta.service.services.clocks import tickets_clocks_refresh

    now = now or timezone.now()
    checked = raised = 0
    after: tuple[dt.datetime, int] | None = None
    while True:
        with transaction.atomic():
            due = ticket_list_sla_due(now, after=after).select_related(
                "site", "sla_policy", "sla_calendar", "customer"
            )
            if connection.features.has_select_for_update_skip_locked:
                due = due.select_for_update(skip_locked=True, of=("self",))
            tickets = list(due[:batch])
            if not tickets:
                break
            last = tickets[-1]
            after = (last.sla_risk_changes_at, last.pk)
            actions = RescueAction.objects.filter(ticket__in=tickets)
            before = actions.count()
            tickets_clocks_refresh(tickets=tickets, now=now)
            raised += actions.count() - before
            checked += len(tickets)
    return {"checked": checked, "raised": raised}
