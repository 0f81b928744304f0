"""Business time: working windows per weekday in an IANA time zone, minus closed days.

Business time is real elapsed time inside the working windows: a window that spans a change of
daylight saving time is an hour shorter or longer that night. Adding business time that ends
exactly at a window's close returns that close (not the next opening); starting outside a window
starts counting at the next opening. Instants are exact to the microsecond.

How it is fast: the calendar keeps a timeline of its working windows as UTC seconds, with the
business time elapsed before each window, for a span of local days that grows when an instant
falls outside it. Counting business time up to an instant is one binary search, so ``between``
costs two searches and ``add`` two, whatever the durations involved. ``add`` and ``between``
run in C where ``pacta/domain/_timeline.c`` was built (by ``make install``, wherever a C compiler
is): the same float operations in the same order over the same timeline, so the same answers bit
for bit (a property test compares them); where the C code meets anything but the common case it
defers to the Python methods below, which remain the definition.

How it stays exact: window edges are whole seconds, which a float holds exactly; an input
instant carries at most half a unit in the last place (about 0.12 microsecond for this
century's timestamps), and each result is rounded to the microsecond once, on the way out.
The error before that rounding stays under half a microsecond, so results are exact to the
microsecond (the property tests check it).
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pacta.domain.errors import FieldErrors, InvalidInput
from pacta.domain.text import gettext_noop

try:  # the optional C accelerator of the hot paths (built by `make install` where a compiler is)
    from pacta.domain import _timeline
except ImportError:  # pragma: no cover - without a C compiler the Python below does it all
    _timeline = None  # type: ignore[assignment]

#: Whether add/between run in C (same answers, bit for bit; see _timeline.c).
ACCELERATED = _timeline is not None
_c_add = _timeline.add if _timeline is not None else None
_c_between = _timeline.between if _timeline is not None else None
_c_between_paused = _timeline.between_paused if _timeline is not None else None

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_UTC = dt.UTC
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=_UTC)
_DAY_SECONDS = 86_400
_datetime = dt.datetime
_timedelta = dt.timedelta
_fromtimestamp = dt.datetime.fromtimestamp
_MICROSECOND = dt.timedelta(microseconds=1)
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
#: Half a microsecond: an addition landing this close past a window's close lands on the close
#: (its float sum only looks past it), so "ends exactly at close" holds under rounding.
_TIE = 5e-7
_CLOCK = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$")
#: How far the timeline grows at a time, and how far an addition may look for open time.
_GROWTH_DAYS = 400
_SEARCH_LIMIT_DAYS = 366 * 20

Window = tuple[str, str]
HolidaySource = Callable[[int], Iterable[dt.date]]


def _seconds(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 3600 + int(minutes) * 60


def _parse_week(hours: Mapping[str, Sequence[Window]]) -> tuple[tuple[tuple[int, int], ...], ...]:
    """Each weekday's windows as (start, end) seconds after local midnight, checked."""
    errors = FieldErrors()
    if not isinstance(hours, Mapping):
        raise InvalidInput.on("hours", gettext_noop("Give the working hours per weekday."))
    for day in hours:
        if day not in WEEKDAYS:
            errors.add(
                "hours",
                gettext_noop("Weekdays are mon, tue, wed, thu, fri, sat and sun."),
            )
    week: list[tuple[tuple[int, int], ...]] = []
    for day in WEEKDAYS:
        parsed: list[tuple[int, int]] = []
        for index, window in enumerate(hours.get(day, ()) or ()):
            field = f"hours.{day}[{index}]"
            if (
                not isinstance(window, Sequence)
                or isinstance(window, str)
                or len(window) != 2
                or not all(isinstance(c, str) and _CLOCK.match(c) for c in window)
            ):
                errors.add(field, gettext_noop('A window is a start and an end, "HH:MM".'))
                continue
            start, end = _seconds(window[0]), _seconds(window[1])
            if start == _DAY_SECONDS:
                errors.add(field, gettext_noop("24:00 can only end a window."))
            elif end <= start:
                errors.add(field, gettext_noop("A window must end after it starts."))
            else:
                parsed.append((start, end))
        parsed.sort()
        for (_s1, e1), (s2, _e2) in pairwise(parsed):
            if s2 < e1:
                errors.add(f"hours.{day}", gettext_noop("The windows of a day overlap."))
                break
        week.append(tuple(parsed))
    errors.raise_if_any()
    if not any(week):
        raise InvalidInput.on(
            "hours", gettext_noop("A calendar needs at least one working window in its week.")
        )
    return tuple(week)


