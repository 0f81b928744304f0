"""Billing periods: counted from the contract's first day, no gap, no overlap."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pacta.domain.errors import InvalidInput
from pacta.domain.periods import Period, period_of

D = dt.date


def test_a_month_from_the_first():
    assert period_of(starts_on=D(2026, 1, 1), length="month", day=D(2026, 3, 17)) == Period(
        D(2026, 3, 1), D(2026, 4, 1)
    )


def test_a_contract_starting_on_the_31st_ends_its_february_period_on_the_28th():
    jan31 = D(2026, 1, 31)
    assert period_of(starts_on=jan31, length="month", day=D(2026, 2, 27)) == Period(
        D(2026, 1, 31), D(2026, 2, 28)
    )
    assert period_of(starts_on=jan31, length="month", day=D(2026, 2, 28)) == Period(
        D(2026, 2, 28), D(2026, 3, 31)
    )


def test_quarters_and_years_from_a_mid_month_start():
    assert period_of(starts_on=D(2026, 2, 15), length="quarter", day=D(2026, 5, 14)) == Period(
        D(2026, 2, 15), D(2026, 5, 15)
    )
    assert period_of(starts_on=D(2026, 2, 15), length="year", day=D(2027, 2, 15)) == Period(
        D(2027, 2, 15), D(2028, 2, 15)
    )


def test_bad_input_names_the_field():
    with pytest.raises(InvalidInput) as refused:
        period_of(starts_on=D(2026, 1, 1), length="week", day=D(2026, 1, 2))
    assert refused.value.fields == {"billing_period": ["A period is a month, quarter or year."]}
    with pytest.raises(InvalidInput) as refused:
        period_of(starts_on=D(2026, 1, 2), length="month", day=D(2026, 1, 1))
    assert refused.value.fields == {"day": ["The day is before the contract starts."]}


@given(
    st.dates(min_value=D(2000, 1, 1), max_value=D(2040, 12, 31)),
    st.integers(min_value=0, max_value=4000),
    st.sampled_from(["month", "quarter", "year"]),
)
def test_periods_hold_their_day_and_follow_one_another(start, offset, length):
    day = start + dt.timedelta(days=offset)
    period = period_of(starts_on=start, length=length, day=day)
    assert day in period
    assert period.starts_on >= start
    following = period_of(starts_on=start, length=length, day=period.ends_before)
    assert following.starts_on == period.ends_before
    last_day = period.ends_before - dt.timedelta(days=1)
    assert period_of(starts_on=start, length=length, day=last_day) == period
