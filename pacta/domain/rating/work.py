"""The work record a work order is rated from, as frozen values the app builds from its rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from pacta.domain.calendar import HolidaySource, Window, _parse_week

_ALWAYS_OPEN: tuple[tuple[tuple[int, int], ...], ...] = tuple(((0, 86_400),) for _ in range(7))


class TimeKind(StrEnum):
    WORK = "work"
    TRAVEL = "travel"


@dataclass(frozen=True, slots=True)
class TimeEntry:
    """Time one technician spent on the work order, working or travelling (aware instants)."""

    technician_id: str
    started_at: dt.datetime
    ended_at: dt.datetime
    kind: TimeKind = TimeKind.WORK


@dataclass(frozen=True, slots=True)
class PartUsed:
    product_code: str
    quantity: Decimal


@dataclass(frozen=True, slots=True)
class Travel:
    """How far the technician came: the site's zone (the default) or a distance in km."""

    zone_code: str = ""
    distance_km: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Warranty:
    """The equipment's warranty: until (and including) ``until_on``, covering labour and/or
    parts."""

    until_on: dt.date
    covers_labour: bool = True
    covers_parts: bool = True


@dataclass(frozen=True)
class Site:
    """Where the work is done: its time zone, zone code, public holidays and access hours
    (weekday -> windows, as a business calendar's hours; None: always accessible)."""

    site_id: str
    timezone: str
    zone_code: str = ""
    holidays: HolidaySource | None = None
    access_hours: Mapping[str, Sequence[Window]] | None = None
    access_week: tuple[tuple[tuple[int, int], ...], ...] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        week = _ALWAYS_OPEN if self.access_hours is None else _parse_week(self.access_hours)
        object.__setattr__(self, "access_week", week)


@dataclass(frozen=True)
class WorkRecord:
    """A completed work order: one service, at one site, with its time, parts and travel.

    ``is_visit``: whether it counts as a visit for visit allowances and caps. ``approved``:
    out-of-scope work a manager approved (rated as billable instead of needing approval).
    """

    work_order_id: str
    service_code: str
    site: Site
    time_entries: tuple[TimeEntry, ...] = ()
    parts: tuple[PartUsed, ...] = ()
    travel: Travel | None = None
    priority: str = "normal"
    emergency: bool = False
    warranty: Warranty | None = None
    is_visit: bool = True
    approved: bool = False
    performed_on: dt.date | None = None
