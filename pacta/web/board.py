"""The dispatch board: open tickets sorted by time to breach, their risk as it stands now.

The stored clocks say where each clock stood when it was last evaluated (at an event, or by the
sweep). The board carries them forward to "now" on the ticket's own calendar, so a row moves as
time passes even before the sweep stores anything:

* remaining now = business time from now to the clock's due instant, or, once that instant has
  passed, minus the business time since it (overdue);
* risk now = the share of the budget used (budget − remaining now) against the policy's warning
  and critical thresholds; breached when overdue.

A ticket's row follows its open clock (pending or breached, not completed) with the least time
left. Running tickets come first, most urgent first; then paused tickets (their time frozen);
then tickets whose clocks are all settled. Reading only: rows come from selectors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pacta.accounts.access import Audience
from pacta.accounts.roles import Role
from pacta.accounts.selectors import team_list
from pacta.customers.selectors import customer_list, site_list
from pacta.domain import sla as domain_sla
from pacta.domain.calendar import BusinessCalendar
from pacta.service.selectors import ticket_list_board, ticket_pausing_statuses
from pacta.sla.selectors import risk_label, sla_calendar, target_label

#: Who works the board.
BOARD_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.DISPATCHER})

BREACHED, MET = domain_sla.BREACHED, domain_sla.MET
PAUSED = "paused"

#: A paused ticket's risk, as it reads next to its colour (the other levels read as the SLA
#: app names them: never colour alone).
PAUSED_LABEL = pgettext_lazy("SLA risk", "paused")

# Running tickets first, then paused ones, then those with nothing left to meet.
_RUNNING, _PAUSED, _SETTLED = 0, 1, 2
_MINUS = "\N{MINUS SIGN}"


def hours_minutes(value: dt.timedelta | None) -> str:
    """Business time as hours and whole minutes ("1:25"; late with a minus: "−0:10"), rounded
    towards the deadline: time left is never overstated, and lateness never understated."""
    if value is None:
        return "—"
    minutes = value // dt.timedelta(minutes=1)
    sign = _MINUS if minutes < 0 else ""
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours}:{minutes:02d}"


@dataclass(frozen=True)
class BoardRow:
    """One ticket on the board, as it stands at the board's "now"."""

    ticket: Any
    risk: str
    target: str | None
    remaining: dt.timedelta | None
    due_at: dt.datetime | None
    assignees: tuple[Any, ...]
    group: int

    @property
    def risk_label(self) -> str:
        return str(PAUSED_LABEL) if self.risk == PAUSED else risk_label(self.risk)

    @property
    def target_label(self) -> str:
        return target_label(self.target) if self.target else "—"

    @property
    def remaining_text(self) -> str:
        """Hours and minutes ("1:25"); overdue with a minus ("−0:10"). Whole minutes towards
        the deadline: time left is never overstated, and lateness never understated."""
        return hours_minutes(self.remaining)

    @property
    def assignee_text(self) -> str:
        names = [user.get_full_name() or user.username for user in self.assignees]
        return ", ".join(names) or "—"

    def sort_key(self) -> tuple[int, float, dt.datetime, int]:
        remaining = self.remaining.total_seconds() if self.remaining is not None else 0.0
        return (self.group, remaining, self.ticket.opened_at, self.ticket.pk)


# --- the computation -----------------------------------------------------------------------------
def live_risk(
    remaining: dt.timedelta,
    budget: dt.timedelta,
    *,
    warning_percent: int,
    critical_percent: int,
) -> str:
    """The risk of a running clock with ``remaining`` business time left of ``budget``."""
    return domain_sla.risk_level(
        (budget - remaining).total_seconds(),
        budget.total_seconds(),
        warning_percent=warning_percent,
        critical_percent=critical_percent,
    )


def remaining_at(clock: Any, calendar: BusinessCalendar | None, now: dt.datetime) -> dt.timedelta:
    """Business time left on a running ``clock`` at ``now`` (negative: overdue); as last
    evaluated when there is no calendar or due instant to carry it forward with."""
    if clock.due_at is None or calendar is None:
        return frozen_remaining(clock)
    if clock.due_at > now:
        return calendar.between(now, clock.due_at)
    return -calendar.between(clock.due_at, now)


def frozen_remaining(clock: Any) -> dt.timedelta:
    """Business time left on a clock as last evaluated (negative: by how much it is late); of
    a recurring target, in its current cycle (a breach of an earlier cycle is history)."""
    return clock.budget - clock.used


