"""Rescuing tickets at risk, and the periodic SLA sweep.

Whenever a ticket's clocks are rebuilt and a clock stands at warning, critical or breached, the
rescue actions of that level are raised — once: each is unique per ticket, clock, level, kind
and episode (a reopened ticket starts a new episode), so a sweep run twice, or by two workers at
once, raises each action once. The actions:

* notify — an e-mail (through the outbox) to the dispatchers and the technicians assigned, in
  each reader's language and time zone;
* reassign — at critical and breached, a technician of a team covering the site's region who is
  free now is proposed (recorded on the action; a dispatcher decides);
* escalate — where the policy says so, the priority goes one step up (the clocks keep their
  time and take the new targets).

The sweep finds, by an indexed query, the open tickets whose risk changes by now — the instant
each evaluation stores — and rebuilds their clocks, which raises whatever is due.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from pacta.accounts.selectors import team_list_covering, user_list_dispatchers
from pacta.audit.services import Actor, record_update
from pacta.comms.services import message_queue
from pacta.domain import sla as domain
from pacta.domain import tickets as vocabulary
from pacta.domain.errors import Conflict
from pacta.service.models import (
    EventKind,
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


def _once(
    ticket: Ticket, clock: str, level: str, kind: str, episode: int, now: dt.datetime
) -> RescueAction | None:
    """The new action, or None when it was raised before (the unique key says so)."""
    try:
        with transaction.atomic():
            return RescueAction.objects.create(
                ticket=ticket, clock=clock, level=level, kind=kind, episode=episode, created_at=now
            )
    except IntegrityError:
        return None


def ticket_rescue(
    *, ticket: Ticket, clocks: domain.TicketClocks, now: dt.datetime
) -> list[RescueAction]:
    """Raise the actions the ticket's clocks call for; the actions raised now."""
    from pacta.service.services.clocks import ticket_priority_change

    if ticket.status in vocabulary.DONE:
        return []
    episode = ticket.events.filter(kind=EventKind.REOPEN).count()
    escalate_on = ticket.sla_policy.escalate_on if ticket.sla_policy is not None else ""
    raised: list[RescueAction] = []
    for clock in clocks.clocks:
        if clock.completed_at is not None or clock.risk not in LEVELS:
            continue  # met, or answered late: nothing left to rescue
        for kind in _actions_for(clock.risk, escalate_on):
            action = _once(ticket, clock.name, clock.risk, kind, episode, now)
            if action is None:
                continue
            raised.append(action)
            if kind == RescueKind.NOTIFY:
                action.detail = {"sent_to": _notify(ticket, clock, action, now)}
            elif kind == RescueKind.REASSIGN:
                action.detail = _propose_technician(ticket, now)
            else:
                higher = vocabulary.escalated(ticket.priority)
                action.detail = {"from": ticket.priority, "to": higher}
            action.save(update_fields=["detail"])
            if kind == RescueKind.ESCALATE and action.detail["to"] != action.detail["from"]:
                ticket_priority_change(
                    actor=None,
                    ticket=ticket,
                    priority=action.detail["to"],
                    reason=_("SLA %(clock)s %(level)s: the policy raises the priority.")
                    % {
                        "clock": sla_selectors.target_label(clock.name),
                        "level": sla_selectors.risk_label(clock.risk),
                    },
                    now=now,
                )
    return raised


# --- who to tell, whom to propose -------------------------------------------------------------
def _assignees(ticket: Ticket) -> list[Any]:
    orders = ticket.work_orders.filter(status__in=BUSY).select_related("technician")
    return [order.technician for order in orders if order.technician is not None]


def _notify(
    ticket: Ticket, clock: domain.Clock, action: RescueAction, now: dt.datetime
) -> list[str]:
    recipients = {user.pk: user for user in [*user_list_dispatchers(), *_assignees(ticket)]}
    sent = []
    for user in recipients.values():
        if not user.email:
            continue
        language = user.language or settings.LANGUAGE_CODE
        with translation.override(language):
            due = (
                timezone.localtime(clock.due_at, timezone=_zone_of(user)).strftime("%Y-%m-%d %H:%M")
                if clock.due_at
                else "—"
            )
            values = {
                "ticket": ticket.reference,
                "subject": ticket.subject,
                "target": sla_selectors.target_label(clock.name),
                "level": sla_selectors.risk_label(clock.risk),
                "due": due,
                "customer": str(ticket.customer),
                "site": str(ticket.site),
                "remaining": _hours(clock.remaining),
            }
            subject = _("[pacta] %(ticket)s: %(target)s %(level)s (due %(due)s)") % values
            body = (
                _(
                    "Ticket %(ticket)s — %(subject)s\n"
                    "Customer: %(customer)s, site: %(site)s\n"
                    "Target: %(target)s, now %(level)s.\n"
                    "Due: %(due)s; business time left: %(remaining)s.\n"
                )
                % values
            )
        message_queue(
            key=f"rescue:{action.pk}:{user.pk}",
            to_email=user.email,
            subject=subject,
            body=body,
            language=language,
            about=ticket,
            now=now,
        )
        sent.append(user.username)
    return sorted(sent)


def _zone_of(user: Any) -> Any:
    return ZoneInfo(user.time_zone) if user.time_zone else timezone.get_default_timezone()


def _hours(duration: dt.timedelta) -> str:
    minutes = int(duration.total_seconds() // 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


def _propose_technician(ticket: Ticket, now: dt.datetime) -> dict[str, Any]:
    """A free technician of a team covering the site's region, the least loaded first."""
    zone = ticket.site.zone_code
    teams = team_list_covering(zone) if zone else []
    if not teams:
        return {
            "technician": None,
            "why": _("No team covers the region %(zone)s.") % {"zone": zone or "—"},
        }
    assigned = {user.pk for user in _assignees(ticket)}
    members = {
        member.pk: (member, team)
        for team in teams
        for member in team.members.all()
        if member.is_active and member.role == "technician" and member.pk not in assigned
    }
    busy = set(
        WorkOrder.objects.filter(
            technician_id__in=list(members),
            status__in=BUSY,
            scheduled_start_at__lt=now + FREE_FOR,
            scheduled_end_at__gt=now,
        ).values_list("technician_id", flat=True)
    )
    load = {
        pk: WorkOrder.objects.filter(technician_id=pk, status__in=BUSY).count()
        for pk in members
        if pk not in busy
    }
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
        handler = actor if actor is not None and getattr(actor, "pk", None) else None
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
    from pacta.service.services.clocks import ticket_clocks_refresh

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
            for ticket in tickets:
                ticket_clocks_refresh(ticket=ticket, now=now)
            raised += actions.count() - before
            checked += len(tickets)
    return {"checked": checked, "raised": raised}
