"""Preventive plans: the days a recurring visit falls on, and the open day it moves to when a
day is closed. Pure: no Django; the window of days is passed in."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Collection, Iterable

from pacta.domain.errors import InvalidInput
from pacta.domain.text import gettext_noop

WEEKS, MONTHS = "weeks", "months"
#: How far a visit may move to find an open day (a calendar closed for longer is refused).
LONGEST_CLOSURE_DAYS = 366

HolidaySource = Callable[[int], Iterable[dt.date]]


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months`` months; the 31st becomes the month's last day when shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def plan_dates(
    *,
    starts_on: dt.date,
    frequency: str,
    interval: int,
    months: Collection[int] = (),
    ends_on: dt.date | None = None,
    first_on: dt.date,
    last_on: dt.date,
) -> list[dt.date]:
    """The nominal days of a plan within [first_on, last_on]: every ``interval`` weeks or
    months counted from ``starts_on`` (always from it, so a short month does not shift the
    later ones), only in ``months`` when given (seasonal visits), none after ``ends_on``."""
    if frequency not in (WEEKS, MONTHS):
        raise InvalidInput.on("frequency", gettext_noop("Choose every N weeks or every N months."))
    if interval < 1:
        raise InvalidInput.on("interval", gettext_noop("The interval is at least 1."))
    last = min(last_on, ends_on) if ends_on is not None else last_on
    found: list[dt.date] = []
    step = 0
    while True:
        if frequency == WEEKS:
            day = starts_on + dt.timedelta(weeks=interval * step)
        else:
            day = add_months(starts_on, interval * step)
        if day > last:
            return found
        if day >= first_on and (not months or day.month in months):
            found.append(day)
        step += 1


def next_open_day(
    day: dt.date, *, open_weekdays: Collection[int], holidays: HolidaySource | None = None
) -> dt.date:
    """``day`` if it is open, else the next open day: a weekday the calendar works
    (0 = Monday) that is not one of its holidays or closed days."""
    if not open_weekdays:
        raise InvalidInput.on("calendar", gettext_noop("The calendar has no working day."))
    closed: set[dt.date] = set()
    years: set[int] = set()
    for offset in range(LONGEST_CLOSURE_DAYS + 1):
        candidate = day + dt.timedelta(days=offset)
        if holidays is not None and candidate.year not in years:
            closed.update(holidays(candidate.year))
            years.add(candidate.year)
        if candidate.weekday() in open_weekdays and candidate not in closed:
            return candidate
    raise InvalidInput.on("calendar", gettext_noop("The calendar has no open day within a year."))