class _Calendars:
    """The ticket's calendar as the pure core's, built once per calendar and zone."""

    def __init__(self) -> None:
        self._found: dict[tuple[int, str | None], BusinessCalendar] = {}

    def of(self, ticket: Any) -> BusinessCalendar | None:
        record = ticket.sla_calendar
        if record is None:
            return None
        zone = ticket.site.time_zone if ticket.site.sla_in_site_time_zone else None
        key = (record.pk, zone)
        if key not in self._found:
            self._found[key] = sla_calendar(record, time_zone=zone)
        return self._found[key]


def board_row(ticket: Any, *, now: dt.datetime, calendars: _Calendars | None = None) -> BoardRow:
    """The board's row of ``ticket`` (its clocks and open work orders prefetched) at ``now``."""
    calendars = calendars or _Calendars()
    clocks = [c for c in ticket.clocks.all() if c.completed_at is None and c.state != MET]
    assignees = tuple(
        {
            order.technician_id: order.technician
            for order in getattr(ticket, "open_work_orders", ())
            if order.technician is not None
        }.values()
    )
    policy = ticket.sla_policy
    warning = policy.warning_percent if policy is not None else domain_sla.SlaPolicy.warning_percent
    critical = (
        policy.critical_percent if policy is not None else domain_sla.SlaPolicy.critical_percent
    )
    calendar = calendars.of(ticket)
    if not clocks:
        worst = max(
            (c.risk for c in ticket.clocks.all()),
            key=lambda risk: domain_sla.RISK_ORDER.get(risk, 0),
            default=MET,
        )
        risk = BREACHED if worst == BREACHED else MET
        return BoardRow(ticket, risk, None, None, None, assignees, _SETTLED)
    if ticket.status in ticket_pausing_statuses(ticket):
        clock = min(clocks, key=frozen_remaining)
        return BoardRow(
            ticket, PAUSED, clock.name, frozen_remaining(clock), None, assignees, _PAUSED
        )
    left = {clock.pk: remaining_at(clock, calendar, now) for clock in clocks}
    clock = min(clocks, key=lambda c: left[c.pk])
    remaining = left[clock.pk]
    risk = live_risk(remaining, clock.budget, warning_percent=warning, critical_percent=critical)
    return BoardRow(ticket, risk, clock.name, remaining, clock.due_at, assignees, _RUNNING)


def board_rows(tickets: Iterable[Any], *, now: dt.datetime) -> list[BoardRow]:
    """The rows of ``tickets`` at ``now``, most urgent first."""
    calendars = _Calendars()
    rows = [board_row(ticket, now=now, calendars=calendars) for ticket in tickets]
    rows.sort(key=BoardRow.sort_key)
    return rows


# --- the filters ---------------------------------------------------------------------------------
class BoardFilters(forms.Form):
    """Team, region and customer: each offers only what the reader may see."""

    team = forms.ModelChoiceField(
        label=_("Team"), queryset=None, required=False, empty_label=_("All teams")
    )
    region = forms.ChoiceField(label=_("Region"), required=False)
    customer = forms.ModelChoiceField(
        label=_("Customer"), queryset=None, required=False, empty_label=_("All customers")
    )

    def __init__(self, data: Any, *, audience: Audience) -> None:
        super().__init__(data)
        self.audience = audience
        teams: Any = self.fields["team"]
        teams.queryset = team_list(audience=audience).filter(is_active=True).order_by("name")
        customers: Any = self.fields["customer"]
        customers.queryset = customer_list(audience=audience).order_by("legal_name")
        region: Any = self.fields["region"]
        region.choices = [("", _("All regions")), *((code, code) for code in self._regions())]

    def _regions(self) -> list[str]:
        codes = (
            site_list(audience=self.audience)
            .exclude(zone_code="")
            .order_by("zone_code")
            .values_list("zone_code", flat=True)
            .distinct()
        )
        return list(codes)

    def tickets(self) -> QuerySet[Any]:
        """The board's tickets under the chosen filters (call once the form is valid)."""
        data = self.cleaned_data
        zone_codes: set[str] | None = None
        if data.get("team") is not None:
            zone_codes = {str(code).strip().upper() for code in data["team"].zone_codes}
        if data.get("region"):
            region = {data["region"].strip().upper()}
            zone_codes = region if zone_codes is None else zone_codes & region
        return ticket_list_board(
            audience=self.audience, zone_codes=zone_codes, customer=data.get("customer")
        )

    def query(self) -> str:
        """The chosen filters as a query string, for the rows to refresh with."""
        query = QueryDict(mutable=True)
        for name in self.fields:
            value = self.data.get(name, "")
            if value:
                query[name] = value
        return query.urlencode()
