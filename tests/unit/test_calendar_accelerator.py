"""The C accelerator of the calendar gives the Python definition's answers, bit for bit.

``pacta.domain._timeline`` is optional (built where a C compiler is); where it is built, every
answer it gives must equal the Python code's, including the zone, the offset and the fold of a
result, and it must defer (return None) to Python on whatever it does not handle.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sysconfig
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pacta.domain import calendar as calendar_module
from pacta.domain.calendar import BusinessCalendar
from pacta.domain.errors import InvalidInput

from .test_calendar import CALENDARS, MADRID, case, durations, office

timeline = calendar_module._timeline
compiler = sysconfig.get_config_var("CC")
needs_c = pytest.mark.skipif(timeline is None, reason="built only where a C compiler is")


def test_the_accelerator_is_built_wherever_a_compiler_is():
    """`make install` builds it; a silent build failure would only show as slowness."""
    has_compiler = bool(compiler) and shutil.which(compiler.split()[0]) is not None
    assert calendar_module.ACCELERATED is (timeline is not None)
    if has_compiler:
        assert calendar_module.ACCELERATED, "pacta/domain/_timeline.c did not build: make install"


def same(fast: object, slow: object) -> None:
    assert type(fast) is type(slow)
    assert fast == slow
    if isinstance(fast, dt.datetime) and isinstance(slow, dt.datetime):
        assert fast.tzinfo is slow.tzinfo
        assert fast.fold == slow.fold
        assert fast.utcoffset() == slow.utcoffset()
        assert fast.replace(tzinfo=None) == slow.replace(tzinfo=None)


@needs_c
@settings(max_examples=1500, deadline=None)
@given(case(), durations, st.booleans())
def test_add_in_c_is_add_in_python(c, duration, as_utc):
    calendar, start = c
    if as_utc:
        start = start.astimezone(dt.UTC)
    slow = calendar._add_py(start, duration)  # covers the span first
    fast = timeline.add(calendar._state, start, duration)
    if fast is None:  # only where the timeline had to grow past its end
        assert calendar.add(start, duration) == slow
        return
    same(fast, slow)


@needs_c
@settings(max_examples=1500, deadline=None)
@given(case(), durations, st.booleans())
def test_between_in_c_is_between_in_python(c, duration, as_utc):
    calendar, start = c
    end = start + duration  # wall-clock arithmetic: any later or earlier instant will do
    if as_utc:
        end = end.astimezone(dt.UTC)
    slow = calendar._between_py(start, end)
    fast = timeline.between(calendar._state, start, end)
    assert fast is not None
    same(fast, slow)
    same(timeline.between(calendar._state, end, start), calendar._between_py(end, start))


@needs_c
@settings(max_examples=1000, deadline=None)
@given(case(), st.lists(durations, min_size=1, max_size=7))
def test_between_with_pauses_in_c_is_the_same_in_python(c, gaps):
    calendar, start = c
    moments = [start]
    for gap in gaps:  # real elapsed time, so the instants are in order across a DST change
        moments.append((moments[-1].astimezone(dt.UTC) + gap).astimezone(start.tzinfo))
    *marks, end = moments
    pauses = [(a, b) for a, b in zip(marks[1::2], marks[2::2], strict=False)]
    # The end may fall before some pauses end, or before they start: both are allowed.
    end = min(end, (start.astimezone(dt.UTC) + gaps[0] * 3).astimezone(start.tzinfo))
    slow = calendar._between_paused(start, end, pauses)
    fast = timeline.between_paused(calendar._state, start, end, tuple(pauses))
    assert fast is not None
    same(fast, slow)


def test_a_pause_running_past_the_end_counts_nothing_after_the_end():
    calendar = office()
    monday = dt.datetime(2026, 3, 9, 8, 0, tzinfo=MADRID)
    pauses = [
        (monday + dt.timedelta(hours=1), monday + dt.timedelta(hours=2)),
        (monday + dt.timedelta(hours=5), monday + dt.timedelta(hours=6)),
    ]
    # Ends at 11:00, between the pauses: 08:00–09:00 and 10:00–11:00 count.
    end = monday + dt.timedelta(hours=3)
    assert calendar.between(monday, end, pauses=pauses) == dt.timedelta(hours=2)
    assert calendar._between_paused(monday, end, pauses) == dt.timedelta(hours=2)


@needs_c
def test_c_defers_to_python_for_what_python_refuses():
    calendar = CALENDARS[("Europe/Madrid", "office")]
    start = dt.datetime(2026, 3, 9, 10, tzinfo=MADRID)
    calendar.add(start, dt.timedelta(hours=1))
    naive = dt.datetime(2026, 3, 9, 10)
    state = calendar._state
    assert timeline.add(state, naive, dt.timedelta(hours=1)) is None
    assert timeline.add(state, start, dt.timedelta(hours=-1)) is None
    assert timeline.add(state, start, dt.timedelta(0)) is None
    assert timeline.between(state, start, naive) is None
    later = start + dt.timedelta(hours=2)
    assert timeline.between_paused(state, start, later, ((later, start),)) is None
    with pytest.raises(InvalidInput) as refused:
        calendar.add(naive, dt.timedelta(hours=1))
    assert refused.value.code == "naive_datetime"
    with pytest.raises(InvalidInput) as refused:
        calendar.between(start, later, pauses=[(later, start)])
    assert refused.value.fields == {
        "pauses[0]": ["Pauses must be in order, within the span, and not overlap."]
    }


@needs_c
def test_c_defers_outside_the_timeline_and_answers_once_python_has_grown_it():
    calendar = BusinessCalendar("Europe/Madrid", {"mon": [("08:00", "18:00")]})
    far = dt.datetime(2031, 6, 2, 17, tzinfo=MADRID)  # a Monday
    assert timeline.add(calendar._state, far, dt.timedelta(hours=2)) is None
    assert calendar.add(far, dt.timedelta(hours=2)) == dt.datetime(
        2031, 6, 9, 9, tzinfo=ZoneInfo("Europe/Madrid")
    )
    assert timeline.add(calendar._state, far, dt.timedelta(hours=2)) == dt.datetime(
        2031, 6, 9, 9, tzinfo=MADRID
    )


@needs_c
def test_c_refuses_a_state_that_is_not_a_timeline():
    with pytest.raises(TypeError):
        timeline.add([], dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.timedelta(hours=1))
    with pytest.raises(TypeError):
        timeline.between(None, dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.datetime.now(dt.UTC))
    with pytest.raises(TypeError, match=r"add\(state, start, duration\)"):
        timeline.add(office()._state, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))  # type: ignore[call-arg]
