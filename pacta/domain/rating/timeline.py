"""Where a site's surcharge rules and price changes split time, as UTC instants.

For a site (time zone, public holidays, access hours), a contract version's surcharge rules and
price changes, and whether the work is an emergency, the timeline is a run of intervals covering
every instant of a span of local days, each with a *class*: the surcharge rules in force over it
and the price epoch (how many price changes took effect by its local day). Boundaries are
computed once per local day from the rules' windows, the access hours and midnight, as integer
UTC microseconds, so real elapsed time across a change of daylight saving time comes for free
(a night window over the autumn change is an hour longer). Adjacent intervals of one class are
merged. Splitting an entry is then one binary search and a walk over the boundaries it crosses.

Conditions on the day (weekday, holiday, season) are read on the local date of each minute:
the part of a night window after midnight belongs to the next day.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from itertools import pairwise
from zoneinfo import ZoneInfo

from pacta.domain.calendar import HolidaySource
from pacta.domain.rating.terms import SurchargeRule

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_US = dt.timedelta(microseconds=1)
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_DAY = 86_400
_GROWTH_DAYS = 400
_FAR = 1 << 62
_LAST_ORDINAL = dt.date.max.toordinal() - 1

#: A class: (indices of the rules in force, price epoch).
ClassKey = tuple[tuple[int, ...], int]


def instant_us(value: dt.datetime) -> int:
    """An aware datetime as integer UTC microseconds since the epoch (exact)."""
    zone = value.tzinfo
    offset = zone.utcoffset(value) if zone is not None else None
    if offset is None:
        raise ValueError("naive datetime")
    return (
        (
            (value.toordinal() - _EPOCH_ORDINAL) * _DAY
            + value.hour * 3600
            + value.minute * 60
            + value.second
            - offset.days * _DAY
            - offset.seconds
        )
        * 1_000_000
        + value.microsecond
        - offset.microseconds
    )


class Timeline:
    """Intervals of one class each, as parallel lists: ``starts`` (UTC µs) and ``classes``;
    ``starts`` ends with a sentinel at the end of the span."""

    __slots__ = (
        "_first",
        "_holiday_years",
        "_holidays",
        "_ids",
        "_last",
        "_source",
        "access_week",
        "classes",
        "emergency",
        "high",
        "keys",
        "low",
        "memo",
        "price_days",
        "rules",
        "starts",
        "windows",
        "zone",
    )

    def __init__(
        self,
        zone: ZoneInfo,
        holidays: HolidaySource | None,
        access_week: tuple[tuple[tuple[int, int], ...], ...],
        rules: tuple[SurchargeRule, ...],
        price_days: tuple[dt.date, ...],
        *,
        emergency: bool,
    ) -> None:
        self.zone = zone
        self._source = holidays
        self._holidays: set[dt.date] = set()
        self._holiday_years: set[int] = set()
        self.access_week = access_week
        self.rules = rules
        self.emergency = emergency
        self.price_days = price_days
        self.windows: list[tuple[tuple[int, int], ...] | None] = []
        for rule in rules:
            minutes = rule.window_minutes()
            if minutes is None:
                self.windows.append(None)
                continue
            start, end = minutes[0] * 60, minutes[1] * 60
            self.windows.append(((start, end),) if start < end else ((0, end), (start, _DAY)))
        #: per rating plan (its id), the line groups of each accumulator key and whether its
        #: time has no price (see engine._group)
        self.memo: dict[int, dict[int, tuple[tuple[int, ...], bool]]] = {}
        self.keys: list[ClassKey] = []
        self._ids: dict[ClassKey, int] = {}
        self.starts: list[int] = [_FAR]
        self.classes: list[int] = []
        self._first = 0
        self._last = -1
        self.low = _FAR
        self.high = -_FAR

    # --- building -----------------------------------------------------------------------------
    def _is_holiday(self, day: dt.date) -> bool:
        if self._source is None:
            return False
        if day.year not in self._holiday_years:
            self._holidays.update(self._source(day.year))
            self._holiday_years.add(day.year)
        return day in self._holidays

    def _class(self, key: ClassKey) -> int:
        found = self._ids.get(key)
        if found is None:
            found = self._ids[key] = len(self.keys)
            self.keys.append(key)
        return found

    def _local_us(self, day: dt.date, seconds: int) -> int:
        hour, rest = divmod(seconds, 3600)
        local = dt.datetime(day.year, day.month, day.day, hour, rest // 60, tzinfo=self.zone)
        return (local - _EPOCH) // _US

    def _day_pieces(self, day: dt.date) -> Iterable[tuple[int, int]]:
        """(seconds after local midnight, class) of each piece of ``day``, in order."""
        holiday = self._is_holiday(day)
        access = self.access_week[day.weekday()]
        epoch = bisect_right(self.price_days, day)
        daily = [
            index
            for index, rule in enumerate(self.rules)
            if rule.applies_on(day, holiday=holiday) and (self.emergency or not rule.emergency)
        ]
        edges = {0}
        for index in daily:
            for start, end in self.windows[index] or ():
                edges.update((start, end))
        if any(self.rules[index].outside_access for index in daily):
            for start, end in access:
                edges.update((start, end))
        edges.discard(_DAY)
        for edge in sorted(edges):
            in_force = []
            for index in daily:
                windows = self.windows[index]
                if windows is not None and not any(s <= edge < e for s, e in windows):
                    continue
                if self.rules[index].outside_access and any(s <= edge < e for s, e in access):
                    continue
                in_force.append(index)
            yield edge, self._class((tuple(in_force), epoch))

    def _build(self, first: int, last: int) -> tuple[list[int], list[int]]:
        starts: list[int] = []
        classes: list[int] = []
        for ordinal in range(first, last + 1):
            day = dt.date.fromordinal(ordinal)
            for seconds, class_id in self._day_pieces(day):
                at = self._local_us(day, seconds)
                if starts and at <= starts[-1]:
                    # a piece swallowed by a daylight-saving jump: the later one wins
                    starts.pop()
                    classes.pop()
                if classes and classes[-1] == class_id:
                    continue
                starts.append(at)
                classes.append(class_id)
        return starts, classes

    def cover(self, low: int, high: int) -> None:
        """Make the intervals span the instants ``low``..``high`` (UTC µs), with margin."""
        if self.low <= low and high < self.high:
            return
        low_day = (low // 1_000_000 // _DAY) + _EPOCH_ORDINAL - 2
        high_day = (high // 1_000_000 // _DAY) + _EPOCH_ORDINAL + 2
        if self._last >= self._first:
            low_day = min(low_day, self._first)
            high_day = max(high_day, self._last)
        high_day = max(high_day, low_day + _GROWTH_DAYS)
        starts, classes = self._build(low_day, high_day)
        starts.append(self._local_us(dt.date.fromordinal(high_day + 1), 0))
        self.starts, self.classes = starts, classes
        self._first, self._last = low_day, high_day
        # one local day of margin either side of the span covers any UTC offset
        self.low, self.high = starts[0] + _DAY * 1_000_000, starts[-1] - _DAY * 1_000_000

    def day_of_epoch(self, epoch: int) -> dt.date | None:
        """A local day of price epoch ``epoch`` (None before the first price)."""
        return self.price_days[epoch - 1] if epoch > 0 else None


def split(
    flat: Sequence[int], starts: list[int], classes: list[int], budget: int
) -> tuple[dict[int, int], int, int, int]:
    """Split and sum the spans ``flat`` (start, end, travel bit: 0 or 2, ... in UTC µs, in
    order of their start, inside the span the timeline covers) over the timeline's intervals.

    Returns the microseconds per accumulator key (class × 4 + travel bit + 1 when covered), in
    the order the keys were first met; the covered and the billed microseconds; and the key of
    the last minute worked once the ``budget`` of covered time ran out (-1: none). The first
    ``budget`` microseconds, in that order, are covered: the one that ends it splits its piece.
    The C accelerator's ``split`` is this function (see _timeline.c).
    """
    acc: dict[int, int] = {}
    get = acc.get
    left = budget
    last_key, last_at = -1, -1
    for n in range(0, len(flat), 3):
        start, end, travel_bit = flat[n], flat[n + 1], flat[n + 2]
        i = bisect_right(starts, start) - 1
        s = start
        while True:
            following = starts[i + 1]
            stop = following if following < end else end
            span = stop - s
            base = classes[i] * 4 + travel_bit
            if left >= span:
                left -= span
                acc[base + 1] = get(base + 1, 0) + span
            elif left > 0:
                acc[base + 1] = get(base + 1, 0) + left
                acc[base] = get(base, 0) + span - left
                left = 0
            else:
                acc[base] = get(base, 0) + span
            if stop == end:
                break
            s = following
            i += 1
        if not travel_bit and left == 0 and end > last_at:
            last_key, last_at = base, end
    covered = billed = 0
    for key, us in acc.items():
        if key & 1:
            covered += us
        else:
            billed += us
    return acc, covered, billed, last_key


class LocalDays:
    """The local days of a time zone, as the UTC microseconds of their midnights, to read an
    instant's local date by a binary search. A day whose UTC offset is not the same all day and
    at both of its ends (a change of daylight saving time, a day of another length) is read the
    slow way, as ``datetime.fromtimestamp`` reads it, like every instant outside the days built.
    """

    __slots__ = ("dates", "first", "last", "midnights", "regular", "zone")

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self.first, self.last = 0, -1
        self.midnights: list[int] = []
        self.dates: list[dt.date] = []
        self.regular: list[bool] = []

    def _offset(self, us: int) -> dt.timedelta | None:
        return dt.datetime.fromtimestamp(us // 1_000_000, self.zone).utcoffset()

    def build(self, first: int, last: int) -> None:
        """Know the days of ordinals ``first``..``last``."""
        zone = self.zone
        midnights = []
        for ordinal in range(first, last + 2):
            day = dt.date.fromordinal(ordinal)
            local = dt.datetime(day.year, day.month, day.day, tzinfo=zone)
            midnights.append((local - _EPOCH) // _US)
        regular = []
        for at, following in pairwise(midnights):
            offsets = {
                self._offset(us) for us in (at - 1_000_000, at, following - 1_000_000, following)
            }
            regular.append(following - at == _DAY * 1_000_000 and len(offsets) == 1)
        self.midnights = midnights
        self.dates = [dt.date.fromordinal(ordinal) for ordinal in range(first, last + 1)]
        self.regular = regular
        self.first, self.last = first, last

    def day_of(self, us: int) -> dt.date:
        """The local date of the instant ``us`` (UTC µs; the whole second decides the day)."""
        i = bisect_right(self.midnights, us) - 1
        if 0 <= i < len(self.regular) and self.regular[i]:
            return self.dates[i]
        if i < 0 or i >= len(self.regular):
            day = us // 1_000_000 // _DAY + _EPOCH_ORDINAL
            first, last = day - 2, day + 2
            if self.last >= self.first and max(last, self.last) - min(first, self.first) < (
                4 * _GROWTH_DAYS
            ):
                first, last = min(first, self.first), max(last, self.last)
            last = max(last, first + _GROWTH_DAYS)
            if first >= 1 and last + 1 <= _LAST_ORDINAL:
                self.build(first, last)
                return self.day_of(us)
        return dt.datetime.fromtimestamp(us // 1_000_000, self.zone).date()


_LOCAL_DAYS: dict[ZoneInfo, LocalDays] = {}


def local_days(zone: ZoneInfo) -> LocalDays:
    """The local dates of ``zone`` (one table per zone, grown as instants need it)."""
    days = _LOCAL_DAYS.get(zone)
    if days is None:
        days = _LOCAL_DAYS[zone] = LocalDays(zone)
    return days


def local_day(zone: ZoneInfo, us: int) -> dt.date:
    """The date in ``zone`` of the instant ``us`` (UTC µs), as
    ``datetime.fromtimestamp(us // 1_000_000, zone).date()``."""
    return local_days(zone).day_of(us)