def _zone(name: str) -> ZoneInfo:
    try:
        if not isinstance(name, str) or not name or name != name.strip():
            raise ValueError
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            gettext_noop("%(zone)s is not an IANA time zone (e.g. Europe/Madrid)."),
            code="unknown_time_zone",
            fields={"timezone": [gettext_noop("Not an IANA time zone.")]},
            params={"zone": name},
        ) from None


def _refuse(value: object, field: str) -> InvalidInput:
    if not isinstance(value, dt.datetime):
        return InvalidInput.on(field, gettext_noop("Expected a date and time."))
    return InvalidInput(
        gettext_noop("%(field)s has no time zone: give an aware date and time."),
        code="naive_datetime",
        fields={field: [gettext_noop("A date and time without a time zone is ambiguous.")]},
        params={"field": field},
    )


def _instant(value: object, field: str) -> float:
    """An aware datetime as UTC seconds; a naive one is refused.

    Computed from the fields and the zone's own offset: on the machines measured this is
    faster than ``datetime.timestamp()``, and it gives the same float.
    """
    if value.__class__ is not _datetime and not isinstance(value, dt.datetime):
        raise _refuse(value, field)
    zone = value.tzinfo
    offset = zone.utcoffset(value) if zone is not None else None
    if offset is None:
        raise _refuse(value, field)
    return (
        (value.toordinal() - _EPOCH_ORDINAL) * 86400
        + value.hour * 3600
        + value.minute * 60
        + value.second
        - offset.days * 86400
        - offset.seconds
        + (value.microsecond - offset.microseconds) / 1e6
    )


def _seconds_of(duration: object) -> float:
    if duration.__class__ is not _timedelta and not isinstance(duration, dt.timedelta):
        raise InvalidInput.on("duration", gettext_noop("Expected a duration."))
    seconds: float = duration.total_seconds()
    if seconds < 0:
        raise InvalidInput.on("duration", gettext_noop("A duration cannot be negative."))
    return seconds


