"""Calendar and policy records as the pure core's values.

A domain calendar builds its timeline of windows as it is used, so one is kept per (record,
version, zone) for the life of the process: clocks, the sweep and the dispatch board share it.
The version is the record's ``updated_at``, which the services move forward whenever the
calendar, its windows or its closed days change (see ``pacta.sla.services``).
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Iterable
from threading import Lock

from pacta.domain import calendar as domain_calendar
from pacta.domain import sla as domain_sla
from pacta.domain.public_holidays import public_holidays
from pacta.sla.models import BusinessCalendar, SlaPolicy

_KEEP = 256
_calendars: OrderedDict[tuple[int, dt.datetime, str], domain_calendar.BusinessCalendar] = (
    OrderedDict()
)
_policies: OrderedDict[tuple[int, dt.datetime], domain_sla.SlaPolicy] = OrderedDict()
_lock = Lock()


def _hours(calendar: BusinessCalendar) -> dict[str, list[tuple[str, str]]]:
    hours: dict[str, list[tuple[str, str]]] = {}
    for window in calendar.windows.all():
        day = domain_calendar.WEEKDAYS[window.weekday]
        hours.setdefault(day, []).append((window.starts, window.ends))
    return hours


def holiday_source(
    *, closed: Iterable[dt.date] = (), holiday_country: str = "", holiday_subdivision: str = ""
) -> domain_calendar.HolidaySource | None:
    """The days a calendar is closed, asked year by year: the public holidays of its country
    (and region), when it names one, plus its own closed days; None when it has neither. The
    one source of a calendar's holidays, for its clocks and for rating work on its days."""
    public = public_holidays(holiday_country, holiday_subdivision) if holiday_country else None
    own = frozenset(closed)
    if public is None and not own:
        return None

    def of_year(year: int) -> set[dt.date]:
        days = {day for day in own if day.year == year}
        return days | public(year) if public is not None else days

    return of_year


def calendar_from_rows(
    *,
    time_zone: str,
    hours: dict[str, list[tuple[str, str]]],
    closed: list[dt.date],
    holiday_country: str = "",
    holiday_subdivision: str = "",
) -> domain_calendar.BusinessCalendar:
    """A domain calendar from plain values (also how services validate a calendar's rows)."""
    holidays = holiday_source(
        closed=closed, holiday_country=holiday_country, holiday_subdivision=holiday_subdivision
    )
    return domain_calendar.BusinessCalendar(time_zone, hours, holidays=holidays)


def calendar_holidays(calendar: BusinessCalendar) -> domain_calendar.HolidaySource | None:
    """The holidays of a calendar record (see :func:`holiday_source`)."""
    return holiday_source(
        closed=[row.day for row in calendar.closed_days.all()],
        holiday_country=calendar.holiday_country,
        holiday_subdivision=calendar.holiday_subdivision,
    )


def calendar_to_domain(
    calendar: BusinessCalendar, *, time_zone: str | None = None
) -> domain_calendar.BusinessCalendar:
    """The calendar record as a domain calendar, in its own zone or in ``time_zone``."""
    zone = time_zone or calendar.time_zone
    key = (calendar.pk, calendar.updated_at, zone)
    with _lock:
        found = _calendars.get(key)
        if found is not None:
            _calendars.move_to_end(key)
            return found
    built = calendar_from_rows(
        time_zone=zone,
        hours=_hours(calendar),
        closed=list(calendar.closed_days.values_list("day", flat=True)),
        holiday_country=calendar.holiday_country,
        holiday_subdivision=calendar.holiday_subdivision,
    )
    with _lock:
        _calendars[key] = built
        while len(_calendars) > _KEEP:
            _calendars.popitem(last=False)
    return built


def policy_to_domain(policy: SlaPolicy) -> domain_sla.SlaPolicy:
    key = (policy.pk, policy.updated_at)
    with _lock:
        found = _policies.get(key)
        if found is not None:
            return found
    targets: dict[str, dict[str, dt.timedelta]] = {}
    for target in policy.targets.all():
        targets.setdefault(target.priority, {})[target.kind] = target.duration
    built = domain_sla.SlaPolicy(
        policy.name,
        targets,
        warning_percent=policy.warning_percent,
        critical_percent=policy.critical_percent,
    )
    with _lock:
        _policies[key] = built
        while len(_policies) > _KEEP:
            _policies.popitem(last=False)
    return built


def terms_to_domain(
    policy: SlaPolicy, calendar: BusinessCalendar, *, time_zone: str | None = None
) -> domain_sla.SlaTerms:
    return domain_sla.SlaTerms(
        policy_to_domain(policy), calendar_to_domain(calendar, time_zone=time_zone)
    )
