"""BusinessCalendar: exact business time, across DST, holidays and split shifts."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pacta.domain.calendar import BusinessCalendar
from pacta.domain.errors import InvalidInput
from pacta.domain.public_holidays import public_holidays

MADRID = ZoneInfo("Europe/Madrid")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
H = dt.timedelta(hours=1)


def office(zone="Europe/Madrid", closed=(), **extra):
    return BusinessCalendar(zone, {d: [("08:00", "18:00")] for d in WEEKDAYS}, closed, **extra)


# --- the calendars the properties run on: split shifts, nights, 24 hours, weekends ---------------
SHAPES = {
    "office": {d: [("08:00", "18:00")] for d in WEEKDAYS},
    "split": {d: [("08:00", "13:00"), ("14:00", "18:00")] for d in WEEKDAYS}
    | {"sat": [("09:00", "13:00")]},
    "nights": {d: [("00:00", "06:00"), ("22:00", "24:00")] for d in (*WEEKDAYS, "sat", "sun")},
    "always": {d: [("00:00", "24:00")] for d in (*WEEKDAYS, "sat", "sun")},
    "dst_hours": {d: [("01:00", "04:00")] for d in (*WEEKDAYS, "sat", "sun")},
}
ZONES = ["Europe/Madrid", "America/New_York", "Europe/Moscow", "Australia/Sydney"]
#: Days around both daylight-saving changes of each zone (2026), where the bugs live.
TRANSITIONS = {
    "Europe/Madrid": [dt.datetime(2026, 3, 29), dt.datetime(2026, 10, 25)],
    "America/New_York": [dt.datetime(2026, 3, 8), dt.datetime(2026, 11, 1)],
    "Europe/Moscow": [dt.datetime(2026, 3, 29), dt.datetime(2026, 10, 25)],
    "Australia/Sydney": [dt.datetime(2026, 4, 5), dt.datetime(2026, 10, 4)],
}
CLOSED = [dt.date(2026, 3, 30), dt.date(2026, 10, 26), dt.date(2026, 11, 2), dt.date(2026, 4, 6)]
CALENDARS = {
    (zone, shape): BusinessCalendar(zone, hours, CLOSED)
    for zone in ZONES
    for shape, hours in SHAPES.items()
}


@st.composite
def case(draw):
    zone = draw(st.sampled_from(ZONES))
    shape = draw(st.sampled_from(sorted(SHAPES)))
    around = draw(st.sampled_from(TRANSITIONS[zone]))
    offset = draw(st.integers(min_value=-4 * 86400 * 10**6, max_value=4 * 86400 * 10**6))
    local = around + dt.timedelta(microseconds=offset)
    start = local.replace(tzinfo=ZoneInfo(zone), fold=draw(st.integers(0, 1)))
    return CALENDARS[(zone, shape)], start


def utc(moment: dt.datetime) -> dt.datetime:
    """The real instant: Python compares datetimes of one zone by wall clock, ignoring fold."""
    return moment.astimezone(dt.UTC)


durations = st.integers(min_value=1, max_value=30 * 3600 * 10**6).map(
    lambda us: dt.timedelta(microseconds=us)
)


@settings(max_examples=400, deadline=None)
@given(case(), durations)
def test_counting_back_what_was_added_gives_the_same_duration(c, duration):
    calendar, start = c
    assert calendar.between(start, calendar.add(start, duration)) == duration


@settings(max_examples=300, deadline=None)
@given(case(), durations, durations)
def test_adding_in_two_steps_is_adding_the_sum(c, a, b):
    calendar, start = c
    assert utc(calendar.add(calendar.add(start, a), b)) == utc(calendar.add(start, a + b))


@settings(max_examples=300, deadline=None)
@given(case(), durations, durations)
def test_add_is_monotonic_in_the_duration(c, a, b):
    calendar, start = c
    shorter, longer = sorted((a, b))
    assert utc(calendar.add(start, shorter)) <= utc(calendar.add(start, longer))


@settings(max_examples=300, deadline=None)
@given(case(), st.integers(min_value=0, max_value=3 * 86400 * 10**6), durations)
def test_add_is_monotonic_in_the_start(c, later_by, duration):
    calendar, start = c
    later = utc(start) + dt.timedelta(microseconds=later_by)  # real time later
    assert utc(calendar.add(start, duration)) <= utc(calendar.add(later, duration))


@settings(max_examples=300, deadline=None)
@given(case(), durations)
def test_a_result_is_inside_a_window_or_exactly_at_its_close(c, duration):
    calendar, start = c
    result = calendar.add(start, duration)
    just_before = result - dt.timedelta(microseconds=1)
    assert calendar.is_open(result) or calendar.is_open(just_before)


@settings(max_examples=300, deadline=None)
@given(case(), st.integers(min_value=0, max_value=5 * 86400 * 10**6))
def test_between_is_additive(c, span):
    calendar, start = c
    end = utc(start) + dt.timedelta(microseconds=span)  # real time, not wall-clock arithmetic
    middle = utc(start) + dt.timedelta(microseconds=span // 3)
    assert calendar.between(start, end) == calendar.between(start, middle) + calendar.between(
        middle, end
    )
    assert calendar.between(start, end) <= end - utc(start)


def test_a_window_over_a_dst_change_is_shorter_or_longer_that_night():
    nights = CALENDARS[("Europe/Madrid", "dst_hours")]  # 01:00-04:00 every day
    spring, autumn, ordinary = dt.date(2026, 3, 29), dt.date(2026, 10, 25), dt.date(2026, 6, 1)

    def night(day):
        start = dt.datetime.combine(day, dt.time(0), MADRID)
        return nights.between(start, start + dt.timedelta(hours=12))

    assert (night(spring), night(autumn), night(ordinary)) == (2 * H, 4 * H, 3 * H)


def test_adding_across_the_spring_change_counts_real_time():
    always = CALENDARS[("Europe/Madrid", "always")]
    start = dt.datetime(2026, 3, 29, 1, 30, tzinfo=MADRID)
    assert always.add(start, H) == dt.datetime(2026, 3, 29, 3, 30, tzinfo=MADRID)
    assert always.add(start, 2 * H).isoformat() == "2026-03-29T04:30:00+02:00"


def test_no_float_hours_move_friday_18_00_to_monday():
    calendar = office()
    friday = dt.datetime(2026, 3, 6, 8, 0, tzinfo=MADRID)
    assert calendar.add(friday, 10 * H) == dt.datetime(2026, 3, 6, 18, 0, tzinfo=MADRID)
    third = dt.timedelta(hours=10) / 3
    assert calendar.add(calendar.add(calendar.add(friday, third), third), third) == (
        dt.datetime(2026, 3, 6, 18, 0, tzinfo=MADRID)
    )


def test_microseconds_are_kept():
    calendar = office()
    start = dt.datetime(2026, 3, 4, 9, 0, 0, 123456, tzinfo=MADRID)
    result = calendar.add(start, dt.timedelta(microseconds=1))
    assert result == dt.datetime(2026, 3, 4, 9, 0, 0, 123457, tzinfo=MADRID)
    assert calendar.between(start, result) == dt.timedelta(microseconds=1)


def test_results_are_in_the_calendars_zone_whatever_the_input_zone():
    calendar = office()
    start_utc = dt.datetime(2026, 3, 4, 8, 0, tzinfo=dt.UTC)  # 09:00 in Madrid
    result = calendar.add(start_utc, H)
    assert result.tzinfo is calendar.zone
    assert result == dt.datetime(2026, 3, 4, 10, 0, tzinfo=MADRID)


def test_public_holidays_of_madrid_are_closed_year_after_year():
    calendar = office(holidays=public_holidays("ES", "MD"))
    may_day_eve = dt.datetime(2026, 4, 30, 17, 0, tzinfo=MADRID)  # Thursday; 1 May is a Friday
    assert calendar.add(may_day_eve, 2 * H) == dt.datetime(2026, 5, 4, 9, 0, tzinfo=MADRID)
    # Madrid Day (2 May, the region only) in a year far from the first one asked: a Friday
    assert not calendar.is_open(dt.datetime(2031, 5, 2, 10, 0, tzinfo=MADRID))
    assert calendar.is_open(dt.datetime(2031, 5, 5, 10, 0, tzinfo=MADRID))
    assert office().is_open(dt.datetime(2031, 5, 2, 10, 0, tzinfo=MADRID))  # not without them


def test_next_open_and_is_open():
    calendar = office()
    saturday = dt.datetime(2026, 3, 7, 12, 0, tzinfo=MADRID)
    assert not calendar.is_open(saturday)
    assert calendar.next_open(saturday) == dt.datetime(2026, 3, 9, 8, 0, tzinfo=MADRID)
    assert calendar.is_open(dt.datetime(2026, 3, 9, 8, 0, tzinfo=MADRID))
    assert not calendar.is_open(dt.datetime(2026, 3, 9, 18, 0, tzinfo=MADRID))


def test_far_past_and_far_future_extend_the_timeline():
    calendar = office()
    assert calendar.add(dt.datetime(2026, 3, 9, 8, tzinfo=MADRID), H).hour == 9
    assert calendar.add(dt.datetime(1999, 3, 1, 8, tzinfo=MADRID), H).hour == 9
    assert calendar.add(dt.datetime(2090, 3, 1, 8, tzinfo=MADRID), H).hour == 9
    span = calendar.between(
        dt.datetime(2026, 1, 1, tzinfo=MADRID), dt.datetime(2027, 1, 1, tzinfo=MADRID)
    )
    assert span == 261 * 10 * H  # 261 weekdays in 2026


@pytest.mark.parametrize(
    ("hours", "field"),
    [
        ({"mon": [("18:00", "08:00")]}, "hours.mon[0]"),
        ({"mon": [("08:00", "08:00")]}, "hours.mon[0]"),
        ({"mon": [("8:00", "12:00")]}, "hours.mon[0]"),
        ({"mon": [("08:00", "25:00")]}, "hours.mon[0]"),
        ({"mon": [("24:00", "24:00")]}, "hours.mon[0]"),
        ({"mon": [("08:00", "13:00"), ("12:00", "18:00")]}, "hours.mon"),
        ({"monday": [("08:00", "13:00")]}, "hours"),
        ({}, "hours"),
        ({"sat": []}, "hours"),
    ],
)
def test_bad_weeks_are_refused_naming_the_field(hours, field):
    with pytest.raises(InvalidInput) as refused:
        BusinessCalendar("Europe/Madrid", hours)
    assert field in refused.value.fields


def test_an_unknown_zone_is_refused():
    with pytest.raises(InvalidInput) as refused:
        BusinessCalendar("Mars/Olympus", {"mon": [("08:00", "18:00")]})
    assert (refused.value.code, list(refused.value.fields)) == ("unknown_time_zone", ["timezone"])


def test_naive_datetimes_are_refused_naming_the_argument():
    calendar = office()
    naive = dt.datetime(2026, 3, 9, 9, 0)
    aware = naive.replace(tzinfo=MADRID)
    for call, field in (
        (lambda: calendar.add(naive, H), "start"),
        (lambda: calendar.between(naive, aware), "start"),
        (lambda: calendar.between(aware, naive), "end"),
        (lambda: calendar.is_open(naive), "at"),
    ):
        with pytest.raises(InvalidInput) as refused:
            call()
        assert (refused.value.code, list(refused.value.fields)) == ("naive_datetime", [field])


def test_a_negative_duration_is_refused():
    with pytest.raises(InvalidInput) as refused:
        office().add(dt.datetime(2026, 3, 9, 9, tzinfo=MADRID), -H)
    assert list(refused.value.fields) == ["duration"]


def test_unknown_holiday_places_are_refused():
    with pytest.raises(InvalidInput) as country:
        public_holidays("XX")
    assert list(country.value.fields) == ["holiday_country"]
    with pytest.raises(InvalidInput) as region:
        public_holidays("ES", "ZZ")
    assert list(region.value.fields) == ["holiday_subdivision"]


def test_a_calendar_that_is_never_open_in_practice_says_so():
    closed_forever = BusinessCalendar(
        "Europe/Madrid",
        {"mon": [("08:00", "09:00")]},
        holidays=lambda year: {dt.date(year, 1, 1) + dt.timedelta(days=i) for i in range(366)},
    )
    with pytest.raises(InvalidInput) as refused:
        closed_forever.add(dt.datetime(2026, 1, 5, 8, tzinfo=MADRID), H)
    assert list(refused.value.fields) == ["duration"]


def test_between_leaves_out_pauses_in_one_call():
    calendar = office()
    opened = dt.datetime(2026, 3, 6, 9, 0, tzinfo=MADRID)  # Friday
    now = dt.datetime(2026, 3, 9, 12, 0, tzinfo=MADRID)  # Monday
    pauses = [
        (
            dt.datetime(2026, 3, 6, 10, 0, tzinfo=MADRID),
            dt.datetime(2026, 3, 6, 11, 30, tzinfo=MADRID),
        ),
        (
            dt.datetime(2026, 3, 6, 17, 0, tzinfo=MADRID),
            dt.datetime(2026, 3, 9, 10, 0, tzinfo=MADRID),
        ),
    ]
    used = calendar.between(opened, now, pauses=pauses)
    assert used == dt.timedelta(hours=1 + 5.5 + 2)
    three_calls = (
        calendar.between(opened, pauses[0][0])
        + calendar.between(pauses[0][1], pauses[1][0])
        + calendar.between(pauses[1][1], now)
    )
    assert used == three_calls
    with pytest.raises(InvalidInput) as refused:
        calendar.between(opened, now, pauses=list(reversed(pauses)))
    assert list(refused.value.fields) == ["pauses[1]"]


@settings(max_examples=300, deadline=None)
@given(case(), st.lists(st.integers(min_value=0, max_value=86400 * 10**6), min_size=5, max_size=5))
def test_pauses_leave_out_exactly_their_business_time(c, gaps):
    calendar, start = c
    marks = [utc(start)]
    for gap in gaps:
        marks.append(marks[-1] + dt.timedelta(microseconds=gap))
    end = marks[-1]
    pauses = [(marks[1], marks[2]), (marks[3], marks[4])]
    expected = (
        calendar.between(start, marks[1])
        + calendar.between(marks[2], marks[3])
        + calendar.between(marks[4], end)
    )
    assert calendar.between(start, end, pauses=pauses) == expected


# --- counting business time back: subtract --------------------------------------------------------
MICRO = dt.timedelta(microseconds=1)


@settings(max_examples=400, deadline=None)
@given(case(), durations)
def test_counting_back_gives_the_latest_start_with_that_much_business_time(c, duration):
    calendar, end = c
    start = calendar.subtract(end, duration)
    assert calendar.between(start, end) == duration
    assert utc(start) < utc(end)
    # the latest such instant: a microsecond later there is less business time before the end
    assert calendar.between(utc(start) + MICRO, end) < duration
    assert start.tzinfo is calendar.zone


@settings(max_examples=300, deadline=None)
@given(case(), durations)
def test_adding_back_what_was_counted_back_never_passes_the_end(c, duration):
    calendar, end = c
    start = calendar.subtract(end, duration)
    assert utc(calendar.add(start, duration)) <= utc(end)
    # and counting back from an addition never lands before its start
    assert utc(calendar.subtract(calendar.add(end, duration), duration)) >= utc(end)


@settings(max_examples=300, deadline=None)
@given(case(), durations, durations)
def test_subtract_is_monotonic_in_the_duration(c, a, b):
    calendar, end = c
    shorter, longer = sorted((a, b))
    assert utc(calendar.subtract(end, longer)) <= utc(calendar.subtract(end, shorter))


@settings(max_examples=300, deadline=None)
@given(case(), st.integers(min_value=0, max_value=3 * 86400 * 10**6), durations)
def test_subtract_is_monotonic_in_the_end(c, later_by, duration):
    calendar, end = c
    later = utc(end) + dt.timedelta(microseconds=later_by)  # real time later
    assert utc(calendar.subtract(end, duration)) <= utc(calendar.subtract(later, duration))


def test_counting_back_over_split_shifts_and_a_weekend():
    split = BusinessCalendar(
        "Europe/Madrid", {d: [("08:00", "14:00"), ("15:00", "18:00")] for d in WEEKDAYS}
    )
    monday = dt.datetime(2026, 11, 23, 10, 0, tzinfo=MADRID)
    # two hours on Monday morning, then 1:10 of Friday afternoon
    assert split.subtract(monday, dt.timedelta(hours=3, minutes=10)) == dt.datetime(
        2026, 11, 20, 16, 50, tzinfo=MADRID
    )
    # exactly the morning: the opening, not Friday's close
    assert split.subtract(monday, 2 * H) == dt.datetime(2026, 11, 23, 8, 0, tzinfo=MADRID)
    # over the lunch break
    afternoon = dt.datetime(2026, 11, 23, 15, 30, tzinfo=MADRID)
    assert split.subtract(afternoon, H) == dt.datetime(2026, 11, 23, 13, 30, tzinfo=MADRID)


def test_counting_back_across_the_spring_change_counts_real_time():
    always = CALENDARS[("Europe/Madrid", "always")]
    end = dt.datetime(2026, 3, 29, 3, 30, tzinfo=MADRID)  # CEST, an hour after 01:30 CET
    assert always.subtract(end, H).isoformat() == "2026-03-29T01:30:00+01:00"
    nights = CALENDARS[("Europe/Madrid", "dst_hours")]  # 01:00-04:00; 25 October has four hours
    autumn = dt.datetime(2026, 10, 25, 4, 0, tzinfo=MADRID)
    assert nights.subtract(autumn, 4 * H) == dt.datetime(2026, 10, 25, 1, 0, tzinfo=MADRID)
    assert nights.subtract(autumn, 4 * H + H) == dt.datetime(2026, 10, 24, 3, 0, tzinfo=MADRID)


def test_counting_back_zero_gives_the_end_in_the_calendars_zone():
    calendar = office()
    end = dt.datetime(2026, 3, 7, 11, 0, tzinfo=dt.UTC)  # a Saturday: closed
    result = calendar.subtract(end, dt.timedelta(0))
    assert (result, result.tzinfo) == (end, calendar.zone)


def test_counting_back_far_grows_the_timeline_backwards():
    calendar = office()
    new_year = dt.datetime(2026, 1, 1, tzinfo=MADRID)
    # 2025 has 261 weekdays of ten hours: all of them lead back to its first opening
    assert calendar.subtract(new_year, 261 * 10 * H) == dt.datetime(2025, 1, 1, 8, tzinfo=MADRID)
    assert calendar.subtract(new_year, 261 * 10 * H + H) == dt.datetime(
        2024, 12, 31, 17, tzinfo=MADRID
    )


def test_counting_back_refuses_naive_ends_negative_durations_and_a_closed_past():
    calendar = office()
    with pytest.raises(InvalidInput) as naive:
        calendar.subtract(dt.datetime(2026, 3, 9, 9, 0), H)
    assert (naive.value.code, list(naive.value.fields)) == ("naive_datetime", ["end"])
    with pytest.raises(InvalidInput) as negative:
        calendar.subtract(dt.datetime(2026, 3, 9, 9, tzinfo=MADRID), -H)
    assert list(negative.value.fields) == ["duration"]
    closed_forever = BusinessCalendar(
        "Europe/Madrid",
        {"mon": [("08:00", "09:00")]},
        holidays=lambda year: {dt.date(year, 1, 1) + dt.timedelta(days=i) for i in range(366)},
    )
    with pytest.raises(InvalidInput) as refused:
        closed_forever.subtract(dt.datetime(2026, 1, 5, 8, tzinfo=MADRID), H)
    assert list(refused.value.fields) == ["duration"]
