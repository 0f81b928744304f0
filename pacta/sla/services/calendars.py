"""Writing business calendars, their working windows and their closed days.

A calendar is checked whole: the pure core's calendar is built from the complete, final set of
rows (:func:`pacta.sla.mappers.calendar_from_rows`), and what it refuses comes back on the field
or the row the API and the back office show. ``windows`` and ``closed_days`` given to
:func:`calendar_create` / :func:`calendar_update` replace the calendar's rows; each row is
written (and audited) on its own. The back office edits the rows one by one
(:func:`calendar_window_create` and the others), each checking the whole week with the row.

A calendar may be created without windows (the back office adds them next); while its week is
empty it runs no clock, and contracts refuse it in their terms. Once it has working time, it
keeps some: the last window is not deleted.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from pacta.audit.services import (
    NON_FIELD,
    Actor,
    RecordWriter,
    apply_values,
    is_duplicate,
    record_create,
    record_delete,
    record_save,
    record_update,
)
from pacta.domain.calendar import WEEKDAYS
from pacta.domain.errors import FieldErrors, InvalidInput
from pacta.sla.errors import CalendarInvalid, LastRow, RowStaysWithItsRecord
from pacta.sla.mappers import calendar_from_rows
from pacta.sla.models import BusinessCalendar, CalendarWindow, ClosedDay, Weekday
from pacta.sla.selectors import calendar_is_in_terms
from pacta.sla.services.versions import delete_with_rows, pk_of, reason_for, touch

WINDOW_ROW_VALUES = frozenset({"weekday", "starts", "ends"})
CLOSED_DAY_ROW_VALUES = frozenset({"day", "name"})
_NAME_LENGTH = ClosedDay._meta.get_field("name").max_length or 200
#: How the pure core names what it refuses: a window ("hours.mon[1]") or a day ("hours.mon").
_WINDOW_FIELD = re.compile(r"^hours\.(\w+)\[(\d+)\]$")
_DAY_FIELD = re.compile(r"^hours\.(\w+)$")


# --- the rows of a calendar, as given or as stored -----------------------------------------------
@dataclass(frozen=True, eq=False)
class _Window:
    row: int  # its number among the rows given (or stored), from 1
    weekday: int
    starts: str
    ends: str
    pk: int | None = None

    @property
    def key(self) -> tuple[int, str, str]:
        return (self.weekday, self.starts, self.ends)

    def label(self) -> str:
        return f"{Weekday(self.weekday).label} {self.starts}–{self.ends}"


@dataclass(frozen=True)
class _Day:
    row: int
    day: dt.date
    name: str


@dataclass(frozen=True, eq=False)
class _Problem:
    """Something the calendar refuses: on one of its fields, or (``kind``) on a window."""

    field: str
    message: str = ""
    kind: str = ""  # starts_format, starts_24, ends_format, reversed, overlap
    window: _Window | None = None
    other: _Window | None = None  # the window an overlapping one overlaps


def _clock(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _is_list(value: Any) -> bool:
    return isinstance(value, Iterable) and not isinstance(value, str | bytes | Mapping)


def _window_rows(given: Any, refused: list[tuple[int, str]]) -> list[_Window]:
    """The windows given to a calendar, checked for shape row by row (numbered from 1); the
    rows refused go to ``refused`` as (row, message)."""
    if not _is_list(given):
        refused.append((0, _("Give the working windows as a list of rows.")))
        return []
    windows: list[_Window] = []
    for number, row in enumerate(given, start=1):
        where = {"row": number}
        if not isinstance(row, Mapping):
            refused.append(
                (number, _("Row %(row)d: a window is a weekday, a start and an end.") % where)
            )
            continue
        unknown = sorted(set(row) - WINDOW_ROW_VALUES)
        if unknown:
            names = ", ".join(map(str, unknown))
            refused.append(
                (number, _("Row %(row)d: unknown fields: %(names)s.") % {**where, "names": names})
            )
        weekday = row.get("weekday")
        if not isinstance(weekday, int) or isinstance(weekday, bool) or not 0 <= weekday <= 6:
            refused.append(
                (
                    number,
                    _("Row %(row)d: the weekday is a number from 0 (Monday) to 6 (Sunday).")
                    % where,
                )
            )
            continue
        starts, ends = _clock(row.get("starts")), _clock(row.get("ends"))
        windows.append(
            _Window(
                number,
                weekday,
                starts if isinstance(starts, str) else "",
                ends if isinstance(ends, str) else "",
            )
        )
    return windows


def _as_day(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _closed_day_rows(given: Any, errors: FieldErrors) -> list[_Day]:
    """The closed days given to a calendar, checked row by row (numbered from 1)."""
    if not _is_list(given):
        errors.add("closed_days", _("Give the closed days as a list of rows."))
        return []
    days: list[_Day] = []
    first_row: dict[dt.date, int] = {}
    for number, row in enumerate(given, start=1):
        where = {"row": number}
        if not isinstance(row, Mapping):
            errors.add("closed_days", _("Row %(row)d: a closed day is a day and a name.") % where)
            continue
        unknown = sorted(set(row) - CLOSED_DAY_ROW_VALUES)
        if unknown:
            errors.add(
                "closed_days",
                _("Row %(row)d: unknown fields: %(names)s.")
                % {**where, "names": ", ".join(map(str, unknown))},
            )
        day = _as_day(row.get("day"))
        name = row.get("name") or ""
        if day is None:
            errors.add("closed_days", _("Row %(row)d: give the day as a date.") % where)
            continue
        if not isinstance(name, str) or len(name.strip()) > _NAME_LENGTH:
            errors.add(
                "closed_days",
                _("Row %(row)d: the name is text of at most %(length)d characters.")
                % {**where, "length": _NAME_LENGTH},
            )
            continue
        if day in first_row:
            errors.add(
                "closed_days",
                _("Row %(row)d: %(day)s is already closed in row %(first)d.")
                % {**where, "day": day.isoformat(), "first": first_row[day]},
            )
            continue
        first_row[day] = number
        days.append(_Day(number, day, name.strip()))
    return days


def _stored_windows(calendar: BusinessCalendar) -> list[_Window]:
    if calendar.pk is None:
        return []
    rows = CalendarWindow.objects.filter(calendar_id=calendar.pk).order_by("weekday", "starts")
    return [
        _Window(number, row.weekday, row.starts, row.ends, row.pk)
        for number, row in enumerate(rows, start=1)
    ]


def _stored_days(calendar: BusinessCalendar) -> list[_Day]:
    if calendar.pk is None:
        return []
    rows = ClosedDay.objects.filter(calendar_id=calendar.pk).order_by("day")
    return [_Day(number, row.day, row.name) for number, row in enumerate(rows, start=1)]


# --- what the pure core refuses, on the rows ----------------------------------------------------
def _fits(text: str, *, end: bool) -> bool:
    """Whether the pure core takes ``text`` as the start (or the end) of some window."""
    window = ("00:00", text) if end else (text, "24:00")
    try:
        calendar_from_rows(time_zone="UTC", hours={"mon": [window]}, closed=[])
    except InvalidInput:
        return False
    return True


def _window_kind(window: _Window) -> str:
    if not _fits(window.starts, end=False):
        return "starts_24" if window.starts == "24:00" else "starts_format"
    if not _fits(window.ends, end=True) and window.ends != "00:00":
        return "ends_format"
    return "reversed"


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _overlaps(windows: list[_Window]) -> list[tuple[_Window, _Window]]:
    """Each window of one day that starts before an earlier one ends, with that earlier one."""
    ordered = sorted(windows, key=lambda w: (_minutes(w.starts), _minutes(w.ends), w.row))
    found: list[tuple[_Window, _Window]] = []
    holder: _Window | None = None
    for window in ordered:
        if holder is not None and _minutes(window.starts) < _minutes(holder.ends):
            found.append((window, holder))
        if holder is None or _minutes(window.ends) > _minutes(holder.ends):
            holder = window
    return found


def _week_problems(
    error: InvalidInput,
    where: Mapping[tuple[str, int], _Window],
    windows: list[_Window],
    *,
    need_week: bool,
) -> list[_Problem]:
    problems: list[_Problem] = []
    flagged: set[int] = set()
    overlapping_days: list[str] = []
    for name, messages in error.fields.items():
        found = _WINDOW_FIELD.match(name)
        window = where.get((found[1], int(found[2]))) if found else None
        if window is not None:
            flagged.add(id(window))
            problems.append(_Problem("windows", kind=_window_kind(window), window=window))
        elif found is None and (day := _DAY_FIELD.match(name)) is not None:
            overlapping_days.append(day[1])
        elif name == "hours":
            if need_week:
                problems.append(_Problem("windows", _(messages[0])))
        else:
            problems.append(_Problem(NON_FIELD, _(messages[0])))
    for day in overlapping_days:
        of_day = [w for w in windows if WEEKDAYS[w.weekday] == day and id(w) not in flagged]
        for window, other in _overlaps(of_day):
            problems.append(_Problem("windows", kind="overlap", window=window, other=other))
    return problems


def _problems(
    *,
    time_zone: str,
    holiday_country: str,
    holiday_subdivision: str,
    windows: list[_Window],
    days: list[_Day],
    need_week: bool,
) -> list[_Problem]:
    """What the pure core refuses in a calendar made of these values and rows.

    It stops at the first of: the holidays, the zone, the week; so each is tried again without
    the one refused, and every problem is reported at once.
    """
    hours: dict[str, list[tuple[str, str]]] = {}
    where: dict[tuple[str, int], _Window] = {}
    for window in windows:
        day = WEEKDAYS[window.weekday]
        of_day = hours.setdefault(day, [])
        where[(day, len(of_day))] = window
        of_day.append((window.starts, window.ends))
    closed = [d.day for d in days]
    settings = {
        "time_zone": time_zone,
        "holiday_country": holiday_country,
        "holiday_subdivision": holiday_subdivision,
    }
    problems: list[_Problem] = []
    for _attempt in range(3):
        try:
            calendar_from_rows(hours=hours, closed=closed, **settings)
        except InvalidInput as error:
            named = set(error.fields)
            holidays = sorted(named & {"holiday_country", "holiday_subdivision"})
            if holidays:
                problems += [_Problem(name, error.message_in(_)) for name in holidays]
                settings.update(holiday_country="", holiday_subdivision="")
                continue
            if "timezone" in named:
                problems.append(_Problem("time_zone", error.message_in(_)))
                settings["time_zone"] = "UTC"
                continue
            problems += _week_problems(error, where, windows, need_week=need_week)
        break
    return problems


def _row_message(problem: _Problem) -> str:
    """A window's problem, naming its row (how the API shows the rows of ``windows``)."""
    window = problem.window
    assert window is not None
    params = {"row": window.row, "window": window.label()}
    if problem.kind == "starts_24":
        return _("Row %(row)d (%(window)s): 24:00 can only end a window.") % params
    if problem.kind == "starts_format":
        return (
            _('Row %(row)d (%(window)s): give the start as "HH:MM", from 00:00 to 23:59.') % params
        )
    if problem.kind == "ends_format":
        return _('Row %(row)d (%(window)s): give the end as "HH:MM", up to 24:00.') % params
    if problem.kind == "overlap":
        return _("Row %(row)d (%(window)s): the windows of a day overlap.") % params
    return _("Row %(row)d (%(window)s): a window must end after it starts.") % params


