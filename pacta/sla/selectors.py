"""Reading calendars, policies and ticket clocks; the SLA terms of a ticket as pure values."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from pacta.accounts.access import Audience, visible
from pacta.domain import sla as domain_sla
from pacta.domain.errors import InvalidInput
from pacta.domain.lifecycle import ContractStatus
from pacta.sla import mappers
from pacta.sla.models import (
    BusinessCalendar,
    CalendarWindow,
    ClosedDay,
    RiskLevel,
    SlaPolicy,
    SlaTarget,
    TargetKind,
    TicketClock,
)

_TARGET_LABELS = dict(TargetKind.choices)
_RISK_LABELS = dict(RiskLevel.choices)


def target_label(name: str) -> str:
    """A target's name as people read it, in the active language ("first response")."""
    return str(_TARGET_LABELS.get(name, name))


def risk_label(level: str) -> str:
    """A risk level as people read it, in the active language ("on track", "breached")."""
    return str(_RISK_LABELS.get(level, level))


def calendar_list(*, audience: Audience) -> QuerySet[BusinessCalendar]:
    return visible(BusinessCalendar.objects.prefetch_related("windows", "closed_days"), audience)


def calendar_get_by_name(name: str) -> BusinessCalendar | None:
    return BusinessCalendar.objects.filter(name=name).first()


def calendars_by_id(ids: Iterable[int]) -> dict[int, BusinessCalendar]:
    """The calendars of ``ids``, by id, in one query (for internal use: no audience)."""
    return BusinessCalendar.objects.in_bulk(list(ids))


def calendar_is_in_terms(calendar: BusinessCalendar) -> bool:
    """Whether a contract that left draft has ``calendar`` in its terms (changes then need a
    reason)."""
    if calendar.pk is None:
        return False
    return calendar.contract_versions.exclude(contract__status=ContractStatus.DRAFT).exists()


def calendar_window_list(*, audience: Audience) -> QuerySet[CalendarWindow]:
    return visible(CalendarWindow.objects.select_related("calendar"), audience)


def closed_day_list(*, audience: Audience) -> QuerySet[ClosedDay]:
    return visible(ClosedDay.objects.select_related("calendar"), audience)


def sla_policy_list(*, audience: Audience) -> QuerySet[SlaPolicy]:
    return visible(SlaPolicy.objects.prefetch_related("targets"), audience)


def sla_policy_get_by_name(name: str) -> SlaPolicy | None:
    return SlaPolicy.objects.filter(name=name).first()


def sla_policies_by_id(ids: Iterable[int]) -> dict[int, SlaPolicy]:
    """The SLA policies of ``ids``, by id, in one query (for internal use: no audience)."""
    return SlaPolicy.objects.in_bulk(list(ids))


def sla_policy_is_in_terms(policy: SlaPolicy) -> bool:
    """Whether a contract that left draft has ``policy`` in its terms (changes then need a
    reason)."""
    if policy.pk is None:
        return False
    return policy.contract_versions.exclude(contract__status=ContractStatus.DRAFT).exists()


def sla_target_list(*, audience: Audience) -> QuerySet[SlaTarget]:
    return visible(SlaTarget.objects.select_related("policy"), audience)


def ticket_clock_list(*, audience: Audience) -> QuerySet[TicketClock]:
    return visible(TicketClock.objects.select_related("ticket"), audience)


def sla_terms(
    policy: SlaPolicy | None, calendar: BusinessCalendar | None, *, time_zone: str | None = None
) -> domain_sla.SlaTerms | None:
    """The terms a ticket's clocks run on, as pure values; None when there is no SLA (no policy,
    no calendar, or a policy with no targets yet)."""
    if policy is None or calendar is None:
        return None
    try:
        return mappers.terms_to_domain(policy, calendar, time_zone=time_zone)
    except InvalidInput:
        return None


def sla_calendar(
    calendar: BusinessCalendar, *, time_zone: str | None = None
) -> mappers.domain_calendar.BusinessCalendar:
    """A calendar record as the pure core's calendar (kept per record and version)."""
    return mappers.calendar_to_domain(calendar, time_zone=time_zone)


def calendar_holidays(
    calendar: BusinessCalendar | None,
) -> mappers.domain_calendar.HolidaySource | None:
    """The days ``calendar`` is closed, year by year: its country's (and region's) public
    holidays and its own closed days, as its clocks see them; None without a calendar."""
    return mappers.calendar_holidays(calendar) if calendar is not None else None