class BusinessCalendar:
    """Working windows per weekday in a time zone, minus closed days (and public holidays).

    ``hours`` maps "mon".."sun" to windows ``("08:00", "13:00")``; "24:00" may end a window; a
    missing day is closed. ``closed`` lists whole days closed. ``holidays``, if given, is asked
    once per year for that year's public holidays (see :mod:`pacta.domain.public_holidays`).
    """

    __slots__ = (
        "_closed",
        "_cum_end",
        "_cum_start",
        "_ends",
        "_first_day",
        "_high",
        "_holiday_source",
        "_holiday_years",
        "_last_day",
        "_low",
        "_span_end",
        "_span_start",
        "_starts",
        "_state",
        "_week",
        "_zone",
        "hours",
        "timezone",
    )

    def __init__(
        self,
        timezone: str,
        hours: Mapping[str, Sequence[Window]],
        closed: Iterable[dt.date] = (),
        *,
        holidays: HolidaySource | None = None,
    ) -> None:
        self._zone = _zone(timezone)
        self.timezone = timezone
        self._week = _parse_week(hours)
        self.hours = {day: tuple(tuple(w) for w in hours.get(day, ())) for day in WEEKDAYS}
        closed_days = set()
        for day in closed:
            if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
                raise InvalidInput.on("closed", gettext_noop("Closed days are dates."))
            closed_days.add(day)
        self._closed = closed_days
        self._holiday_source = holidays
        self._holiday_years: set[int] = set()
        self._starts: list[float] = []
        self._ends: list[float] = []
        self._cum_start: list[float] = []
        self._cum_end: list[float] = []
        self._first_day = 0
        self._last_day = -1
        self._span_start = 0.0
        self._span_end = 0.0
        self._low = 1.0  # an empty timeline covers nothing: low > high
        self._high = 0.0
        self._state: list[object] = []
        self._sync()

    def __repr__(self) -> str:
        return f"BusinessCalendar({self.timezone!r}, {self.hours!r})"

    # --- the timeline ---------------------------------------------------------------------------
    def _sync(self) -> None:
        """Hand the timeline to the C accelerator: the same lists, the span they cover."""
        self._state[:] = [
            self._starts,
            self._ends,
            self._cum_start,
            self._cum_end,
            self._low,
            self._high,
            self._zone,
        ]

    def _local_us(self, day: dt.date, seconds: int) -> float:
        """The UTC instant (seconds) of local wall-clock time ``seconds`` after ``day``'s start."""
        if seconds == _DAY_SECONDS:
            day, seconds = day + dt.timedelta(days=1), 0
        hour, rest = divmod(seconds, 3600)
        local = dt.datetime(day.year, day.month, day.day, hour, rest // 60, tzinfo=self._zone)
        return float((local - _EPOCH) // dt.timedelta(seconds=1))

    def _is_closed(self, day: dt.date) -> bool:
        if self._holiday_source is not None and day.year not in self._holiday_years:
            self._closed.update(self._holiday_source(day.year))
            self._holiday_years.add(day.year)
        return day in self._closed

    def _windows(self, first: int, last: int) -> tuple[list[float], list[float]]:
        """The windows of local days ``first``..``last`` (ordinals), adjacent ones merged."""
        starts: list[float] = []
        ends: list[float] = []
        for ordinal in range(first, last + 1):
            day = dt.date.fromordinal(ordinal)
            windows = self._week[day.weekday()]
            if not windows or self._is_closed(day):
                continue
            for start, end in windows:
                start_us, end_us = self._local_us(day, start), self._local_us(day, end)
                if end_us <= start_us:
                    continue  # a window swallowed by a daylight-saving jump
                if ends and ends[-1] >= start_us:
                    ends[-1] = max(ends[-1], end_us)
                else:
                    starts.append(start_us)
                    ends.append(end_us)
        return starts, ends

    def _rebuild(self, first: int, last: int) -> None:
        starts, ends = self._windows(first, last)
        cum_start: list[float] = []
        cum_end: list[float] = []
        total = 0.0
        for start, end in zip(starts, ends, strict=True):
            cum_start.append(total)
            total += end - start
            cum_end.append(total)
        self._starts, self._ends, self._cum_start, self._cum_end = starts, ends, cum_start, cum_end
        self._first_day, self._last_day = first, last
        self._span_start = self._local_us(dt.date.fromordinal(first), 0)
        self._span_end = self._local_us(dt.date.fromordinal(last + 1), 0)
        self._low, self._high = self._span_start + _DAY_SECONDS, self._span_end - _DAY_SECONDS
        self._sync()

    def _grow_forward(self) -> None:
        """Append the next days' windows (earlier totals stay valid)."""
        first, last = self._last_day + 1, self._last_day + _GROWTH_DAYS
        starts, ends = self._windows(first, last)
        total = self._cum_end[-1] if self._cum_end else 0.0
        if starts and self._ends and self._ends[-1] >= starts[0]:
            # a window running over the old edge (a 24-hour week): join the two halves
            joined_end = ends[0]
            total += joined_end - self._ends[-1]
            self._ends[-1] = joined_end
            self._cum_end[-1] = total
            starts, ends = starts[1:], ends[1:]
        for start, end in zip(starts, ends, strict=True):
            self._starts.append(start)
            self._ends.append(end)
            self._cum_start.append(total)
            total += end - start
            self._cum_end.append(total)
        self._last_day = last
        self._span_end = self._local_us(dt.date.fromordinal(last + 1), 0)
        self._high = self._span_end - _DAY_SECONDS
        self._sync()

    def _cover(self, low: float, high: float) -> None:
        """Make the timeline span ``low``..``high`` (with a day of margin each side)."""
        if self._low <= low and high < self._high:
            return
        low_day = _fromtimestamp(low, self._zone).date()
        high_day = _fromtimestamp(high, self._zone).date()
        first = low_day.toordinal() - 2
        last = high_day.toordinal() + 2
        if self._last_day >= self._first_day:
            if first >= self._first_day:
                first = self._first_day
                while self._last_day < last:
                    self._grow_forward()
                return
            first = min(first, self._first_day - _GROWTH_DAYS)
            last = max(last, self._last_day)
        else:
            last = max(last, first + _GROWTH_DAYS)
        self._rebuild(first, last)

    def _elapsed(self, t: float) -> float:
        """Business seconds from the start of the timeline up to instant ``t``."""
        i = bisect_right(self._starts, t) - 1
        if i < 0:
            return 0
        if t >= self._ends[i]:
            return self._cum_end[i]
        return self._cum_start[i] + (t - self._starts[i])

    def _out(self, t: float) -> dt.datetime:
        return _fromtimestamp(t, self._zone)  # rounds to the microsecond

    # --- the interface --------------------------------------------------------------------------
    def between(
        self,
        start: dt.datetime,
        end: dt.datetime,
        *,
        pauses: Sequence[tuple[dt.datetime, dt.datetime]] = (),
    ) -> dt.timedelta:
        """Business time in [start, end); zero when ``end`` is not after ``start``.

        ``pauses`` (in order, not overlapping) are left out: a ticket's time used is one call.
        """
        if pauses:
            if _c_between_paused is not None:
                result = _c_between_paused(self._state, start, end, pauses)
                if result is not None:
                    return result
            return self._between_paused(start, end, pauses)
        if _c_between is not None:
            result = _c_between(self._state, start, end)
            if result is not None:
                return result
        return self._between_py(start, end)

    def add(self, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        """The instant ``duration`` of business time after ``start``, in the calendar's zone."""
        if _c_add is not None:
            result = _c_add(self._state, start, duration)
            if result is not None:
                return result
        return self._add_py(start, duration)

    # --- the same, in Python: the definition (the C accelerator returns None where it defers) ---
    # The hot paths below inline _instant() and _seconds_of(): a Python call costs as much as
    # the arithmetic it wraps. Keep them in step with those two functions, and _timeline.c in
    # step with them all.
    def _between_py(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        if start.__class__ is not _datetime or end.__class__ is not _datetime:
            s, e = _instant(start, "start"), _instant(end, "end")
        else:
            zone, other = start.tzinfo, end.tzinfo
            offset = zone.utcoffset(start) if zone is not None else None
            if offset is None:
                raise _refuse(start, "start")
            s = (
                (start.toordinal() - _EPOCH_ORDINAL) * 86400
                + start.hour * 3600
                + start.minute * 60
                + start.second
                - offset.days * 86400
                - offset.seconds
                + (start.microsecond - offset.microseconds) / 1e6
            )
            offset = other.utcoffset(end) if other is not None else None
            if offset is None:
                raise _refuse(end, "end")
            e = (
                (end.toordinal() - _EPOCH_ORDINAL) * 86400
                + end.hour * 3600
                + end.minute * 60
                + end.second
                - offset.days * 86400
                - offset.seconds
                + (end.microsecond - offset.microseconds) / 1e6
            )
        if e <= s:
            return _timedelta(0)
        if not (self._low <= s and e < self._high):
            self._cover(s, e)
        starts = self._starts
        i = bisect_right(starts, e) - 1
        if i < 0:
            return _timedelta(0)
        elapsed = self._cum_end[i] if e >= self._ends[i] else self._cum_start[i] + (e - starts[i])
        # The start is mostly in the end's window or the one before; search only otherwise.
        if starts[i] > s:
            i -= 1
            if i >= 0 and starts[i] > s:
                i = bisect_right(starts, s, 0, i) - 1
        if i >= 0:
            if s >= self._ends[i]:
                elapsed -= self._cum_end[i]
            else:
                elapsed -= self._cum_start[i] + (s - starts[i])
        return _MICROSECOND * round(elapsed * 1e6)  # rounds to the microsecond

    def _between_paused(
        self,
        start: dt.datetime,
        end: dt.datetime,
        pauses: Sequence[tuple[dt.datetime, dt.datetime]],
    ) -> dt.timedelta:
        s, e = _instant(start, "start"), _instant(end, "end")
        if e <= s:
            return _timedelta(0)
        spans = []
        previous = s
        for index, (pause_start, pause_end) in enumerate(pauses):
            ps, pe = _instant(pause_start, "pauses"), _instant(pause_end, "pauses")
            if pe < ps or ps < previous:
                raise InvalidInput.on(
                    f"pauses[{index}]",
                    gettext_noop("Pauses must be in order, within the span, and not overlap."),
                )
            spans.append((previous, ps))
            previous = pe
        spans.append((previous, e))
        self._cover(s, e)
        # Each span is rounded on its own (two terms: under half a microsecond of error), then
        # summed as whole microseconds, so the result stays exact however many pauses.
        microseconds = 0
        for low, high in spans:
            until = min(high, e)  # a pause may run past the end
            if until > low:
                microseconds += round((self._elapsed(until) - self._elapsed(low)) * 1e6)
        return _MICROSECOND * microseconds

    def _add_py(self, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        if start.__class__ is not _datetime:
            s = _instant(start, "start")
        else:
            zone = start.tzinfo
            offset = zone.utcoffset(start) if zone is not None else None
            if offset is None:
                raise _refuse(start, "start")
            s = (
                (start.toordinal() - _EPOCH_ORDINAL) * 86400
                + start.hour * 3600
                + start.minute * 60
                + start.second
                - offset.days * 86400
                - offset.seconds
                + (start.microsecond - offset.microseconds) / 1e6
            )
        if duration.__class__ is _timedelta:
            d = duration.days * 86400 + duration.seconds + duration.microseconds / 1e6
            if d < 0:
                raise InvalidInput.on("duration", gettext_noop("A duration cannot be negative."))
        else:
            d = _seconds_of(duration)
        if d == 0:
            return _fromtimestamp(s, self._zone)
        if not (self._low <= s < self._high):
            self._cover(s, s)
        starts, cum_end = self._starts, self._cum_end
        i = bisect_right(starts, s) - 1
        if i < 0:
            target = d
        elif s >= self._ends[i]:
            target = cum_end[i] + d
        else:
            target = self._cum_start[i] + (s - starts[i]) + d
        # Short additions mostly end in the window they start in (or the next one).
        j = i if i >= 0 else 0
        reach = target - _TIE
        if j < len(cum_end) and cum_end[j] < reach:
            j += 1
            if j < len(cum_end) and cum_end[j] < reach:
                j = bisect_left(cum_end, reach, j)
        searched = 0
        while j == len(cum_end):
            if searched > _SEARCH_LIMIT_DAYS:
                raise InvalidInput.on(
                    "duration",
                    gettext_noop("The calendar has no working time within twenty years."),
                )
            self._grow_forward()
            searched += _GROWTH_DAYS
            j = bisect_left(cum_end, reach)
        return _fromtimestamp(starts[j] + (target - self._cum_start[j]), self._zone)

    def is_open(self, at: dt.datetime) -> bool:
        """Whether ``at`` falls inside a working window (a window's close is outside)."""
        t = _instant(at, "at")
        self._cover(t, t)
        i = bisect_right(self._starts, t) - 1
        return i >= 0 and t < self._ends[i]

    # --- beyond the interface -------------------------------------------------------------------
    def subtract(self, end: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        """The latest instant ``s`` not after ``end`` with ``between(s, end) == duration``, in
        the calendar's zone: ``duration`` of business time counted back from ``end``.

        As ``add`` returns a window's close rather than the next opening, counting back onto
        the edge of a window returns its opening rather than the close before it. Two binary
        searches, like ``add``; the timeline grows backwards when it must.
        """
        e = _instant(end, "end")
        d = _seconds_of(duration)
        if d == 0:
            return self._out(e)
        self._cover(e, e)
        searched = 0
        target = self._elapsed(e) - d
        while target < 0:  # the start lies before the timeline: reach further back
            if searched > _SEARCH_LIMIT_DAYS:
                raise InvalidInput.on(
                    "duration",
                    gettext_noop("The calendar has no working time within twenty years."),
                )
            self._cover(self._span_start - _DAY_SECONDS, e)
            searched += _GROWTH_DAYS
            target = self._elapsed(e) - d
        cum_start = self._cum_start
        # The window the start falls in: landing within half a microsecond before an opening
        # lands on the opening (its float difference only looks short of it).
        j = bisect_right(cum_start, target + _TIE) - 1
        return self._out(self._starts[j] + max(target - cum_start[j], 0.0))

    def next_open(self, at: dt.datetime) -> dt.datetime:
        """``at`` if the calendar is open then, else the next opening."""
        t = _instant(at, "at")
        self._cover(t, t)
        while True:
            i = bisect_right(self._starts, t) - 1
            if i >= 0 and t < self._ends[i]:
                return self._out(t)
            if i + 1 < len(self._starts):
                return self._out(self._starts[i + 1])
            if self._last_day - self._first_day > _SEARCH_LIMIT_DAYS:
                raise InvalidInput.on(
                    "at", gettext_noop("The calendar has no working time within twenty years.")
                )
            self._grow_forward()

    @property
    def zone(self) -> ZoneInfo:
        return self._zone