def _field_message(problem: _Problem, other: _Window | None) -> tuple[str, str]:
    """A problem of the one window being written, on its own field (the back office's rows)."""
    if problem.kind == "starts_24":
        return "starts", _("24:00 can only end a window.")
    if problem.kind == "starts_format":
        return "starts", _('Give the time as "HH:MM", from 00:00 to 23:59.')
    if problem.kind == "ends_format":
        return "ends", _('Give the time as "HH:MM", up to 24:00.')
    if problem.kind == "overlap":
        assert other is not None
        return "starts", _("This window overlaps %(other)s.") % {"other": other.label()}
    return "ends", _("A window must end after it starts.")


def _raise(errors: FieldErrors) -> None:
    try:
        errors.raise_if_any()
    except InvalidInput as error:
        raise CalendarInvalid(error.detail, fields=error.fields) from None


def _calendar_problems(
    calendar: BusinessCalendar, windows: list[_Window], days: list[_Day], *, need_week: bool
) -> list[_Problem]:
    return _problems(
        time_zone=calendar.time_zone,
        holiday_country=calendar.holiday_country,
        holiday_subdivision=calendar.holiday_subdivision,
        windows=windows,
        days=days,
        need_week=need_week,
    )


# --- calendars -----------------------------------------------------------------------------------
class _CalendarCheck:
    """The check of one calendar write: its values with its rows as they will be once written
    (the rows given, or the stored ones). Keeps the checked rows for the writer."""

    def __init__(self, windows_given: Any = None, days_given: Any = None) -> None:
        self.windows_given = windows_given
        self.days_given = days_given
        self.windows: list[_Window] = []
        self.days: list[_Day] = []

    def __call__(
        self, calendar: BusinessCalendar, m2m: Mapping[str, list[Any]] | None = None
    ) -> None:
        errors = FieldErrors()
        given = self.windows_given is not None
        refused: list[tuple[int, str]] = []
        self.windows = (
            _window_rows(self.windows_given, refused) if given else _stored_windows(calendar)
        )
        self.days = (
            _closed_day_rows(self.days_given, errors)
            if self.days_given is not None
            else _stored_days(calendar)
        )
        need_week = given and not refused
        for problem in _calendar_problems(calendar, self.windows, self.days, need_week=need_week):
            if problem.window is not None:
                refused.append((problem.window.row, _row_message(problem)))
            elif problem.field == "windows":
                refused.append((len(self.windows) + 1, problem.message))
            else:
                errors.add(problem.field, problem.message)
        for _row, message in sorted(refused, key=lambda item: item[0]):
            errors.add("windows", message)
        _raise(errors)


