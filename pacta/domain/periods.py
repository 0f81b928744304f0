"""Billing periods: months, quarters or years counted from a contract's first day.

A contract that starts on the 31st has periods starting on the last day of shorter months
(31 Jan, 28 Feb, 31 Mar …): each start is the contract's day of month, or the month's last day
when the month is shorter. Periods follow one another with no gap and no overlap.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from pacta.domain.errors import InvalidInput
from pacta.domain.text import gettext_noop

MONTHS = {"month": 1, "quarter": 3, "year": 12}


@dataclass(frozen=True, slots=True)
class Period:
    """Days ``starts_on`` up to, not including, ``ends_before``."""

    starts_on: dt.date
    ends_before: dt.date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.starts_on <= day < self.ends_before


def _months_after(first: dt.date, months: int) -> dt.date:
    index = first.year * 12 + first.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(first.day, last))


def period_of(*, starts_on: dt.date, length: str, day: dt.date) -> Period:
    """The billing period of a contract starting ``starts_on`` that holds ``day``."""
    if length not in MONTHS:
        raise InvalidInput.on(
            "billing_period", gettext_noop("A period is a month, quarter or year.")
        )
    if day < starts_on:
        raise InvalidInput.on("day", gettext_noop("The day is before the contract starts."))
    step = MONTHS[length]
    months = (day.year - starts_on.year) * 12 + day.month - starts_on.month
    index = months // step
    start = _months_after(starts_on, index * step)
    if start > day:
        index -= 1
        start = _months_after(starts_on, index * step)
    return Period(start, _months_after(starts_on, (index + 1) * step))