def calendar_check(calendar: BusinessCalendar, m2m: Mapping[str, list[Any]] | None = None) -> None:
    """The calendar's values with its stored windows and closed days."""
    _CalendarCheck()(calendar, m2m)


def _normalized(values: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(values)
    for name in ("name", "time_zone", "holiday_subdivision"):
        if isinstance(values.get(name), str):
            values[name] = values[name].strip()
    if isinstance(values.get("holiday_country"), str):
        values["holiday_country"] = values["holiday_country"].strip().upper()
    return values


def _write_rows(
    *, actor: Actor, calendar: BusinessCalendar, check: _CalendarCheck, reason: str
) -> bool:
    """Make the calendar's rows those checked (rows already there are kept); whether any
    changed. Each row is written on its own, with its audit entry."""
    changed = False
    if check.windows_given is not None:
        kept: set[tuple[int, str, str]] = set()
        wanted = {window.key for window in check.windows}
        for row in CalendarWindow.objects.filter(calendar_id=calendar.pk):
            key = (row.weekday, row.starts, row.ends)
            if key in wanted and key not in kept:
                kept.add(key)
            else:
                record_delete(row, actor=actor, reason=reason)
                changed = True
        for window in check.windows:
            if window.key not in kept:
                values = {"weekday": window.weekday, "starts": window.starts, "ends": window.ends}
                _window_add(actor=actor, calendar=calendar, values=values, reason=reason)
                kept.add(window.key)
                changed = True
    if check.days_given is not None:
        stored = {row.day: row for row in ClosedDay.objects.filter(calendar_id=calendar.pk)}
        wanted_days = {day.day: day for day in check.days}
        for day, row in stored.items():
            if day not in wanted_days:
                record_delete(row, actor=actor, reason=reason)
                changed = True
        for day in check.days:
            row = stored.get(day.day)
            if row is None:
                values = {"day": day.day, "name": day.name}
                _closed_day_add(actor=actor, calendar=calendar, values=values, reason=reason)
                changed = True
            elif row.name != day.name:
                record_update(row, actor=actor, values={"name": day.name}, reason=reason)
                changed = True
    return changed


def _window_add(
    *, actor: Actor, calendar: BusinessCalendar, values: Mapping[str, Any], reason: str
) -> CalendarWindow:
    # The audited path of calendar_window_create, without its one-row check: the whole week
    # was checked before any row was written.
    return record_create(
        CalendarWindow, actor=actor, values={**values, "calendar": calendar}, reason=reason
    )


def _closed_day_add(
    *, actor: Actor, calendar: BusinessCalendar, values: Mapping[str, Any], reason: str
) -> ClosedDay:
    return record_create(
        ClosedDay, actor=actor, values={**values, "calendar": calendar}, reason=reason
    )


def calendar_create(
    *, actor: Actor, values: Mapping[str, Any], reason: str = ""
) -> BusinessCalendar:
    """A calendar; ``windows`` ([{weekday 0–6, starts "HH:MM", ends "HH:MM" or "24:00"}]) and
    ``closed_days`` ([{day, name}]) give its rows."""
    values = _normalized(values)
    check = _CalendarCheck(values.pop("windows", None), values.pop("closed_days", None))
    with transaction.atomic():
        calendar = BusinessCalendar()
        m2m = apply_values(calendar, values)
        record_save(calendar, actor=actor, reason=reason, check=check, m2m=m2m)
        if _write_rows(actor=actor, calendar=calendar, check=check, reason=reason):
            touch(BusinessCalendar, calendar.pk, record=calendar)
    return calendar


def calendar_update(
    *,
    actor: Actor,
    calendar: BusinessCalendar,
    values: Mapping[str, Any],
    reason: str = "",
) -> BusinessCalendar:
    """Change a calendar; ``windows`` and ``closed_days``, when given, replace its rows. A
    calendar in the terms of a contract that left draft is a term: a reason is required."""
    values = _normalized(values)
    check = _CalendarCheck(values.pop("windows", None), values.pop("closed_days", None))
    with transaction.atomic():
        reason = reason_for(calendar_is_in_terms(calendar), reason)
        m2m = apply_values(calendar, values)
        record_save(calendar, actor=actor, reason=reason, check=check, m2m=m2m)
        if _write_rows(actor=actor, calendar=calendar, check=check, reason=reason):
            touch(BusinessCalendar, calendar.pk, record=calendar)
    return calendar


def calendar_delete(*, actor: Actor, calendar: BusinessCalendar, reason: str = "") -> None:
    """Delete a calendar and its rows; one that contract versions or tickets use stays
    (409 ``in_use``)."""
    rows = [*calendar.windows.all(), *calendar.closed_days.all()]
    delete_with_rows(calendar, rows, actor=actor, reason=reason)


CALENDAR = RecordWriter(
    param="calendar",
    create=calendar_create,
    update=calendar_update,
    delete=calendar_delete,
    check=calendar_check,
)


# --- one row at a time (the back office's inlines) ----------------------------------------------
def _calendar_locked(pk: Any) -> BusinessCalendar | None:
    """The calendar's row, locked until the end of the transaction: one row at a time."""
    if pk is None:
        return None
    return BusinessCalendar.objects.select_for_update().filter(pk=pk).first()


def _refuse_move(values: Mapping[str, Any], calendar_id: Any, message: str) -> None:
    if "calendar" in values and pk_of(values["calendar"]) != calendar_id:
        raise RowStaysWithItsRecord.on("calendar", message)


def calendar_window_check(
    window: CalendarWindow, m2m: Mapping[str, list[Any]] | None = None
) -> None:
    """The whole week of the window's calendar, with this window as it will be."""
    calendar = window.calendar
    others = [w for w in _stored_windows(calendar) if w.pk != window.pk]
    changed = _Window(len(others) + 1, window.weekday, window.starts, window.ends, window.pk)
    errors = FieldErrors()
    problems = _calendar_problems(
        calendar, [*others, changed], _stored_days(calendar), need_week=False
    )
    for problem in problems:
        if problem.window is changed:
            errors.add(*_field_message(problem, problem.other))
        elif problem.kind == "overlap" and problem.other is changed:
            errors.add(*_field_message(problem, problem.window))
        elif problem.window is not None:
            errors.add("windows", _row_message(problem))
        else:
            errors.add(problem.field, problem.message)
    _raise(errors)


def _window_values(values: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(values)
    for name in ("starts", "ends"):
        if name in values:
            values[name] = _clock(values[name])
    return values


def calendar_window_create(
    *, actor: Actor, values: Mapping[str, Any], reason: str = ""
) -> CalendarWindow:
    values = _window_values(values)
    with transaction.atomic():
        window = CalendarWindow()
        m2m = apply_values(window, values)
        calendar = _calendar_locked(window.calendar_id)
        if calendar is not None:
            reason = reason_for(calendar_is_in_terms(calendar), reason)
        record_save(window, actor=actor, reason=reason, check=calendar_window_check, m2m=m2m)
        touch(BusinessCalendar, window.calendar_id)
    return window


def calendar_window_update(
    *,
    actor: Actor,
    calendar_window: CalendarWindow,
    values: Mapping[str, Any],
    reason: str = "",
) -> CalendarWindow:
    values = _window_values(values)
    with transaction.atomic():
        calendar = _calendar_locked(calendar_window.calendar_id)
        _refuse_move(
            values,
            calendar_window.calendar_id,
            _("A window stays with its calendar; add it to the other calendar instead."),
        )
        if calendar is not None:
            reason = reason_for(calendar_is_in_terms(calendar), reason)
        record_update(
            calendar_window,
            actor=actor,
            values=values,
            reason=reason,
            check=calendar_window_check,
        )
        touch(BusinessCalendar, calendar_window.calendar_id)
    return calendar_window


def calendar_window_delete(
    *, actor: Actor, calendar_window: CalendarWindow, reason: str = ""
) -> None:
    with transaction.atomic():
        calendar = _calendar_locked(calendar_window.calendar_id)
        assert calendar is not None
        reason = reason_for(calendar_is_in_terms(calendar), reason)
        others = CalendarWindow.objects.filter(calendar_id=calendar.pk).exclude(
            pk=calendar_window.pk
        )
        if not others.exists():
            raise LastRow(
                _(
                    "%(window)s is the last working window of %(calendar)s, and a calendar "
                    "keeps at least one: add the new window first, then delete this one."
                )
                % {"window": str(calendar_window), "calendar": calendar.name}
            )
        record_delete(calendar_window, actor=actor, reason=reason)
        touch(BusinessCalendar, calendar.pk)


CALENDAR_WINDOW = RecordWriter(
    param="calendar_window",
    create=calendar_window_create,
    update=calendar_window_update,
    delete=calendar_window_delete,
    check=calendar_window_check,
)


def closed_day_check(closed_day: ClosedDay, m2m: Mapping[str, list[Any]] | None = None) -> None:
    """The calendar with this closed day as it will be."""
    errors = FieldErrors()
    if is_duplicate(closed_day, calendar_id=closed_day.calendar_id, day=closed_day.day):
        errors.add("day", _("This day is already closed in this calendar."))
    _raise(errors)
    calendar = closed_day.calendar
    days = [d for d in _stored_days(calendar) if d.day != closed_day.day]
    days.append(_Day(len(days) + 1, closed_day.day, closed_day.name))
    for problem in _calendar_problems(calendar, _stored_windows(calendar), days, need_week=False):
        if problem.window is not None:
            errors.add("windows", _row_message(problem))
        else:
            errors.add("day" if problem.field == "closed_days" else problem.field, problem.message)
    _raise(errors)


def _day_values(values: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(values)
    if isinstance(values.get("name"), str):
        values["name"] = values["name"].strip()
    return values


def closed_day_create(*, actor: Actor, values: Mapping[str, Any], reason: str = "") -> ClosedDay:
    values = _day_values(values)
    with transaction.atomic():
        closed_day = ClosedDay()
        m2m = apply_values(closed_day, values)
        calendar = _calendar_locked(closed_day.calendar_id)
        if calendar is not None:
            reason = reason_for(calendar_is_in_terms(calendar), reason)
        record_save(closed_day, actor=actor, reason=reason, check=closed_day_check, m2m=m2m)
        touch(BusinessCalendar, closed_day.calendar_id)
    return closed_day


def closed_day_update(
    *, actor: Actor, closed_day: ClosedDay, values: Mapping[str, Any], reason: str = ""
) -> ClosedDay:
    values = _day_values(values)
    with transaction.atomic():
        calendar = _calendar_locked(closed_day.calendar_id)
        _refuse_move(
            values,
            closed_day.calendar_id,
            _("A closed day stays with its calendar; add it to the other calendar instead."),
        )
        if calendar is not None:
            reason = reason_for(calendar_is_in_terms(calendar), reason)
        record_update(closed_day, actor=actor, values=values, reason=reason, check=closed_day_check)
        touch(BusinessCalendar, closed_day.calendar_id)
    return closed_day


def closed_day_delete(*, actor: Actor, closed_day: ClosedDay, reason: str = "") -> None:
    with transaction.atomic():
        calendar = _calendar_locked(closed_day.calendar_id)
        assert calendar is not None
        reason = reason_for(calendar_is_in_terms(calendar), reason)
        record_delete(closed_day, actor=actor, reason=reason)
        touch(BusinessCalendar, calendar.pk)


CLOSED_DAY = RecordWriter(
    param="closed_day",
    create=closed_day_create,
    update=closed_day_update,
    delete=closed_day_delete,
    check=closed_day_check,
)
